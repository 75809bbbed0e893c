"""Issue 12, designs: nothing a manifest states about a design is lost or misread.

Fixtures of our own making (tests/fixtures/truth/designs/): an OKH v1 manifest whose
project link is a bare host, with a design-level process list (OHM-style codes, one
unknown) and a French tool list; one whose repository is a template placeholder and
whose title is in literal quotes; an Appropedia-style slug title; an OHM OKH JSON with
`manufacturing_processes`, schematics, software, a part mass and a size in words.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli
from refaire.ingest.identity import repo_identity_problem
from refaire.ingest.okh_design_level import OHM_PROCESS_CODES
from refaire.ingest.runner import import_sources, read_source
from refaire.match.requirements import requirements_of
from refaire.store.designs import get_design
from refaire.vocab.capabilities import vocabulary


def _design(fixtures, name: str):
    path = fixtures / "truth" / "designs" / name
    [design] = read_source(str(path), path.read_bytes()).designs
    return design


def _warnings(design) -> list[tuple[str | None, str]]:
    return [(p.field, p.message) for p in design.problems if p.severity == "warning"]


@pytest.mark.parametrize(
    "url",
    ["https://www.github.com/", "http://gitlab.com", "https://github.com/username/repo",
     "https://github.com/your-org/your-repo"],
)  # fmt: skip
def test_bare_hosts_and_placeholders_are_no_identity(url: str) -> None:
    assert repo_identity_problem(url) is not None


@pytest.mark.parametrize(
    "url", ["https://github.com/alice/lampe", "https://www.appropedia.org/Solar_Dryer", "lampe"]
)
def test_real_repositories_stay_identities(url: str) -> None:
    assert repo_identity_problem(url) is None


def test_a_bare_host_repository_falls_back_to_the_source_and_warns(fixtures) -> None:
    d = _design(fixtures, "okh-bare-host.yml")
    assert d.key.startswith("source:") and d.key.endswith("okh-bare-host.yml")
    assert d.repo is None
    assert ("repo", "'https://www.github.com/' is a bare host, not a repository: not used as "
            "the design's identity (its source is)") in _warnings(d)  # fmt: skip
    assert any(n.rule == "repo-not-an-identity" and "github" in n.original for n in d.notes)


def test_two_manifests_with_a_bare_host_stay_two_designs(any_store, fixtures, tmp_path) -> None:
    src = (fixtures / "truth" / "designs" / "okh-bare-host.yml").read_text()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "okh.yml").write_text(src)
    (tmp_path / "b" / "okh.yml").write_text(src.replace("Solar Dryer", "Wind Pump"))
    s = import_sources(any_store, [str(tmp_path)])
    assert (s.imported, s.conflicts) == (2, 0)


def test_design_level_processes_and_tools_are_marked_requirements(fixtures) -> None:
    d = _design(fixtures, "okh-bare-host.yml")
    got = [(r.kind, r.text, r.id, r.origin, r.level) for r in d.design_requirements]
    assert ("process", "LASER", "laser-cutting", "stated", "design") in got
    assert ("process", "WELD", "welding", "stated", "design") in got
    # not understood: kept as text, warned, never silently dropped
    assert ("process", "TELEPORT", None, "stated", "design") in got
    assert any("TELEPORT" in m and "not understood" in m for _, m in _warnings(d))
    tools = {r.id for r in d.design_requirements if r.kind == "tool"}
    assert "laser-cutting" in tools
    # no part states anything: matching reads the design-level list, marked as such
    reqs = requirements_of(d).requirements
    assert {r.processes for r in reqs} >= {("laser-cutting",), ("welding",)}
    assert all(r.basis.startswith("design-level") for r in reqs)


def test_ohm_json_keeps_processes_schematics_software_mass_and_unread_size(fixtures) -> None:
    d = _design(fixtures, "ohm-okh.json")
    assert [(r.text, r.id) for r in d.design_requirements] == [
        ("SHEET", "sheet-metal-forming"),
        ("LASER", "laser-cutting"),
        ("https://en.wikipedia.org/wiki/Welding", "welding"),
    ]
    assert d.schematics == ["electronics/schematic.pdf"] and d.software == ["firmware/"]
    front, side = d.parts
    assert front.mass_g == 420.0
    assert side.dimensions is None and side.dimensions_text == "three by four hands"
    assert any(f == "parts[1].dimensions" for f, _ in _warnings(d))


def test_ohm_process_codes_name_vocabulary_ids() -> None:
    known = {p["id"] for p in vocabulary("process")}
    assert set(OHM_PROCESS_CODES.values()) <= known


@pytest.mark.parametrize(
    ("name", "shown", "original", "rule"),
    [
        ("okh-appropedia-slug.toml", "Cold Cathode Fluorescent Lamps",
         "Cold_Cathode_Fluorescent_Lamps", "wiki-slug"),
        ("okh-placeholder-repo.yml", "Bamboo Bike Frame", '"Bamboo Bike Frame"', "quotes-removed"),
    ],
)  # fmt: skip
def test_titles_are_normalised_for_display_with_the_original_kept(
    fixtures, name, shown, original, rule
) -> None:
    d = _design(fixtures, name)
    assert (d.name, d.original_name) == (shown, original)
    assert any(n.field == "name" and n.rule == rule and n.original == original for n in d.notes)


def test_a_plain_title_is_left_alone(fixtures) -> None:
    d = _design(fixtures, "ohm-okh.json")
    assert (d.name, d.original_name) == ("Open Ventilator Housing", None)


def test_interfaces_show_design_level_requirements_and_original_names(any_store, fixtures):
    import_sources(any_store, [str(fixtures / "truth" / "designs")])
    did, _ = get_design(any_store, next(k for k in _keys(any_store) if "bare-host" in k))
    api = TestClient(create_app(store=any_store))
    body = api.get(f"/api/designs/{did}").json()
    assert {r["text"] for r in body["design_requirements"]} >= {"LASER", "WELD", "TELEPORT"}
    en = api.get(f"/designs/{did}", params={"lang": "en"}).text
    assert 'id="design-level"' in en and "Design-level requirements" in en
    fr = api.get(f"/designs/{did}", params={"lang": "fr"}).text
    assert "Exigences au niveau du design" in fr and "non compris" in fr
    shown = CliRunner().invoke(cli, ["designs", "show", str(did), "--db", any_store.url])
    assert "design-level process: WELD → welding" in shown.output
    slug_id, _ = get_design(any_store, next(k for k in _keys(any_store) if "appropedia" in k))
    page = api.get(f"/designs/{slug_id}", params={"lang": "en"}).text
    assert 'id="original-name"' in page and "Cold_Cathode_Fluorescent_Lamps" in page
    as_json = CliRunner().invoke(
        cli, ["designs", "show", str(slug_id), "--json", "--db", any_store.url]
    )
    assert json.loads(as_json.output)["original_name"] == "Cold_Cathode_Fluorescent_Lamps"


def _keys(store) -> list[str]:
    from sqlalchemy import select

    from refaire.store.tables import designs

    with store.engine.connect() as conn:
        return [r[0] for r in conn.execute(select(designs.c.key))]


def test_losh_software_tables_keep_release_and_installation_guide(tmp_path) -> None:
    path = tmp_path / "okh.toml"
    path.write_text(
        'okhv = "OKH-LOSHv1.0"\nname = "Scope"\nrepo = "https://github.com/a/scope"\n'
        'version = "1"\nlicense = "CERN-OHL-S-2.0"\nlicensor = "A"\nfunction = "x"\n'
        '[[software]]\nrelease = "2.3"\ninstallation-guide = "/docs/getting_started.md"\n'
    )
    [d] = read_source(str(path), path.read_bytes()).designs
    assert d.software == ["2.3", "/docs/getting_started.md"]


@pytest.mark.parametrize(
    "name",
    ["okh-bare-host.yml", "okh-placeholder-repo.yml", "okh-appropedia-slug.toml",
     "ohm-okh.json", "ohm-okh-trl.json"],
)  # fmt: skip
def test_what_is_kept_survives_an_okh_toml_round_trip(fixtures, name) -> None:
    from refaire.export.okh_toml import design_to_toml
    from refaire.ingest.files import read_bytes

    d = _design(fixtures, name)
    [again] = read_bytes("exported/okh.toml", design_to_toml(d).encode()).designs
    for field in ("name", "original_name", "trl", "schematics", "software"):
        assert getattr(again, field) == getattr(d, field), field
    assert [(r.kind, r.text, r.id) for r in again.design_requirements] == [
        (r.kind, r.text, r.id) for r in d.design_requirements
    ]
    assert [p.dimensions_text for p in again.parts] == [p.dimensions_text for p in d.parts]
