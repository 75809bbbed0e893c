"""One bad record is that record's problem: NULs, over-long names, refused rows (issue 10, item 4).

Run on SQLite and PostgreSQL (`any_store`): PostgreSQL refuses NUL characters and
over-long values, and used to lose the whole batch over one record.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app
from refaire.model import Design, Provenance
from refaire.store.design_search import search_designs
from refaire.store.designs import count_designs, get_design, prepare_design, save_designs
from refaire.store.facilities import iter_facilities


def _manifest(i: int, name: str | None = None, function: str = "grinds grain") -> str:
    name = name if name is not None else f"Mill {i:02d}"
    return (
        'okhv = "OKH-LOSHv1.0"\n'
        f"name = {json.dumps(name)}\n"
        f'repo = "https://example.org/mill-{i:02d}"\n'
        'license = "CERN-OHL-S-2.0"\n'
        f"function = {json.dumps(function)}\n"
    )


def _batch(root: Path) -> Path:
    """28 good manifests, one with NUL characters (TOML escapes), one with a 1,500-char name."""
    d = root / "batch"
    d.mkdir()
    for i in range(28):
        (d / f"okh-{i:02d}.toml").write_text(_manifest(i), encoding="utf-8")
    nul = _manifest(28, name="Nul\u0000Mill", function="grinds\u0000 grain")
    (d / "okh-nul.toml").write_text(nul, encoding="utf-8")
    (d / "okh-long.toml").write_text(_manifest(29, name="Long " * 300), encoding="utf-8")
    okw = {"name": "Nul\u0000 Lab", "facility-status": "active", "location": {
        "gps-coordinates": "45.76, 4.83"}, "description": "a\u0000b"}  # fmt: skip
    (d / "nul-lab.okw.json").write_text(json.dumps(okw), encoding="utf-8")
    return d


def test_a_batch_keeps_its_good_records_and_locates_the_bad_ones(any_store, tmp_path):
    folder = _batch(tmp_path)
    res = CliRunner().invoke(app, ["import", str(folder), "--db", any_store.url, "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["imported"] == 31 and summary["rejected"] == 0
    assert count_designs(any_store) == 30
    problems = {(Path(p["source"]).name, p["field"], p["message"]) for p in summary["problems"]}
    assert ("okh-nul.toml", "name", "NUL characters removed") in problems
    assert ("okh-nul.toml", "function", "NUL characters removed") in problems
    assert ("nul-lab.okw.json", "name", "NUL characters removed") in problems
    assert any(
        src == "okh-long.toml" and field == "name" and "1,499 characters cut to 500" in msg
        for src, field, msg in problems
    )
    hit = search_designs(any_store, q="nulmill")["items"]
    assert [h["name"] for h in hit] == ["NulMill"]
    assert search_designs(any_store, q="grinds")["total"] == 30
    [(_fid, lab)] = list(iter_facilities(any_store))
    assert lab.name == "Nul Lab" and lab.description == "ab"


def test_api_import_answers_200_with_the_problems(any_store, monkeypatch):
    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", "t0ken")
    client = TestClient(create_app(store=any_store))
    files = [
        ("files", ("okh-a.toml", _manifest(1).encode())),
        ("files", ("okh-nul.toml", _manifest(2, name="A\u0000B").encode())),
        ("files", ("okh-long.toml", _manifest(3, name="Grain mill " * 500).encode())),
    ]
    r = client.post("/api/import", files=files, headers={"Authorization": "Bearer t0ken"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["imported"] == 3
    fields = {(p["source"], p["field"]) for p in body["problems"]}
    assert ("upload:okh-nul.toml", "name") in fields and ("upload:okh-long.toml", "name") in fields


def _design(key: str, name: str, source: str) -> Design:
    prov = Provenance(source=source, format="okh-losh", checksum=key.ljust(64, "0")[:64],
                      imported_at="2026-12-01T00:00:00+00:00", text="")  # fmt: skip
    return Design(key=key, name=name, format="okh-losh", provenance=prov)


def test_a_row_the_database_refuses_fails_alone(any_store):
    """Whatever a reader lets through, the batch survives a refused row (per-record savepoints)."""
    good = [_design(f"k{i}", f"Loom {i}", f"s{i}.toml") for i in range(3)]
    bad = prepare_design(_design("kbad", "Broken loom", "bad.toml"))
    bad.row["name"] = None  # NOT NULL on every database
    counts = save_designs(any_store, [good[0], bad, good[1], good[2]])
    assert counts.imported == 3
    assert [src for src, _msg in counts.failed] == ["bad.toml"]
    assert "not stored: the database refused it" in counts.failed[0][1]
    assert count_designs(any_store) == 3 and get_design(any_store, "kbad") is None
    assert search_designs(any_store, q="loom")["total"] == 3
