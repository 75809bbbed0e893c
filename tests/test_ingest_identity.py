"""Identity takeovers and facility poisoning (issue 10, items 8 and 9).

A manifest from another source claiming a stored design's repository and name is
kept aside as a conflict, never applied silently; non-Latin names get distinct
keys; a facility record merges into another only on evidence beyond its name, and
every merge is reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app
from refaire.ingest.runner import import_sources
from refaire.registry.conflicts import ConflictError, list_conflicts, resolve_conflict
from refaire.store.designs import count_designs, get_design
from refaire.store.facilities import iter_facilities

REPO = "https://example.org/crib"


def _losh(name: str, licence: str, licensor: str, repo: str = REPO) -> str:
    return (
        'okhv = "OKH-LOSHv1.0"\n'
        f"name = {json.dumps(name, ensure_ascii=False)}\n"
        f'repo = "{repo}"\nlicense = "{licence}"\nlicensor = "{licensor}"\n'
        'function = "a safe place to sleep"\n'
    )


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def _cli(*args: str) -> dict:
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_a_claim_from_another_source_is_a_conflict_not_a_takeover(any_store, tmp_path):
    honest = _write(tmp_path / "honest", "okh.toml", _losh("Baby Crib", "CERN-OHL-S-2.0", "Ada"))
    thief = _write(tmp_path / "thief", "okh.toml", _losh("Baby Crib", "LicenseRef-Proprietary", "Mallory"))  # fmt: skip
    assert import_sources(any_store, [str(honest)]).imported == 1
    summary = import_sources(any_store, [str(thief)])
    assert (summary.imported, summary.updated, summary.conflicts) == (0, 0, 1)
    [problem] = [p for p in summary.problems if p.severity == "error"]
    assert problem.source.endswith("thief/okh.toml") and problem.field == "key"
    assert "not replaced" in problem.message
    design_id, stored = get_design(any_store, f"{REPO}#baby-crib")
    assert (stored.licence.expression, stored.licensor) == ("CERN-OHL-S-2.0", "Ada")

    # the same conflicting file again adds no second claim
    assert import_sources(any_store, [str(thief)]).conflicts == 1
    listed = _cli("designs", "conflicts", "--db", any_store.url)
    assert listed["total"] == 1
    [claim] = listed["items"]
    assert claim["design_id"] == design_id and claim["status"] == "open"
    assert (claim["claimed_licensor"], claim["claimed_licence"]) == ("Mallory", "LicenseRef-Proprietary")  # fmt: skip
    assert claim["stored_source"].endswith("honest/okh.toml")

    # the same source still updates its design
    _write(honest, "okh.toml", _losh("Baby Crib", "CERN-OHL-S-2.0", "Ada Lovelace"))
    again = import_sources(any_store, [str(honest)])
    assert (again.updated, again.conflicts) == (1, 0)
    assert get_design(any_store, design_id)[1].licensor == "Ada Lovelace"

    client = TestClient(create_app(store=any_store))
    api = client.get(f"/api/designs/{design_id}/conflicts").json()
    assert api["total"] == 1 and api["items"][0]["id"] == claim["id"]
    for missing in ("999999", "2147483648", "9" * 30):
        assert client.get(f"/api/designs/{missing}/conflicts").status_code == 404
    # NUL is refused app-wide, before any lookup (the API contract)
    assert client.get("/api/designs/a%00b/conflicts").status_code == 400
    text = CliRunner().invoke(app, ["designs", "conflicts", "--db", any_store.url])
    assert text.exit_code == 0 and "Mallory" in text.stdout and "1 conflicts." in text.stdout
    for lang, words in (("en", "Conflicting claims"), ("fr", "Revendications en conflit")):
        page = client.get(f"/designs/{design_id}", headers={"Accept-Language": lang})
        assert words in page.text and "Mallory" in page.text

    # a maintainer's decision: replace, then the claim's source owns the design
    done = resolve_conflict(any_store, claim["id"], "replace", "test:maintainer")
    assert (done["status"], done["resolved_by"]) == ("replaced", "test:maintainer")
    replaced = get_design(any_store, design_id)[1]
    assert (replaced.licensor, replaced.provenance.source) == ("Mallory", claim["source"])
    with pytest.raises(ConflictError, match="already replaced"):
        resolve_conflict(any_store, claim["id"], "keep", "test:maintainer")
    assert list_conflicts(any_store, status="open")["total"] == 0
    assert count_designs(any_store) == 1


def test_keep_closes_the_claim_and_leaves_the_design(any_store, tmp_path):
    import_sources(any_store, [str(_write(tmp_path / "a", "okh.toml", _losh("Loom", "MIT", "A")))])
    import_sources(any_store, [str(_write(tmp_path / "b", "okh.toml", _losh("Loom", "GPL-3.0-only", "B")))])  # fmt: skip
    [claim] = list_conflicts(any_store)["items"]
    res = CliRunner().invoke(
        app, ["designs", "resolve-conflict", str(claim["id"]), "--keep", "--db", any_store.url]
    )
    assert res.exit_code == 0, res.output
    assert list_conflicts(any_store)["items"][0]["status"] == "kept"
    assert get_design(any_store, claim["design_id"])[1].licensor == "A"


def test_two_claims_in_one_run_the_first_is_stored(any_store, tmp_path):
    one = _write(tmp_path / "x" / "1", "okh.toml", _losh("Press", "MIT", "First"))
    _write(tmp_path / "x" / "2", "okh.toml", _losh("Press", "MIT", "Second"))
    summary = import_sources(any_store, [str(one.parent)])
    assert (summary.imported, summary.conflicts) == (1, 1)
    assert get_design(any_store, f"{REPO}#press")[1].licensor == "First"


def test_identical_content_from_a_mirror_is_neither_stored_twice_nor_a_conflict(
    any_store, tmp_path
):
    text = _losh("Dryer", "MIT", "A")
    import_sources(any_store, [str(_write(tmp_path / "a", "okh.toml", text))])
    mirror = import_sources(any_store, [str(_write(tmp_path / "b", "okh.toml", text))])
    assert (mirror.imported, mirror.updated, mirror.conflicts) == (0, 0, 0)
    assert list_conflicts(any_store)["total"] == 0


def test_non_latin_names_in_one_repository_stay_distinct(any_store, tmp_path):
    folder = tmp_path / "scripts"
    names = ["Станок", "Пресс", "机床", "压机", "مطحنة", "مكبس"]
    for i, name in enumerate(names):
        _write(
            folder / str(i), "okh.toml", _losh(name, "MIT", "A", repo="https://example.org/tools")
        )
    summary = import_sources(any_store, [str(folder)])
    assert (summary.imported, summary.conflicts) == (6, 0)
    assert count_designs(any_store) == 6
    keys = {get_design(any_store, i)[1].key for i in range(1, 7)}
    assert len(keys) == 6 and any(k.startswith("https://example.org/tools#stanok-") for k in keys)


# --- facilities ----------------------------------------------------------------------------


def _okw(name: str, **extra: object) -> str:
    return json.dumps({"name": name, "facility-status": "active", **extra})


LOCATED = {"location": {"gps-coordinates": "45.7640, 4.8357", "address": {
    "locality": "Lyon", "country": "France"}}, "contact": {"email": "hello@fablab-lyon.example"}}  # fmt: skip


def test_a_name_alone_does_not_merge_into_a_located_facility(any_store, tmp_path):
    _write(tmp_path / "real", "lab.okw.json", _okw("Fablab Lyon", **LOCATED))
    import_sources(any_store, [str(tmp_path / "real")])
    poison = _okw("Fablab Lyon", description="Send your files to us", contact={"email": "evil@x.example"})  # fmt: skip
    _write(tmp_path / "poison", "lab.okw.json", poison)
    summary = import_sources(any_store, [str(tmp_path / "poison")])
    assert summary.merges == []
    facilities = {f.email or "": f for _i, f in iter_facilities(any_store)}
    assert set(facilities) == {"hello@fablab-lyon.example", "evil@x.example"}
    real = facilities["hello@fablab-lyon.example"]
    assert real.description in (None, "") and real.latitude is not None


def test_merges_need_evidence_and_are_reported(any_store, tmp_path):
    _write(tmp_path / "a", "lab.okw.json", _okw("Fablab Lyon", **LOCATED))
    import_sources(any_store, [str(tmp_path / "a")])
    # same name, 300 m away, from another source: one place, on the evidence of location
    near = {"location": {"gps-coordinates": "45.7667, 4.8357"}, "description": "Open Tuesdays"}
    _write(tmp_path / "b", "lab.okw.json", _okw("FabLab  LYON", **near))
    # same name, no coordinates, but the same town: placed at the town's centre, 2 km off
    town = {"location": {"address": {"locality": "Lyon", "country": "France"}},
            "opening-hours": "Tu 14:00-20:00"}  # fmt: skip
    _write(tmp_path / "c", "lab.okw.json", _okw("Fablab Lyon", **town))
    summary = import_sources(any_store, [str(tmp_path / "b"), str(tmp_path / "c")])
    evidence = sorted(m["evidence"] for m in summary.merges)
    assert len(evidence) >= 2
    assert any(e.startswith("same name, 3") and e.endswith("m apart") for e in evidence)
    assert all(e.startswith("same name, ") for e in evidence)
    [(_id, lab)] = list(iter_facilities(any_store))
    assert lab.description == "Open Tuesdays" and lab.email == "hello@fablab-lyon.example"
    out = _cli("import", str(tmp_path / "b"), "--db", any_store.url)
    assert out["merges"] == [] and out["updated"] == 1  # a re-import is not a merge


def test_merge_evidence_rules() -> None:
    from refaire.ingest.facility_merge import merge_evidence
    from refaire.model import Facility

    def fac(key: str, **kw: object) -> Facility:
        return Facility(key=key, name=kw.pop("name", "Makers Hub"), **kw)

    bare = fac("a:1")
    assert merge_evidence(bare, fac("b:1")) is None  # a name is not enough
    site = fac("a:2", url="https://www.makershub.example/about")
    assert merge_evidence(site, fac("b:2", url="http://makershub.example")) == (
        "same name and website (makershub.example)"
    )
    social = fac("a:3", url="https://facebook.com/makershub")
    assert merge_evidence(social, fac("b:3", url="https://facebook.com/other")) is None
    town = fac("a:4", city="Lyon", country="FR")
    assert merge_evidence(town, fac("b:4", city="LYON", country="FR")) == (
        "same name and town (Lyon, FR)"
    )
    assert merge_evidence(town, fac("b:5", city="Lyon", country="BE")) is None
    located = fac("a:6", latitude=45.0, longitude=4.0, location_origin="stated")
    assert merge_evidence(located, bare) is None
    assert merge_evidence(located, fac("b:7", latitude=45.001, longitude=4.0)) == (
        "same name, 111 m apart"
    )


def test_the_same_key_from_another_source_needs_evidence_too(any_store, tmp_path):
    # Neither record is located: both get the key "okw:makers-hub" from the name alone.
    real = _okw("Makers Hub", contact={"email": "hello@hub.example"}, url="https://hub.example")
    _write(tmp_path / "real", "hub.okw.json", real)
    import_sources(any_store, [str(tmp_path / "real")])
    fake = _okw("Makers Hub", description="Pay here", contact={"email": "evil@x.example"})
    _write(tmp_path / "fake", "hub.okw.json", fake)
    summary = import_sources(any_store, [str(tmp_path / "fake")])
    assert (summary.imported, summary.merges) == (1, [])
    by_email = {f.email: f for _i, f in iter_facilities(any_store)}
    assert set(by_email) == {"hello@hub.example", "evil@x.example"}
    assert by_email["hello@hub.example"].description in (None, "")
    # each source's re-import updates its own record
    again = import_sources(any_store, [str(tmp_path / "fake"), str(tmp_path / "real")])
    assert (again.imported, again.updated) == (0, 2)
    # the same website is evidence: then the records are one place
    _write(tmp_path / "site", "hub.okw.json", _okw("Makers Hub", url="http://www.hub.example/"))
    merged = import_sources(any_store, [str(tmp_path / "site")])
    assert [m["evidence"] for m in merged.merges] == [
        "same key (okw:makers-hub); same name and website (hub.example)"
    ]
