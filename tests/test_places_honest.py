"""Place names wherever a place is asked, and honest answers where data is missing.

Hand-worked scenario around Lyon (distances from the gazetteer's Lyon centre, 45.74906,
4.84789, worked out with the equirectangular approximation, good to 0.1 km here):

* AsTech, le Fablab de LyonTech-la Doua: the real row of the fablabs.io list
  (tests/fixtures/facilities/fablabs-iopa-astech.json), located at 45.780206, 4.871715,
  no equipment: ~3.9 km. As a fablabs.io lab it gets the Fab Charter inventory as
  *probable* (laser-cutting, vinyl-cutting, ...), never as stated.
* Atelier Laser Vénissieux (written here): a stated laser cutter, bed 1000 x 600 mm,
  plywood; 45.6975, 4.8867: ~6.5 km. Farther, but stated: ranked first.
* Makerspace Croix-Rousse (written here): no capability at all; 45.7770, 4.8270: ~3.5 km.
  It is neither a match nor a miss: listed under "capability unknown".

Designs: a laser-cut plywood panel (300 x 200 x 3 mm) and a vinyl sticker that only the
fab lab probably makes.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from _people import csrf_from
from refaire.app import create_app
from refaire.cli import app as cli
from refaire.ingest.runner import import_sources
from refaire.match.capabilities import PROBABLE, evaluate_facility
from refaire.match.coverage import bulk_coverage
from refaire.match.engine import match_design
from refaire.match.index import facility_index, forget
from refaire.model import Capability, Design, Dimensions, Equipment, Facility, Part
from refaire.places import (
    AmbiguousPlace,
    BadCoordinates,
    CoordinatesOutOfRange,
    UnknownPlace,
    resolve_place,
)
from refaire.registry.facilities import facility_detail
from refaire.store.designs import save_designs
from refaire.store.facilities import save_facilities
from refaire.store.facility_search import search_facilities

LYON = (45.74906, 4.84789)
FAB = "AsTech, le Fablab de LyonTech-la Doua"
ATELIER = "Atelier Laser Vénissieux"
MAKERSPACE = "Makerspace Croix-Rousse"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="50mm" '
    b'viewBox="0 0 100 50"><rect width="100" height="50"/></svg>'
)


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    x = math.radians(b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    y = math.radians(b[0] - a[0])
    return 6371.0 * math.hypot(x, y)


def test_hand_distances() -> None:
    assert _km(LYON, (45.780206, 4.871715)) == pytest.approx(3.9, abs=0.1)
    assert _km(LYON, (45.6975, 4.8867)) == pytest.approx(6.5, abs=0.1)
    assert _km(LYON, (45.7770, 4.8270)) == pytest.approx(3.5, abs=0.1)


# --- place names ----------------------------------------------------------------------------


def test_resolve_towns_and_coordinates() -> None:
    lyon = resolve_place("Lyon")
    assert (lyon.label, lyon.origin, lyon.others) == ("Lyon, FR", "town-centre", 0)
    assert lyon.point == pytest.approx(LYON, abs=1e-4)
    assert lyon.describe("en") == "Lyon, FR (town centre)"
    assert lyon.describe("fr") == "Lyon, FR (centre-ville)"
    assert resolve_place("Lyon, FR").point == lyon.point
    assert resolve_place("saint etienne").label == resolve_place("Saint-Étienne").label
    assert resolve_place("Saint-Étienne").label == "Saint-Étienne, FR"
    troy = resolve_place("Troy, NY")
    assert troy.label == "Troy, NY, US" and troy.town.region_code == "NY"
    assert resolve_place("Troy, New York").point == troy.point
    assert resolve_place("Paris, Texas").town.country == "US"
    point = resolve_place(" 45.76, 4.84 ")
    assert (point.point, point.origin) == ((45.76, 4.84), "coordinates")


def test_exonyms_only_of_far_larger_cities() -> None:
    assert resolve_place("Cologne").label == "Köln, DE"  # not Cologne, Italy (7 k)
    assert resolve_place("München").label == "Munich, DE"
    # Richmond, Virginia lists an old "Manchester": it must not compete with Manchester
    manchester = resolve_place("Manchester")
    assert manchester.label == "Manchester, GB" and manchester.others >= 1
    with pytest.raises(UnknownPlace):
        resolve_place("north")  # an alternate name of North Salt Lake, not a place
    with pytest.raises(AmbiguousPlace):
        resolve_place("Valencia")  # Venezuela 1.6 M, Spain 0.8 M


def test_dominant_town_is_taken_and_says_so() -> None:
    paris = resolve_place("Paris")
    assert paris.town.country == "FR" and paris.others >= 1
    assert "largest of" in paris.describe("en") and "Paris, FR" in paris.describe("en")
    assert "le plus grand" in paris.describe("fr")


def test_ambiguous_town_lists_candidates() -> None:
    with pytest.raises(AmbiguousPlace) as caught:
        resolve_place("Troy")
    exc = caught.value
    # Troy, MI (83,280) is not five times Troy, NY (49,906): no guess.
    assert [(c.region_code, c.country) for c in exc.candidates[:2]] == [("MI", "US"), ("NY", "US")]
    en = exc.text("en")
    assert "Troy (MI, US, 83,280 inhabitants)" in en and "Troy (NY, US" in en
    assert "Troy, NY" in en  # the way out
    assert "habitants" in exc.text("fr")
    assert exc.to_dict()["candidates"][0]["population"] == 83280


def test_unknown_and_bad_places() -> None:
    with pytest.raises(UnknownPlace):
        resolve_place("Nowhereville-sur-Rien")
    with pytest.raises(UnknownPlace):
        resolve_place("Lyon, Atlantis")
    with pytest.raises(CoordinatesOutOfRange) as caught:
        resolve_place("95,200")
    assert "out of range" in str(caught.value) and "hors limites" in caught.value.text("fr")
    with pytest.raises(BadCoordinates) as caught:
        resolve_place("45.7,4.8,3")
    assert "LAT,LON" in str(caught.value)
    with pytest.raises(ValueError):
        resolve_place("  ")


# --- the Lyon scenario ----------------------------------------------------------------------


def _scenario(store, fixtures) -> dict[str, int]:
    summary = import_sources(store, [str(fixtures / "facilities" / "fablabs-iopa-astech.json")])
    assert summary.facilities == 1, summary
    laser = Equipment(
        equipment_type="Laser cutter",
        processes=[Capability("laser-cutting")],
        materials=[Capability("plywood")],
        bed_size_mm=(1000, 600),
    )
    save_facilities(
        store,
        [
            Facility(
                key="t:atelier",
                name=ATELIER,
                latitude=45.6975,
                longitude=4.8867,
                country="FR",
                equipment=[laser],
            ),
            Facility(
                key="t:crx",
                name=MAKERSPACE,
                kind="makerspace",
                latitude=45.7770,
                longitude=4.8270,
                country="FR",
                url="https://crx.example.org/",
                email="bonjour@crx.example.org",
            ),
        ],
    )
    panel = Part(
        "Panel",
        processes=["laser-cutting"],
        materials=["plywood"],
        dimensions=Dimensions(300, 200, 3),
    )
    sticker = Part("Sticker", processes=["vinyl-cutting"], materials=["vinyl"])
    save_designs(
        store,
        [
            Design("t:panel", "Panel", "test", parts=[panel]),
            Design("t:sticker", "Sticker", "test", parts=[sticker]),
        ],
    )
    idx = facility_index(store)
    return {name: int(i) for name, i in zip(idx.names, idx.ids, strict=True)}


@pytest.fixture
def lyon(any_store, fixtures):
    ids = _scenario(any_store, fixtures)
    yield any_store, ids
    forget(any_store)


def _design(store, key: str) -> int:
    from refaire.store.designs import get_design

    return get_design(store, key)[0]


def test_fab_lab_gets_the_charter_inventory_as_probable(lyon) -> None:
    store, ids = lyon
    d = facility_detail(store, ids[FAB])
    probable = {c["id"]: c for c in d["capabilities"]["probable"]}
    assert set(probable) == {
        "laser-cutting",
        "vinyl-cutting",
        "cnc-routing",
        "pcb-milling",
        "soldering",
        "fdm",
    }
    assert probable["laser-cutting"]["rule"] == "fab-charter-inventory"
    assert probable["laser-cutting"]["confidence"] == 0.5
    assert d["capabilities"]["stated"] == [] and d["capabilities"]["inferred"] == []
    # provenance names the rule, not fablabs.io, as the source of the processes
    by_field = d["provenance"]["fields"]["processes"]
    assert [s["format"] for s in by_field] == ["rule:fab-charter-inventory"]
    # a search for what is stated or inferred does not list it
    found = search_facilities(store, process="laser-cutting", near=LYON, radius_km=30)
    assert [i["name"] for i in found["items"]] == [ATELIER]


def test_match_ranks_stated_before_probable_and_lists_unknown(lyon) -> None:
    store, ids = lyon
    place = resolve_place("Lyon")
    r = match_design(store, _design(store, "t:panel"), *place.point, 30.0, "en", place=place)
    assert r["place"]["label"] == "Lyon, FR" and r["place"]["origin"] == "town-centre"
    assert (r["candidates"], r["matching"], r["complete"], r["probably_complete"]) == (3, 2, 1, 1)
    assert [m["facility"]["name"] for m in r["matches"]] == [ATELIER, FAB]
    atelier, fab = r["matches"]
    assert atelier["complete"] and atelier["requirements"][0]["status"] == "met"
    assert fab["distance_km"] == pytest.approx(3.9, abs=0.1)
    assert not fab["complete"] and fab["coverage"] == 0 and fab["probably_complete"]
    req = fab["requirements"][0]
    assert req["status"] == "probable"
    assert req["reason"].startswith("Probably: Laser cutting, part of the shared Fab Lab")
    assert "ask them to confirm" in req["reason"]
    # the plan rests on what is stated only
    assert r["plans"][0]["complete"] and r["plans"][0]["facilities"][0]["name"] == ATELIER
    unknown = r["unknown_capability"]
    assert unknown["total"] == 1
    (u,) = unknown["items"]
    assert (u["facility"]["name"], u["capability"]) == (MAKERSPACE, "unknown")
    assert u["website"] == "https://crx.example.org/" and u["email"] == "bonjour@crx.example.org"
    assert u["distance_km"] == pytest.approx(3.5, abs=0.1)
    assert "Ask them" in unknown["note"]
    fr = match_design(store, _design(store, "t:panel"), *place.point, 30.0, "fr", place=place)
    assert fr["matches"][1]["requirements"][0]["reason"].startswith("Probablement : ")
    assert "Demandez-leur" in fr["unknown_capability"]["note"]


def test_only_probable_is_never_met_nor_counted_as_made(lyon) -> None:
    store, ids = lyon
    r = match_design(store, _design(store, "t:sticker"), *LYON, 30.0, "en")
    assert r["complete"] == 0 and r["probably_complete"] == 1
    assert [m["facility"]["name"] for m in r["matches"]] == [FAB]
    (plan,) = r["plans"]
    assert not plan["complete"] and plan["facilities"] == []
    (missing,) = plan["missing"]
    assert missing["probable"] and missing["nearest"]["name"] == FAB
    assert "probably at " + FAB in missing["reason"]
    cov = bulk_coverage(store, 30.0)
    sticker, panel = _design(store, "t:sticker"), _design(store, "t:panel")
    assert not cov.makeable_anywhere[sticker] and cov.makeable_locally[sticker] == 0
    assert cov.makeable_anywhere[panel] and cov.facility_count[panel] == 1
    # shown beside, not counted: the sticker only probably, the panel for sure
    assert cov.only_probably_anywhere == {sticker: True, panel: False}
    summary = cov.summary()
    assert summary["makeable_anywhere"] == 1 and summary["only_probably_makeable_anywhere"] == 1
    out = CliRunner().invoke(cli, ["match", "--coverage", "--radius-km", "30", "--db", store.url])
    assert out.exit_code == 0 and "1 more designs could probably be made" in out.output


def test_index_agrees_with_the_per_pair_rules_on_probable(lyon) -> None:
    store, ids = lyon
    idx = facility_index(store)
    from refaire.match.requirements import requirements_of
    from refaire.store.designs import get_design
    from refaire.store.facilities import get_facility

    rows = np.arange(len(idx))
    for key in ("t:panel", "t:sticker"):
        did, design = get_design(store, key)
        dr = requirements_of(design, did)
        codes = idx.codes(dr.requirements, rows)
        for row in rows:
            f = get_facility(store, int(idx.ids[row]))[1]
            for i, req in enumerate(dr.requirements):
                assert codes[i, row] == evaluate_facility(req, f)
    fab_row = idx.row_of[ids[FAB]]
    assert PROBABLE in set(codes[:, fab_row].tolist())


def test_stated_process_is_not_also_probable() -> None:
    from refaire.ingest.probable import add_fab_inventory
    from refaire.match.capabilities import caps_of

    f = Facility(
        key="t:x",
        name="Lab with a laser",
        equipment=[Equipment(processes=[Capability("laser-cutting")])],
    )
    add_fab_inventory(f)
    assert "laser-cutting" not in {c.id for c in f.processes}
    assert "vinyl-cutting" in caps_of(f).probable
    assert "laser-cutting" not in caps_of(f).probable


# --- interfaces -----------------------------------------------------------------------------


def test_cli(lyon, tmp_path) -> None:
    store, ids = lyon
    runner = CliRunner()
    out = runner.invoke(cli, ["match", "t:panel", "--near", "Lyon", "--db", store.url, "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["place"]["description"] == "Lyon, FR (town centre)"
    assert data["unknown_capability"]["items"][0]["facility"]["name"] == MAKERSPACE
    text = runner.invoke(cli, ["match", "t:panel", "--near", "Lyon", "--db", store.url])
    assert text.exit_code == 0, text.output
    assert "Lyon, FR (town centre)" in text.output and "Capability unknown" in text.output
    assert "probable" in text.output and "crx.example.org" in text.output
    troy = runner.invoke(cli, ["match", "t:panel", "--near", "Troy", "--db", store.url])
    assert troy.exit_code == 2  # a usage mistake, like every refused --near
    assert "several places" in troy.output and "Troy (NY, US" in troy.output
    fr = runner.invoke(
        cli, ["match", "t:panel", "--near", "Troy", "--lang", "fr", "--db", store.url]
    )
    assert "plusieurs lieux" in fr.output
    listed = runner.invoke(
        cli, ["facilities", "list", "--near", "Saint-Étienne", "--radius-km", "60",
              "--db", store.url, "--json"],
    )  # fmt: skip
    assert listed.exit_code == 0, listed.output
    body = json.loads(listed.output)
    assert body["place"]["label"] == "Saint-Étienne, FR" and body["total"] == 3
    bad = runner.invoke(cli, ["facilities", "list", "--near", "Troy", "--db", store.url])
    assert bad.exit_code == 2 and "Troy (MI, US" in bad.output
    plate = tmp_path / "plate.svg"
    plate.write_bytes(SVG)
    quoted = runner.invoke(
        cli, ["quote", str(plate), "--material", "plywood", "--near", "Lyon", "--db", store.url]
    )
    assert quoted.exit_code == 0, quoted.output
    assert "near Lyon, FR (town centre)" in quoted.output
    assert "Capability unknown or only probable" in quoted.output
    assert f"{MAKERSPACE} (id {ids[MAKERSPACE]}" in quoted.output and "probable" in quoted.output
    show = runner.invoke(cli, ["facilities", "show", str(ids[FAB]), "--db", store.url])
    assert show.exit_code == 0 and "Probable" in show.output
    assert "fab-charter-inventory" in show.output


def test_api(lyon) -> None:
    store, ids = lyon
    client = TestClient(create_app(store=store))
    panel = _design(store, "t:panel")
    r = client.get("/api/match", params={"design": panel, "near": "Lyon", "radius_km": 30})
    assert r.status_code == 200
    body = r.json()
    assert body["place"]["label"] == "Lyon, FR"
    assert [m["requirements"][0]["status"] for m in body["matches"]] == ["met", "probable"]
    assert body["unknown_capability"]["total"] == 1
    r = client.get("/api/match", params={"design": panel, "near": "Troy"})
    assert r.status_code == 400 and "Troy (NY, US" in r.json()["detail"]
    r = client.get("/api/match", params={"design": panel, "near": "Troy", "lang": "fr"})
    assert "plusieurs lieux" in r.json()["detail"]
    r = client.get("/api/match", params={"design": panel, "near": "Troy, NY"})
    assert r.status_code == 200 and r.json()["candidates"] == 0
    r = client.get("/api/facilities", params={"near": "Lyon, FR", "radius_km": 5})
    assert r.status_code == 200
    assert [i["name"] for i in r.json()["items"]] == [MAKERSPACE, FAB]
    assert r.json()["place"]["origin"] == "town-centre"
    r = client.get("/api/facilities", params={"near": "Troy"})
    assert r.status_code == 400 and "Troy (MI, US" in r.json()["detail"]
    r = client.get(f"/api/facilities/{ids[FAB]}")
    assert {c["id"] for c in r.json()["capabilities"]["probable"]} >= {"laser-cutting"}
    svg = SVG
    r = client.post(
        "/api/quote",
        files={"file": ("plate.svg", svg)},
        data={"material": "plywood", "near": "Lyon"},
    )
    assert r.status_code == 200, r.text
    q = r.json()
    assert q["place"]["label"] == "Lyon, FR"
    assert [e["facility"]["name"] for e in q["quotes"]] == [ATELIER]
    unknown = {u["facility"]["name"]: u["capability"] for u in q["unknown_capability"]["items"]}
    assert unknown == {MAKERSPACE: "unknown", FAB: "probable"}
    r = client.post(
        "/api/quote",
        files={"file": ("plate.svg", svg)},
        data={"material": "plywood", "near": "Troy"},
    )
    assert r.status_code == 422 and "Troy (NY, US" in r.json()["detail"]


def test_pages(lyon) -> None:
    store, ids = lyon
    client = TestClient(create_app(store=store))
    panel = _design(store, "t:panel")
    page = client.get(f"/designs/{panel}/match", params={"near": "Lyon", "radius_km": "30"})
    assert page.status_code == 200
    html = page.text
    assert "Near Lyon, FR (town centre)" in html
    assert 'id="match-unknown"' in html and "https://crx.example.org/" in html
    assert "st-probable" in html and "Probably: Laser cutting" in html
    assert 'src="/static/locate.js"' in html and "Use my location" in html
    fr = client.get(
        f"/designs/{panel}/match", params={"near": "Lyon", "radius_km": "30", "lang": "fr"}
    )
    assert "Capacité inconnue" in fr.text and "Probablement" in fr.text
    assert "Près de Lyon, FR (centre-ville)" in fr.text
    bad = client.get(f"/designs/{panel}/match", params={"near": "Troy"})
    assert bad.status_code == 400 and "Troy (NY, US" in bad.text
    bad = client.get(f"/designs/{panel}/match", params={"near": "Lyon", "radius_km": "far"})
    assert bad.status_code == 400 and "radius" in bad.text
    listing = client.get("/facilities", params={"near": "Lyon", "radius_km": "5"})
    assert listing.status_code == 200 and 'id="facilities-place"' in listing.text
    assert client.get("/facilities", params={"near": "Troy"}).status_code == 400
    fab = client.get(f"/facilities/{ids[FAB]}")
    assert 'id="facility-probable"' in fab.text and "Fab Charter" in fab.text
    assert client.get("/static/locate.js").status_code == 200
    quote = client.post(
        "/quote",
        files={"file": ("plate.svg", SVG)},
        data={"material": "plywood", "near": "Lyon", "csrf_token": csrf_from(client)},
        params={"lang": "en"},  # the French page above left its cookie
    )
    assert quote.status_code == 200, quote.text
    assert 'id="quote-place"' in quote.text and "Lyon, FR (town centre)" in quote.text
    assert 'id="quote-unknown"' in quote.text
    assert 'data-capability="probable"' in quote.text and "Fab Lab inventory" in quote.text
    fr = client.post(
        "/quote",
        files={"file": ("plate.svg", SVG)},
        data={"material": "plywood", "near": "Troy", "csrf_token": csrf_from(client)},
        params={"lang": "fr"},
    )
    assert fr.status_code == 422 and "plusieurs lieux" in fr.text


def test_use_my_location_fills_the_field(lyon, browser) -> None:
    from conftest import serve_in_thread

    store, ids = lyon
    url, stop = serve_in_thread(store)
    try:
        context = browser.new_context(
            geolocation={"latitude": 45.7578, "longitude": 4.832}, permissions=["geolocation"]
        )
        page = context.new_page()
        page.goto(f"{url}/designs/{_design(store, 't:panel')}/match")
        button = page.locator("button[data-locate='mp-near']")
        button.wait_for(state="visible")
        button.click()
        page.wait_for_function("document.getElementById('mp-near').value !== ''")
        assert page.input_value("#mp-near") == "45.75780,4.83200"
        page.click("#mp-submit")
        page.wait_for_selector("#match-place")
        assert "(coordinates)" in page.inner_text("#match-place")
        context.close()
    finally:
        stop()


def test_merged_record_does_not_show_a_stated_process_as_probable(any_store) -> None:
    """A fablabs.io lab (probable laser) merged with a survey row stating a laser cutter."""
    f = Facility(
        key="t:merged",
        name="Merged lab",
        equipment=[Equipment(equipment_type="Laser", processes=[Capability("laser-cutting")])],
        processes=[Capability("laser-cutting", "probable", "fab-charter-inventory", 0.5)],
    )
    save_facilities(any_store, [f])
    d = facility_detail(any_store, "t:merged")
    assert d["capabilities"]["probable"] == []
    assert d["summary"]["processes"] == [{"id": "laser-cutting", "origin": "stated"}]
