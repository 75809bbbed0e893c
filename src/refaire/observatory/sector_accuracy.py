"""How right the inferred sectors are: precision and recall against labelled designs.

The truth is `data/sector_truth.csv`: designs of the bundled corpus (LOSH list, OSHWA
certifications) with their CPC sections, either declared by the manifest (a CPC class,
the free source of truth) or labelled by hand from name, categories and description
without looking at the inferred sectors (an empty set: not a design of any sector, e.g. an
essay). Compared at the level of CPC sections, over (design, section) pairs:

    precision = inferred sections that are true / inferred sections
    recall    = true sections that were inferred / true sections

For hand-labelled designs the inferred sections are those the registry stores (with
their confidence); for designs with a declared CPC class, whose stored sectors are the
declared ones, the same classifier is run on their name, keywords, function and
description. Measured at several confidence thresholds, so that the observatory's
threshold (`members.MIN_SECTOR_CONFIDENCE`) is chosen on evidence.

The labelled designs are split in two fixed halves by a hash of their key (`half`): the
classifier's settings and the threshold were chosen on the tuning half (0); the figures
published in the method text are those of the held-out half (1), measured by
`benchmarks/sector_accuracy.py` on the bundled corpus and kept in `data/sector_accuracy.json`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import threading
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Text, select, type_coerce

from refaire.store.db import Store
from refaire.store.tables import design_observation_tags, designs

TRUTH = Path(__file__).parent / "data" / "sector_truth.csv"
RESULT = Path(__file__).parent / "data" / "sector_accuracy.json"
THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)

_lock = threading.Lock()
_cache: dict[tuple[Any, ...], dict[str, Any]] = {}


@cache
def truth() -> dict[str, tuple[frozenset[str], str]]:
    """key -> (true sections, basis "hand" or "cpc")."""
    with TRUTH.open(encoding="utf-8", newline="") as fh:
        fh.readline()  # the comment line saying how the file was made
        return {
            r["key"]: (frozenset(s for s in r["sections"].split(";") if s), r["basis"])
            for r in csv.DictReader(fh)
        }


def half(key: str) -> int:
    """0 (tuning) or 1 (held out): a fixed split of the labelled designs by their key."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % 2


def _inference_text(record: dict[str, Any]) -> str:
    parts = [record.get("name"), " ".join(record.get("keywords") or [])]
    parts += [record.get("function"), record.get("description")]
    return "\n".join(str(p) for p in parts if p)


def predictions(store: Store) -> dict[str, tuple[frozenset[str], dict[str, float]]]:
    """key -> (true sections, inferred section -> confidence) for labelled designs stored."""
    from refaire.vocab.sectors import infer_sectors

    labelled = truth()
    out: dict[str, tuple[frozenset[str], dict[str, float]]] = {}
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(designs.c.id, designs.c.key, type_coerce(designs.c.record, Text)).where(
                designs.c.key.in_(list(labelled))
            )
        ).all()
        ids = {did: key for did, key, _ in rows}
        stored: dict[str, dict[str, float]] = {key: {} for key in ids.values()}
        for did, value, conf in conn.execute(
            select(
                design_observation_tags.c.design_id,
                design_observation_tags.c.value,
                design_observation_tags.c.confidence,
            ).where(
                design_observation_tags.c.kind == "sector",
                design_observation_tags.c.design_id.in_(list(ids)),
            )
        ):
            if conf is not None and len(value) == 1:
                stored[ids[did]][value] = float(conf)
    for _did, key, text in rows:
        sections, basis = labelled[key]
        if basis == "cpc":
            inferred = {
                s: c for s, c in infer_sectors(_inference_text(json.loads(text))) if len(s) == 1
            }
        else:
            inferred = stored[key]
        out[key] = (sections, inferred)
    return out


def score(
    pairs: dict[str, tuple[frozenset[str], dict[str, float]]], threshold: float
) -> dict[str, Any]:
    """Micro precision and recall over (design, section) pairs at a confidence threshold."""
    tp = fp = fn = 0
    for true, inferred in pairs.values():
        guessed = {s for s, c in inferred.items() if c >= threshold}
        tp += len(guessed & true)
        fp += len(guessed - true)
        fn += len(true - guessed)
    return {
        "threshold": threshold,
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "true_positive": tp,
        "false_positive": fp,
        "false_negative": fn,
    }


def measure(store: Store) -> dict[str, Any]:
    """Precision and recall of inferred sections per threshold, on the labelled designs
    present in this registry (cached until designs change)."""
    from refaire.observatory.coverage import _version

    key = _version(store)[:2]
    with _lock:
        hit = _cache.get(key)
    if hit is not None:
        return hit
    pairs = predictions(store)
    labelled = truth()
    basis = [labelled[k][1] for k in pairs]
    result = {
        "labelled": len(labelled),
        "in_registry": len(pairs),
        "hand_labelled": basis.count("hand"),
        "cpc_declared": basis.count("cpc"),
        "source": TRUTH.name,
        "by_threshold": [score(pairs, t) for t in THRESHOLDS],
        "by_half": {
            name: {
                "designs": len(part),
                "by_threshold": [score(part, t) for t in THRESHOLDS],
            }
            for name, part in (
                ("tuning", {k: v for k, v in pairs.items() if half(k) == 0}),
                ("held_out", {k: v for k, v in pairs.items() if half(k) == 1}),
            )
        },
    }
    with _lock:
        _cache.clear()
        _cache[key] = result
    return result
