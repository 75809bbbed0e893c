"""Concurrent and killed imports leave a consistent store (issue 10, items 6 and 7).

Real processes, as a busy deployment would run them: two `refaire import` at once
on one SQLite file or one PostgreSQL schema must both succeed, and an import that
dies between storing its designs and indexing their words must leave nothing
unsearchable once the store is opened again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from refaire.cli.serve import SAMPLE
from refaire.ingest.runner import import_sources
from refaire.registry.conflicts import list_conflicts
from refaire.store import open_store
from refaire.store.design_search import search_designs
from refaire.store.designs import count_designs, design_terms_of, iter_designs
from refaire.store.facilities import count_facilities
from refaire.store.tables import design_index_queue, design_postings

SRC = Path(__file__).resolve().parents[1] / "src"
A = [SAMPLE / "okh" / "losh-list", SAMPLE / "facilities" / "spaceapi", SAMPLE / "okh" / "projects"]
B = [SAMPLE / "okh" / "losh-list", SAMPLE / "facilities" / "spaceapi", SAMPLE / "okh" / "v1"]
WORDS = ["solar", "bike", "water", "printer", "wood", "open"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(SRC) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _import_process(url: str, paths: list[Path], prelude: str = "") -> subprocess.Popen:
    code = prelude + "from refaire.cli import app; app()"
    args = [sys.executable, "-c", code, "import", *map(str, paths), "--db", url, "--json"]
    return subprocess.Popen(
        args, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def index_of_records(store) -> dict[str, dict[int, int]]:
    """The word index the stored designs call for: {term: {design id: weight}}."""
    expected: dict[str, dict[int, int]] = defaultdict(dict)
    for design_id, d in iter_designs(store):
        for term, weight in design_terms_of(d).items():
            expected[term][design_id] = min(weight, 255)
    return dict(expected)


def stored_index(store) -> dict[str, dict[int, int]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(design_postings)).all()
    return {
        term: dict(
            zip(
                np.frombuffer(ids, np.int32).tolist(),
                np.frombuffer(ws, np.uint8).tolist(),
                strict=True,
            )
        )
        for term, ids, ws in rows
    }


def _names(store, q: str) -> list[str]:
    return sorted(i["name"] for i in search_designs(store, q=q, limit=200)["items"])


def test_two_imports_at_once_both_succeed_and_agree_with_one_by_one(any_store, tmp_path):
    url = any_store.url
    first, second = _import_process(url, A), _import_process(url, B)
    outs = [p.communicate(timeout=600) for p in (first, second)]
    for p, (out, err) in zip((first, second), outs, strict=True):
        assert p.returncode == 0, err[-3000:]
        summary = json.loads(out)
        assert summary["imported"] + summary["updated"] > 250, summary["problems"][:5]

    reference = open_store(str(tmp_path / "reference.db"))
    import_sources(reference, [str(p) for p in A])
    import_sources(reference, [str(p) for p in B])
    store = open_store(url)
    assert count_designs(store) == count_designs(reference) > 250
    assert count_facilities(store) == count_facilities(reference) > 0
    # Two forks' manifests of one design are in the sample: whichever came first is
    # stored, the other is kept as a conflict, in either order.
    assert list_conflicts(store)["total"] == list_conflicts(reference)["total"]
    for word in WORDS:
        assert _names(store, word) == _names(reference, word), word
    assert stored_index(store) == index_of_records(store)


def test_an_import_killed_before_indexing_is_repaired_when_the_store_opens(any_store):
    url = any_store.url
    # Dies like a killed process the moment it would index the words of its designs.
    prelude = (
        "import os, refaire.ingest.runner as r; r.flush_postings = lambda store: os._exit(9)\n"
    )
    proc = _import_process(url, [SAMPLE / "okh" / "losh-list"], prelude)
    proc.communicate(timeout=600)
    assert proc.returncode == 9
    raw = any_store.engine  # opened before the crash: no repair has run on it
    with raw.connect() as conn:
        queued = conn.execute(select(func.count()).select_from(design_index_queue)).scalar()
    assert queued > 200 and count_designs(any_store) > 200

    store = open_store(url)  # applies what the dead import left queued
    assert stored_index(store) == index_of_records(store)
    assert search_designs(store, q="solar")["total"] > 0
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(design_index_queue)).scalar() == 0


def test_a_really_killed_import_leaves_a_consistent_store(any_store):
    url = any_store.url
    proc = _import_process(url, [SAMPLE / "okh"])
    deadline = time.monotonic() + 300
    # Kill it as soon as its first designs are committed (or whenever it ends).
    while proc.poll() is None and time.monotonic() < deadline:
        if count_designs(any_store):
            break
        time.sleep(0.05)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    store = open_store(url)
    assert stored_index(store) == index_of_records(store)
