"""Issue 12, accounting: every record read has one outcome in the import summary.

The batch of our own making (tests/fixtures/truth/batch/): a SpaceAPI list of 8 entries of
which 6 are rejected, two lists naming one lab (merged, both files named), an OSHWA CSV with
a repeated UID (the later row wins: merged) and a bad UID (rejected), a text file (skipped)
and a truncated JSON file (rejected). 16 records: imported + updated + merged + conflicts +
skipped + rejected = 16.
"""

from __future__ import annotations

import json
import shutil

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli
from refaire.ingest.runner import import_sources
from refaire.store import open_store

ADMIN_TOKEN = "bootstrap-admin-token-for-tests-0123456789"


@pytest.fixture
def batch(fixtures):
    return fixtures / "truth" / "batch"


def _outcomes(d: dict) -> int:
    return sum(d[k] for k in ("imported", "updated", "merged", "conflicts", "skipped", "rejected"))


def test_every_record_of_the_batch_is_accounted_for(any_store, batch) -> None:
    s = import_sources(any_store, [str(batch)])
    d = s.to_dict()
    assert (d["read"], d["imported"], d["merged"], d["skipped"], d["rejected"]) == (16, 5, 2, 1, 8)
    assert d["accounted"] and _outcomes(d) == d["read"]
    # a list's entries are counted as entries: 6 of the SpaceAPI list's 8 are rejected
    from_list = [p for p in s.problems if p.source.endswith("spaces.json")]
    assert len([p for p in from_list if p.severity == "error"]) == 6
    # the merge names both files
    [merge] = s.merges
    assert {merge["record_source"], merge["into_source"]} == {
        "batch/lab-a.json",
        "batch/lab-b.json",
    }
    # errors come first in the JSON too
    severities = [p["severity"] for p in d["problems"]]
    assert severities == sorted(severities, key=lambda x: x != "error")

    again = import_sources(any_store, [str(batch)]).to_dict()  # a re-import updates
    assert (again["read"], again["imported"], again["updated"]) == (16, 0, 5)
    assert again["accounted"]


def test_a_list_whose_every_entry_is_rejected_counts_its_entries(tmp_path, fixtures) -> None:
    store = open_store(str(tmp_path / "r.db"))
    bad = json.loads((fixtures / "truth" / "spaceapi-list-6-rejected.json").read_text())[2:]
    path = tmp_path / "all-bad.json"
    path.write_text(json.dumps(bad))
    d = import_sources(store, [str(path)]).to_dict()
    assert (d["read"], d["rejected"], d["imported"]) == (6, 6, 0) and d["accounted"]


def test_cli_prints_every_error_first_with_the_whole_file_name(tmp_path, batch) -> None:
    # a deep directory: a table would cut these names
    deep = tmp_path / ("a-very-long-directory-name-for-the-batch-" * 3) / "batch"
    shutil.copytree(batch, deep)
    db = str(tmp_path / "c.db")
    r = CliRunner().invoke(cli, ["import", str(deep), "--db", db])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "8 error(s)"
    errors = [line for line in lines if line.startswith("error ")]
    assert len(errors) == 8
    assert all(str(deep.resolve()) in line for line in errors)
    assert lines.index(errors[-1]) < min(i for i, x in enumerate(lines) if x.startswith("warning"))
    assert "16 records read: 5 imported, 0 updated, 2 merged" in r.output
    assert "8 rejected" in r.output and "does not add up" not in r.output
    merged = next(line for line in lines if line.startswith("merged "))
    assert "lab-a.json" in merged and "lab-b.json" in merged

    r = CliRunner().invoke(cli, ["import", str(deep), "--db", db, "--json"])
    d = json.loads(r.output)
    assert d["read"] == 16 and d["accounted"] and d["errors"] == 8
    kept = [p for p in d["problems"] if p["severity"] != "info"]  # info: the skip's note
    assert len(kept) == d["errors"] + d["warnings"]


def test_api_upload_sums_the_same_counts(tmp_path, batch, monkeypatch) -> None:
    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", ADMIN_TOKEN)
    store = open_store(str(tmp_path / "u.db"))
    client = TestClient(create_app(store=store))
    files = [("files", (p.name, p.read_bytes())) for p in sorted(batch.iterdir())]
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    r = client.post("/api/import", files=files, headers=auth)
    assert r.status_code == 200, r.text
    d = r.json()
    # One upload per file: lab-b.json finds lab-a's place stored (updated, with its merge);
    # the OSHWA row repeated within its file is still merged.
    assert (d["read"], d["rejected"], d["skipped"], d["merged"]) == (16, 8, 1, 1)
    assert d["accounted"] and d["updated"] == 1 and len(d["merges"]) == 1
