"""Sector pages: /observatory/sectors/{id} in both languages, its JSON and CSV, and
`refaire observe --sector ID`, on a store built here with enough designs to rank two
sections and one too small to be ranked."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli_app
from refaire.model import Design, Facility, Licence, Note, Provenance
from refaire.store import open_store
from refaire.store.designs import save_designs
from refaire.store.facilities import save_facilities

runner = CliRunner()


def _design(key: str, sector: str, documented: bool, year: int, declared: bool) -> Design:
    prov = Provenance(source=key, format="okh-losh", checksum=key, imported_at="2025-01-01T00:00")
    notes = [] if declared else [Note("sectors", "t", f"{sector} (confidence 0.70)", "inferred")]
    return Design(
        key=key,
        name=f"<b>{key}</b>",  # markup in a name must reach the page escaped
        format="okh-losh",
        provenance=prov,
        licence=Licence("MIT", "permissive") if documented else None,
        readme="README.md" if documented else None,
        bom="bom.csv" if documented else None,
        sectors=[sector],
        cpc=["A61F 5/00"] if declared else [],
        notes=notes,
        technology_readiness="OTRL-5" if documented else None,
        created=f"{year}-01-01",
        licensor=f"maker {key[-1]}",
    )


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "sectors.db"))
    designs = [_design(f"a{i}", "A", i % 2 == 0, 2020 + i % 5, i < 5) for i in range(30)]
    designs += [_design(f"h{i}", "H", i % 4 == 0, 2015 + i % 3, False) for i in range(24)]
    designs += [_design(f"f{i}", "F", True, 2024, False) for i in range(3)]
    save_designs(s, designs)
    save_facilities(
        s, [Facility(key="l", name="Lab Lyon", country="FR", latitude=45.75, longitude=4.85)]
    )
    yield s
    s.close()


def test_sector_page_report_in_both_languages(store) -> None:
    client = TestClient(create_app(store=store))
    en = client.get("/observatory/sectors/A?lang=en")
    assert en.status_code == 200
    assert 'id="report-title-block"' in en.text and "Sources" in en.text
    assert "&lt;b&gt;a0&lt;/b&gt;" in en.text and "<b>a0</b>" not in en.text
    assert "rank 1 of 2" in en.text or "rank 2 of 2" in en.text
    assert "declared (CPC)" in en.text and "inferred, confidence 0.70" in en.text
    assert "/static/js/sortable.js" in en.text
    fr = client.get("/observatory/sectors/a?lang=fr")
    assert fr.status_code == 200
    assert "Rang centile" in fr.text and "confiance 0,70" in fr.text
    small = client.get("/observatory/sectors/F?lang=en")
    assert small.status_code == 200 and "too few to say" in small.text
    empty = client.get("/observatory/sectors/B?lang=en")  # known sector, no design
    assert empty.status_code == 200 and "No design belongs" in empty.text
    assert client.get("/observatory/sectors/Z99").status_code == 404


def test_sector_report_json_and_csv(store) -> None:
    client = TestClient(create_app(store=store))
    r = client.get("/api/observatory/sectors/A", params={"coverage": "false"})
    assert r.status_code == 200
    data = r.json()
    assert data["sector"] == "A" and data["designs"]["total"] == 30
    items = data["designs"]["items"]
    # best documented first
    assert [x["completeness"] for x in items] == sorted(
        (x["completeness"] for x in items), reverse=True
    )
    assert sum(1 for x in items if x["sector_confidence"] is None) == 5  # the declared ones
    idx = data["index"]
    assert not idx["too_few"] and idx["rank"] in (1, 2)
    lo, hi = idx["interval"]
    assert lo <= idx["index"] <= hi
    assert (idx["declared"], idx["inferred"]) == (5, 25)
    assert data["leave_one_out"]["sector"] == "A"
    assert client.get("/api/observatory/sectors/nope").status_code == 404
    c = client.get("/api/observatory/sectors/A.csv")
    assert c.status_code == 200 and c.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(c.content.decode("utf-8-sig"))))
    assert len(rows) == 30 and rows[0]["sector"] == "A"
    assert "X-Refaire-Index" in c.headers


def test_cli_observe_sector(store) -> None:
    result = runner.invoke(
        cli_app, ["observe", "--db", store.url, "--sector", "h", "--no-coverage", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["sector_report"]["sector"] == "H"
    assert data["sector_report"]["designs"]["total"] == 24
    result = runner.invoke(cli_app, ["observe", "--db", store.url, "--sector", "F", "--no-coverage"])
    assert result.exit_code == 0 and "too few to say" in result.output
    result = runner.invoke(cli_app, ["observe", "--db", store.url, "--sector", "Q9"])
    assert result.exit_code == 2 and "--sector must be a sector id" in result.output
