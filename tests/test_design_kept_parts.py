"""Data kept, not lost (issue 12): sub-parts nested in a part, and a design-level size in
a unit the reader does not parse (kept as text with a warning, like parts' sizes)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app
from refaire.ingest.runner import import_sources
from refaire.store.designs import get_design

MANIFEST = """okhv = "OKH-LOSHv1.0"
name = "Chaise pliante"
repo = "https://example.org/ada/chaise"
license = "CERN-OHL-S-2.0"
licensor = "Ada"
function = "a folding chair"
outer-dimensions = "45 x 50 x 80 furlongs"

[[part]]
name = "Assise"
material = "plywood"

  [[part.part]]
  name = "Sangle <b>"
  quantity = 2

    [[part.part.part]]
    name = "Boucle"

[[part]]
name = "Pied"
sub-parts = ["Embout", "Vis M6"]
"""


def _import(store, tmp_path: Path):
    folder = tmp_path / "chaise"
    folder.mkdir()
    (folder / "okh.toml").write_text(MANIFEST, encoding="utf-8")
    return import_sources(store, [str(folder)])


def test_sub_parts_and_an_unread_design_size_are_kept(any_store, tmp_path):
    summary = _import(any_store, tmp_path)
    assert summary.imported == 1
    _id, d = get_design(any_store, "https://example.org/ada/chaise#chaise-pliante")
    seat, leg = d.parts
    [strap] = seat.sub_parts
    assert (strap.name, strap.quantity, [s.name for s in strap.sub_parts]) == (
        "Sangle <b>",
        2,
        ["Boucle"],
    )
    assert [s.name for s in leg.sub_parts] == ["Embout", "Vis M6"]
    assert d.dimensions is None and d.dimensions_text == "45 x 50 x 80 furlongs"
    # the unread size is warned about and noted, never shown as a size read in millimetres
    assert any(p.field == "dimensions" and p.severity == "warning" for p in summary.problems)
    assert any(n.field == "dimensions" and n.rule == "size-kept-as-text" for n in d.notes)


def test_deep_nesting_is_bounded_with_a_warning(any_store, tmp_path):
    nested = '{name = "leaf"}'
    for i in range(12):
        nested = f'{{name = "level {i}", part = [{nested}]}}'
    folder = tmp_path / "deep"
    folder.mkdir()
    (folder / "okh.toml").write_text(
        'okhv = "OKH-LOSHv1.0"\nname = "Deep"\nrepo = "https://example.org/deep"\n'
        f'license = "MIT"\nlicensor = "Ada"\npart = [{nested}]\n',
        encoding="utf-8",
    )
    summary = import_sources(any_store, [str(folder)])
    assert summary.imported == 1
    assert any("nested deeper" in p.message for p in summary.problems)


def test_design_page_cli_and_api_show_them(any_store, tmp_path):
    _import(any_store, tmp_path)
    design_id, _d = get_design(any_store, "https://example.org/ada/chaise#chaise-pliante")
    client = TestClient(create_app(store=any_store))
    body = client.get(f"/api/designs/{design_id}").json()
    assert body["dimensions_text"] == "45 x 50 x 80 furlongs"
    assert body["parts"][0]["sub_parts"][0]["sub_parts"][0]["name"] == "Boucle"
    for lang, word in (("en", "Sub-parts"), ("fr", "Sous-parties")):
        page = client.get(f"/designs/{design_id}", headers={"Accept-Language": lang}).text
        assert word in page and "Sangle &lt;b&gt;" in page and "Boucle" in page
        assert "45 x 50 x 80 furlongs" in page
    url = str(any_store.engine.url.render_as_string(hide_password=False))
    res = CliRunner().invoke(app, ["designs", "show", str(design_id), "--db", url])
    assert res.exit_code == 0, res.output
    assert "Boucle" in res.output and "furlongs" in res.output
    res = CliRunner().invoke(app, ["designs", "show", str(design_id), "--db", url, "--json"])
    assert json.loads(res.stdout)["parts"][1]["sub_parts"][1]["name"] == "Vis M6"
