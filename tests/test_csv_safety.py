"""Every CSV the app writes (the designs export of the CLI, the observatory's tables over
the API) opens safely in a spreadsheet: no cell starts like a formula, numbers stay numbers,
and the file is UTF-8 with a byte-order mark."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from _hostile import DESIGN_NAME, FORMULA, hostile_store
from refaire.app import create_app
from refaire.cli import app as cli
from refaire.export.spreadsheet import FORMULA_START, neutralise
from refaire.observatory.tables import TABLES

BOM = b"\xef\xbb\xbf"


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\r=1", FORMULA])
def test_formula_like_text_is_prefixed(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Lamp", "x=1", " =1", "'quoted", -4.8, -3, 0, 2.5])
def test_other_cells_are_unchanged(value) -> None:
    assert neutralise(value) == value


def test_none_is_an_empty_cell() -> None:
    assert neutralise(None) == ""


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_safe(text: str, where: str) -> None:
    risky = [c for c in _cells(text) if c.startswith(FORMULA_START)]
    assert risky == [], f"{where}: {risky}"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "h.db"
    store, _f, _d = hostile_store(str(path))
    yield store, path
    store.close()


def test_cli_designs_export(hostile, tmp_path) -> None:
    _store, path = hostile
    out = tmp_path / "designs.csv"
    result = CliRunner().invoke(
        cli, ["export", "designs", "--format", "csv", "--out", str(out), "--db", str(path)]
    )
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(BOM) and not raw[3:].startswith(BOM)
    text = raw.decode("utf-8-sig")
    _assert_safe(text, "designs.csv")
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(text))}
    evil = rows["t:evil-design"]
    assert evil["name"] == DESIGN_NAME
    assert evil["function"] == "'" + FORMULA
    assert evil["licensor"] == "'+cmd"
    assert evil["keywords"].startswith("'-2+3")


def test_api_observatory_tables(hostile) -> None:
    store, _path = hostile
    client = TestClient(create_app(store=store))
    seen = ""
    for name in TABLES:
        r = client.get(f"/api/observatory/{name}.csv")
        assert r.status_code == 200, name
        assert r.content.startswith(BOM), name
        text = r.content.decode("utf-8-sig")
        _assert_safe(text, name)
        seen += text
    assert "'+cmd" in seen  # the hostile licensor reached the actors table, neutralised
