"""Issue 12, matching: stated before inferred, impossible materials never met, and a
design with parts of unknown requirements never "complete".

Our own scenario around Paris (48.8566, 2.3522), every answer worked out by hand:

  S  Stated Lab        ~1.1 km  FDM 200³ stating PLA; SLA 150x150x180 stating resin
  C  Catalogue Lab     ~0.4 km  FDM known only from a catalogue model: process, size and
                                 PLA all inferred
  R  Router Shop       ~2.2 km  CNC router, no material listed
  X  Copper Claims     ~3.3 km  SLA printer whose record states copper (a data error)
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli
from refaire.match.capabilities import (
    INCOMPATIBLE,
    MET,
    MET_INFERRED,
    caps_of,
    evaluate,
    evaluate_facility,
)
from refaire.match.coverage import bulk_coverage
from refaire.match.engine import match_design, match_facility
from refaire.match.index import facility_index, forget
from refaire.match.requirements import requirements_of
from refaire.model import Capability, Design, Dimensions, Equipment, Facility, Part
from refaire.store import open_store
from refaire.store.designs import get_design, save_designs
from refaire.store.facilities import save_facilities

PARIS = (48.8566, 2.3522)
RULE = "catalogue:Creality Ender 3"

FACILITIES = [
    Facility(
        key="t:s",
        name="Stated Lab",
        latitude=48.8660,
        longitude=2.3560,
        country="FR",
        equipment=[
            Equipment(
                equipment_type="FDM printer",
                processes=[Capability("fdm")],
                materials=[Capability("pla")],
                build_volume_mm=(200, 200, 200),
            ),
            Equipment(
                equipment_type="Resin printer",
                processes=[Capability("sla")],
                materials=[Capability("resin")],
                build_volume_mm=(150, 150, 180),
            ),
        ],
    ),
    Facility(
        key="t:c",
        name="Catalogue Lab",
        latitude=48.8600,
        longitude=2.3500,
        country="FR",
        equipment=[
            Equipment(
                model="Ender 3",
                processes=[Capability("fdm", "inferred", RULE, 0.9)],
                materials=[Capability("pla", "inferred", RULE, 0.9)],
                build_volume_mm=(220, 220, 250),
                size_origin="inferred",
            )
        ],
    ),
    Facility(
        key="t:r",
        name="Router Shop",
        latitude=48.8700,
        longitude=2.3800,
        country="FR",
        equipment=[Equipment(equipment_type="CNC router", processes=[Capability("cnc-routing")])],
    ),
    Facility(
        key="t:x",
        name="Copper Claims",
        latitude=48.8800,
        longitude=2.3800,
        country="FR",
        equipment=[
            Equipment(
                equipment_type="SLA printer",
                processes=[Capability("sla")],
                materials=[Capability("copper")],
            )
        ],
    ),
]


def part(name: str, process: str | None, material: str | None, size=None) -> Part:
    return Part(
        name,
        processes=[process] if process else [],
        materials=[material] if material else [],
        dimensions=Dimensions(*size) if size else None,
    )


DESIGNS = [
    Design("t:bracket", "PLA bracket", "test", parts=[part("Bracket", "fdm", "pla", (50, 50, 20))]),
    Design("t:coil", "Copper coil", "test", parts=[part("Coil", "sla", "copper")]),
    Design("t:plate", "Steel plate", "test", parts=[part("Plate", "cnc-routing", "steel")]),
    Design("t:figurine", "Resin figurine", "test", parts=[part("Figure", "sla", "resin")]),
    Design(
        "t:half",
        "Half known",
        "test",
        parts=[part("Frame", "fdm", "pla"), part("Mystery widget", None, None)],
    ),
]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory):
    s = open_store(str(tmp_path_factory.mktemp("truth") / "paris.db"))
    save_facilities(s, FACILITIES)
    save_designs(s, DESIGNS)
    yield s
    forget(s)
    s.close()


def run(store, key: str, lang: str = "en") -> dict:
    return match_design(store, get_design(store, key)[0], *PARIS, 20.0, lang)


def by_name(result: dict) -> dict[str, dict]:
    return {m["facility"]["name"]: m for m in result["matches"]}


def test_stated_ranks_before_inferred_even_when_farther(store) -> None:
    result = run(store, "t:bracket")
    assert [m["facility"]["name"] for m in result["matches"]][:2] == [
        "Stated Lab",
        "Catalogue Lab",
    ]
    assert result["complete"] == 2 and result["complete_stated"] == 1
    stated, guessed = by_name(result)["Stated Lab"], by_name(result)["Catalogue Lab"]
    assert stated["stated"] and not guessed["stated"]
    assert stated["requirements"][0]["status"] == "met"
    row = guessed["requirements"][0]
    assert row["status"] == "met-inferred"
    assert {"process-inferred", "size-inferred", "material-inferred"} <= set(row["notes"])
    assert row["reason"].startswith("Met (inferred):")
    assert "PLA inferred for this machine" in row["reason"]
    assert "stated for this machine" not in row["reason"]
    assert "machine catalogue" in row["reason"]
    fr = by_name(run(store, "t:bracket", "fr"))["Catalogue Lab"]["requirements"][0]["reason"]
    assert fr.startswith("Possible (déduit)") and "déduit pour cette machine" in fr


def test_a_material_not_listed_is_met_only_by_inference(store) -> None:
    # The router lists no material: plywood is what a router works (table), not stated.
    f = FACILITIES[2]
    req = requirements_of(
        Design("t:p", "P", "test", parts=[part("Panel", "cnc-routing", "plywood")])
    ).requirements[0]
    v = evaluate(req, caps_of(f))
    assert v.code == MET_INFERRED and "material-not-stated" in v.notes(req)


def test_incompatible_material_is_never_met_stated_or_not(store) -> None:
    coil = by_name(run(store, "t:coil"))
    for name in ("Copper Claims", "Stated Lab"):  # stated copper, or resin only
        row = coil[name]["requirements"][0]
        assert row["status"] == "missing" and row["constraint"] == "material-incompatible"
        assert "cannot work Copper" in row["reason"] and "Resin" in row["reason"]
    assert run(store, "t:coil")["complete"] == 0
    plate = by_name(run(store, "t:plate"))["Router Shop"]["requirements"][0]
    assert plate["constraint"] == "material-incompatible"
    fr = by_name(run(store, "t:plate", "fr"))["Router Shop"]["requirements"][0]["reason"]
    assert fr.startswith("Impossible") and "ne peut pas travailler" in fr
    figurine = by_name(run(store, "t:figurine"))["Stated Lab"]["requirements"][0]
    assert figurine["status"] == "met" and "stated for this machine" in figurine["reason"]


def test_index_agrees_with_reference_and_per_pair_code(store) -> None:
    idx = facility_index(store)
    rows = np.arange(len(idx))
    seen = set()
    for d in DESIGNS:
        dr = requirements_of(d)
        codes = idx.codes(dr.requirements, rows)
        for f in FACILITIES:
            row = int(np.flatnonzero(np.array(idx.names) == f.name)[0])
            for i, req in enumerate(dr.requirements):
                code = int(codes[i, row])
                assert code == evaluate_facility(req, f) == evaluate(req, caps_of(f)).code
                seen.add(code)
    assert {MET, MET_INFERRED, INCOMPATIBLE} <= seen


def test_unknown_parts_make_a_design_complete_for_n_of_m(store) -> None:
    result = run(store, "t:half")
    assert result["complete"] == 0 and result["complete_known_parts"] == 2
    assert result["unknown_parts"] == ["Mystery widget"] and result["parts_total"] == 2
    top = result["matches"][0]
    assert not top["complete"]
    assert top["parts"]["met"] == 1 and top["parts"]["total"] == 2
    assert top["parts"]["text"] == (
        "complete for 1 of 2 parts; requirements unknown for: Mystery widget"
    )
    plan = result["plans"][0]
    assert not plan["complete"] and plan["parts"]["met"] == 1
    unknown = [m for m in plan["missing"] if m.get("unknown")]
    assert [m["part"] for m in unknown] == ["Mystery widget"]
    assert "not known" in unknown[0]["reason"]
    fr = run(store, "t:half", "fr")["matches"][0]["parts"]["text"]
    assert fr == "complet pour 1 des 2 pièces ; besoins inconnus pour : Mystery widget"


def test_reverse_match_and_coverage_never_call_it_complete(store) -> None:
    fid = facility_index(store).ids[facility_index(store).names.index("Stated Lab")]
    here = match_facility(store, int(fid))
    assert "Half known" not in {d["name"] for d in here["complete"]}
    assert {d["name"] for d in here["complete"]} == {"PLA bracket", "Resin figurine"}
    known = here["complete_known_parts"]
    assert [d["name"] for d in known] == ["Half known"]
    assert known[0]["parts"]["unknown"] == ["Mystery widget"]
    assert here["counts"]["complete_known_parts"] == 1
    cat = match_facility(store, int(facility_index(store).ids[1]))
    assert [(d["name"], d["stated"]) for d in cat["complete"]] == [("PLA bracket", False)]
    cov = bulk_coverage(store, radius_km=20.0)
    half = get_design(store, "t:half")[0]
    bracket = get_design(store, "t:bracket")[0]
    assert not cov.makeable_anywhere[half] and cov.known_parts_only_anywhere[half]
    assert cov.makeable_anywhere[bracket] and cov.stated_anywhere[bracket]
    summary = cov.summary()
    # bracket and figurine; never the coil, the plate, or the half-known design
    assert summary["makeable_anywhere"] == 2 and summary["known_parts_only_anywhere"] == 1
    assert summary["with_unknown_parts"] == 1


def test_cli_api_and_pages(store) -> None:
    runner = CliRunner()
    res = runner.invoke(
        cli, ["match", "t:half", "--near", "48.8566,2.3522", "--json", "--db", store.url]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["complete"] == 0 and data["unknown_parts"] == ["Mystery widget"]
    res = runner.invoke(cli, ["match", "t:half", "--near", "48.8566,2.3522", "--db", store.url])
    assert "Never complete" in res.output and "Mystery widget" in res.output
    res = runner.invoke(cli, ["match", "t:bracket", "--near", "48.8566,2.3522", "--db", store.url])
    assert "met-inferred" in res.output and "1 on stated facts alone" in res.output
    res = runner.invoke(cli, ["match", "--coverage", "--radius-km", "20", "--db", store.url])
    assert "Not counted: 1 designs whose every known part" in res.output

    client = TestClient(create_app(store=store))
    r = client.get("/api/match", params={"design": "t:bracket", "near": "48.8566,2.3522"})
    rows = {m["facility"]["name"]: m["requirements"][0]["status"] for m in r.json()["matches"]}
    assert rows["Stated Lab"] == "met" and rows["Catalogue Lab"] == "met-inferred"
    r = client.get("/api/match/coverage", params={"radius_km": 20})
    assert r.json()["known_parts_only_anywhere"] == 1
    assert r.json()["makeable_anywhere_stated"] == 2

    did = get_design(store, "t:half")[0]
    page = client.get(f"/designs/{did}/match", params={"near": "48.8566,2.3522", "lang": "en"})
    assert "Never complete" in page.text and "Mystery widget" in page.text
    page = client.get(f"/designs/{did}/match", params={"near": "48.8566,2.3522", "lang": "fr"})
    assert "Jamais complet" in page.text and "complet pour 1 des 2 pièces" in page.text
    did = get_design(store, "t:bracket")[0]
    page = client.get(f"/designs/{did}/match", params={"near": "48.8566,2.3522", "lang": "fr"})
    assert "possible (déduit)" in page.text and "complet (en partie déduit)" in page.text


def test_observatory_counts_unknown_parts_apart(store) -> None:
    from refaire.observatory.coverage import coverage

    result = coverage(store, radius_km=50.0)
    assert result.makeable[get_design(store, "t:bracket")[0]]
    assert not result.makeable[get_design(store, "t:half")[0]]
    assert result.known_parts_only == 1 and result.with_unknown_parts == 1
    assert result.makeable_stated == 2
    client = TestClient(create_app(store=store))
    page = client.get("/observatory", params={"lang": "en"}).text
    assert 'id="coverage-truth"' in page and "Not counted: 1 designs" in page
    page = client.get("/observatory", params={"lang": "fr"}).text
    assert "Non comptés : 1 modèles" in page


def test_design_level_requirements_do_not_stand_for_unknown_parts() -> None:
    """Parts that state nothing, a design that states a process: the design-level
    requirement can be met, the parts stay unknown: never complete, 0 of 2 parts."""
    from refaire.match.engine import match_requirements
    from refaire.match.index import FacilityIndex

    d = Design(
        "t:dl",
        "Design level",
        "test",
        tsdc=["3DP"],
        parts=[part("Lid", None, None), part("Hinge", None, None)],
    )
    dr = requirements_of(d)
    assert dr.design_level and dr.unknown_parts == ["Lid", "Hinge"]
    idx = FacilityIndex.build(enumerate(FACILITIES, 1), lambda i: FACILITIES[i - 1])
    result = match_requirements(idx, dr, *PARIS, 20.0)
    assert result["complete"] == 0 and result["complete_known_parts"] >= 1
    assert result["parts_total"] == 2
    top = result["matches"][0]
    assert top["parts"]["met"] == 0 and top["parts"]["total"] == 2
    assert top["parts"]["text"] == (
        "the design's own requirements are met, but complete for 0 of 2 parts; "
        "requirements unknown for: Lid, Hinge"
    )
