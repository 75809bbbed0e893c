"""Issue 12, capabilities: what the sources state is never confused with what we infer.

Every case is data of our own making: an OKW equipment entry, a free-text list, a
hand-labelled set of strings (tests/fixtures/resolver_negatives.json).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refaire.ingest.facility_normalise import (
    STATED_CONFIDENCE,
    enrich_equipment,
    resolve_caps,
)
from refaire.model import Equipment
from refaire.vocab import catalogue
from refaire.vocab.capabilities import resolve
from refaire.vocab.compatibility import can_work, compatible_materials, workable

NEGATIVES = Path(__file__).parent / "fixtures" / "resolver_negatives.json"


def _caps(caps):
    return [(c.id, c.origin) for c in caps]


# --- the catalogue: a stated make or type vetoes a model-name match ------------------------


def test_stated_make_of_another_brand_vetoes_the_model():
    assert catalogue.lookup("Creality", "Ender 3").brand == "Creality"
    assert catalogue.lookup("Creality3D", "Ender-3") is not None  # a make glued to a word
    assert catalogue.lookup("Shapeoko", "Ender 3") is None
    eq = Equipment(equipment_type="CNC router", make="Shapeoko", model="Ender 3")
    eq.processes = resolve_caps("CNC router", "process")
    enrich_equipment(eq)
    assert _caps(eq.processes) == [("cnc-routing", "stated")]
    assert eq.materials == [] and eq.build_volume_mm is None
    assert "catalogue" not in eq.extra
    assert eq.extra["catalogue_vetoed"] == {"machine": "Creality Ender 3", "reason": "make"}


def test_inferred_process_never_contradicts_the_stated_type():
    # No make: the model name alone finds a printer, the stated type says a router.
    eq = Equipment(equipment_type="CNC router", model="Ender 3", text="CNC router")
    eq.processes = resolve_caps("CNC router", "process")
    enrich_equipment(eq)
    assert _caps(eq.processes) == [("cnc-routing", "stated")]
    assert eq.extra["catalogue_vetoed"] == {"machine": "Creality Ender 3", "reason": "process"}
    assert eq.materials == [] and eq.build_volume_mm is None
    # In one free text, the machine's name gives way to the words.
    assert _caps(resolve_caps("CNC router Ender 3", "process")) == [("cnc-routing", "stated")]


def test_a_broader_stated_type_and_the_catalogue_model_are_kept_apart():
    eq = Equipment(equipment_type="3D printer", model="Ender 3", text="3D printer")
    eq.processes = resolve_caps("3D printer", "process")
    enrich_equipment(eq)
    assert _caps(eq.processes) == [("3d-printing", "stated"), ("fdm", "inferred")]
    assert all(c.origin == "inferred" for c in eq.materials) and eq.materials
    got = _caps(resolve_caps("Prusa i3 MK3S 3D printer", "process"))
    assert got == [("3d-printing", "stated"), ("fdm", "inferred")]


# --- trade-ambiguous words -------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("station de soudage", "soldering"),
        ("fer à souder", "soldering"),
        ("étain", "soldering"),
        ("soudage de composants CMS", "soldering"),
        ("poste de soudage MIG", "welding"),
        ("soudage TIG inox", "welding"),
        ("soudure au chalumeau", "welding"),
    ],
)
def test_soudage_is_decided_by_its_own_words(text, expected):
    assert [r.id for r in resolve(text, kind="process", lang="fr")] == [expected]


def test_soudage_decided_elsewhere_or_not_at_all_is_only_inferred():
    # Decided by another item of the list: likely, not stated.
    caps = resolve_caps("soudure, fer, électronique", "process")
    assert _caps(caps) == [("soldering", "inferred")]
    assert caps[0].confidence < STATED_CONFIDENCE and caps[0].rule == "text:electronique"
    # Alone, "soudage" is most often welding: kept, weakly, as inferred.
    caps = resolve_caps("soudage", "process")
    assert _caps(caps) == [("welding", "inferred")] and caps[0].rule == "ambiguous-default"
    # "soudure" alone has no usual trade: nothing is claimed.
    assert resolve_caps("soudure", "process") == []
    # Both trades named: no side is taken beyond the weak default.
    caps = resolve_caps("soudage étain et arc", "process")
    assert all(c.origin == "inferred" for c in caps)


# --- negatives: manual machining and plotters are no CNC milling ---------------------------


@pytest.mark.parametrize(
    "text",
    ["usinage conventionnel", "usinage manuel", "fraiseuse conventionnelle", "manual machining"],
)
def test_manual_machining_is_metalworking_not_cnc(text):
    assert [r.id for r in resolve(text, kind="process")] == ["metalworking"]


@pytest.mark.parametrize(
    "text", ["plotter", "pen plotter", "CNC plotter", "traceur grand format", "table traçante"]
)
def test_a_plotter_is_no_capability(text):
    assert resolve(text, kind="process") == []


def test_cutting_plotters_still_cut():
    for text in ("plotter de découpe", "vinyl plotter", "cutting plotter"):
        assert [r.id for r in resolve(text, kind="process")] == ["vinyl-cutting"]


def test_labelled_negatives_precision():
    """Micro precision over ids on the hand-labelled set; no negative may name CNC."""
    items = json.loads(NEGATIVES.read_text(encoding="utf-8"))
    tp = fp = 0
    cnc_false = []
    for item in items:
        got = {r.id for r in resolve(item["text"], kind=item["kind"])}
        want = set(item["expected"])
        tp += len(got & want)
        fp += len(got - want)
        if {"cnc-milling", "cnc-routing"} & (got - want):
            cnc_false.append(item["text"])
    assert tp / (tp + fp) >= 0.97
    assert cnc_false == []


# --- process–material compatibility --------------------------------------------------------


def test_compatibility_table():
    assert not can_work("sla", "copper")
    assert can_work("sla", "resin")
    assert not can_work("fdm", "resin") and can_work("fdm", "petg")
    assert can_work("laser-cutting", "plywood") and not can_work("laser-cutting", "concrete")
    assert not can_work("cnc-routing", "steel") and can_work("cnc-milling", "steel")
    # A child without an entry takes its parent's; a process without any is not checked.
    assert compatible_materials("pcb-milling") == compatible_materials("pcb-fabrication")
    assert compatible_materials("assembly") is None and can_work("assembly", "glass")
    assert workable("sla", ("copper", "resin")) == ("resin",)


def test_a_vetoed_catalogue_machine_is_named_on_every_interface(tmp_path):
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from refaire.app import create_app
    from refaire.cli import app as cli
    from refaire.model import Facility
    from refaire.store import open_store
    from refaire.store.facilities import save_facilities

    eq = Equipment(equipment_type="CNC router", make="Shapeoko", model="Ender 3")
    eq.processes = resolve_caps("CNC router", "process")
    store = open_store(str(tmp_path / "veto.db"))
    try:
        save_facilities(
            store, [Facility(key="t:veto", name="Veto Lab", equipment=[enrich_equipment(eq)])]
        )
        client = TestClient(create_app(store=store))
        data = client.get("/api/facilities/t:veto").json()
        assert data["equipment"][0]["catalogue_vetoed"]["reason"] == "make"
        fid = data["id"]
        page = client.get(f"/facilities/{fid}", params={"lang": "en"}).text
        assert "Not the catalogue&#39;s Creality Ender 3: the stated make disagrees." in page
        page = client.get(f"/facilities/{fid}", params={"lang": "fr"}).text
        assert "la marque indiquée diffère" in page
        res = CliRunner().invoke(
            cli, ["facilities", "show", "t:veto", "--db", store.url], env={"COLUMNS": "250"}
        )
        assert "not the catalogue's Creality Ender 3" in res.output
    finally:
        store.close()
