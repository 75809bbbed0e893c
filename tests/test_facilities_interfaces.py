"""Facilities through every interface: CLI, JSON API and web pages, on real records.

The store is built by the real import path from the sample facilities bundled in
the package (a fablabs.io subset, the whole Nesta UK survey, SpaceAPI documents).
Expected answers are computed here independently (own haversine, own walk of the
vocabulary tree over every stored record), never copied from the code under test.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli
from refaire.ingest.runner import import_sources
from refaire.store import open_store
from refaire.store.facilities import iter_facilities

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "refaire" / "sample" / "facilities"
PARIS = (48.8566, 2.3522)
RADIUS_KM = 15.0


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # written out here on purpose: the test must not trust refaire.geo
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * r * math.asin(math.sqrt(a))


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("facilities") / "registry.db")
    summary = import_sources(open_store(path), [str(SAMPLE)])
    assert summary.facilities > 500, summary.to_dict()
    return path


@pytest.fixture(scope="module")
def store(db: str):
    return open_store(db)


@pytest.fixture(scope="module")
def records(store) -> dict:
    return dict(iter_facilities(store))


@pytest.fixture(scope="module")
def client(store) -> TestClient:
    return TestClient(create_app(store=store))


def within(records: dict, centre: tuple[float, float], radius: float) -> dict[int, float]:
    out = {}
    for fid, f in records.items():
        if f.latitude is None or f.longitude is None:
            continue
        d = distance_km(centre[0], centre[1], f.latitude, f.longitude)
        if d <= radius:
            out[fid] = d
    return out


def offering(records: dict, process: str) -> set[int]:
    from refaire.vocab.capabilities import all_ids, process_ancestors

    wanted = {process} | {p for p in all_ids("process") if process in process_ancestors(p)}
    return {fid for fid, f in records.items() if f.all_processes() & wanted}


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def by_key(records: dict, key: str) -> int:
    return next(fid for fid, f in records.items() if f.key == key)


# --- CLI ---------------------------------------------------------------------------


def test_cli_radius_returns_exactly_the_labs_within(db, records):
    expected = within(records, PARIS, RADIUS_KM)
    assert len(expected) >= 10  # Paris has many fab labs: the check is not vacuous
    res = run(
        "facilities", "list", "--near", "48.8566,2.3522", "--radius-km", "15",
        "--limit", "500", "--json", "--db", db,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["total"] == len(expected)
    assert {i["id"] for i in out["items"]} == set(expected)
    dists = [i["distance_km"] for i in out["items"]]
    assert dists == sorted(dists)
    for item in out["items"]:
        assert item["distance_km"] == pytest.approx(expected[item["id"]], abs=0.01)
        assert {"id", "name", "latitude", "longitude", "country", "processes"} <= set(item)


def test_cli_process_filter_includes_narrower_processes(db, records):
    expected = offering(records, "laser-cutting")
    assert len(expected) >= 10
    res = run(
        "facilities", "list", "--process", "laser-cutting", "--limit", "500", "--json", "--db", db
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {i["id"] for i in out["items"]} == expected
    assert "Bristol Hackspace" in {i["name"] for i in out["items"]}


def test_cli_country_and_pagination(db, records):
    gb = sorted(fid for fid, f in records.items() if f.country == "GB")
    first = json.loads(run("facilities", "list", "--country", "gb", "--limit", "10", "--json",
                           "--db", db).stdout)  # fmt: skip
    second = json.loads(run("facilities", "list", "--country", "GB", "--limit", "10",
                            "--offset", "10", "--json", "--db", db).stdout)  # fmt: skip
    assert first["total"] == second["total"] == len(gb)
    ids = [i["id"] for i in first["items"]] + [i["id"] for i in second["items"]]
    assert len(ids) == len(set(ids)) == 20
    assert set(ids) <= set(gb)


def test_cli_bad_near_and_unknown_process_are_clear_usage_errors(db):
    res = run("facilities", "list", "--near", "48.85", "--db", db)
    assert res.exit_code == 2
    assert "LAT,LON" in res.output
    res = run("facilities", "list", "--near", "95,2", "--db", db)
    assert res.exit_code == 2 and "out of range" in res.output
    res = run("facilities", "list", "--process", "teleportation", "--db", db)
    assert res.exit_code == 2
    assert "teleportation" in res.output and "refaire vocab list" in res.output
    # a name the vocabulary knows is its id, as in `refaire quote` (vocab.names)
    assert run("facilities", "list", "--process", "lasercutter", "--db", db).exit_code == 0


def test_cli_show_says_a_town_centre_is_approximate(db, records):
    fid, f = next((i, f) for i, f in sorted(records.items()) if f.location_origin == "inferred")
    res = run("facilities", "show", str(fid), "--db", db)
    assert res.exit_code == 0, res.output
    town = f.extra["located_by_town"]["town"]
    assert f"approximate: the centre of {town}" in " ".join(res.output.replace("│", " ").split())


def test_cli_show_nesta_space_with_its_equipment(db):
    res = run("facilities", "show", "nesta-csv:bristol-hackspace", "--json", "--db", db)
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["name"] == "Bristol Hackspace"
    assert d["address"]["postal_code"] == "BS3 4EA"
    machines = {e["label"]: e for e in d["equipment"]}
    assert [c["id"] for c in machines["Metal lathe"]["capabilities"]["stated"]] == ["turning"]
    assert "laser-cutting" in [c["id"] for c in machines["laser cutter"]["capabilities"]["stated"]]
    assert any(s["format"] == "nesta-csv" for s in d["provenance"]["sources"])
    text = run("facilities", "show", "nesta-csv:bristol-hackspace", "--db", db)
    assert text.exit_code == 0
    assert "Metal lathe" in text.stdout and "turning" in text.stdout
    assert "Equipment" in text.stdout and "Provenance" in text.stdout


def test_cli_show_unknown_facility(db):
    res = run("facilities", "show", "no-such-place", "--db", db)
    assert res.exit_code == 1
    assert "no-such-place" in res.output and "facilities list" in res.output


def test_cli_show_marks_inferred_with_rule(db):
    d = json.loads(
        run("facilities", "show", "nesta-csv:fablab-cardiff", "--json", "--db", db).stdout
    )
    ulti = next(e for e in d["equipment"] if "Ultimaker" in e["label"])
    inferred = ulti["capabilities"]["inferred"]
    assert inferred and all(c["origin"] == "inferred" for c in inferred)
    assert any(c["rule_kind"] == "catalogue" for c in inferred)
    text = run("facilities", "show", "nesta-csv:fablab-cardiff", "--db", db).stdout
    assert "catalogue:" in text


# --- API ---------------------------------------------------------------------------


def test_api_radius_matches_independent_computation(client, records):
    expected = within(records, PARIS, RADIUS_KM)
    r = client.get(
        "/api/facilities", params={"near": "48.8566,2.3522", "radius_km": 15, "limit": 500}
    )
    assert r.status_code == 200
    assert {i["id"] for i in r.json()["items"]} == set(expected)
    # a radius query combined with a process filter is the intersection of both
    r = client.get(
        "/api/facilities",
        params={
            "near": "51.5074,-0.1278",
            "radius_km": 400,
            "process": "3d-printing",
            "limit": 500,
        },
    )
    expected_uk = set(within(records, (51.5074, -0.1278), 400)) & offering(records, "3d-printing")
    assert expected_uk  # UK makerspaces located through the fablabs.io merge
    assert {i["id"] for i in r.json()["items"]} == expected_uk


def test_api_errors_are_clear(client):
    r = client.get("/api/facilities", params={"near": "paris"})  # a town: resolved
    assert r.status_code == 200 and r.json()["place"]["label"] == "Paris, FR"
    r = client.get("/api/facilities", params={"near": "Nowhereville-sur-Rien"})
    assert r.status_code == 400 and "LAT,LON" in r.json()["detail"]
    r = client.get("/api/facilities", params={"near": "48,2", "radius_km": -3})
    assert r.status_code == 422
    r = client.get("/api/facilities", params={"process": "teleportation"})
    assert r.status_code == 400 and "refaire vocab list" in r.json()["detail"]
    r = client.get("/api/facilities", params={"country": "France"})
    assert r.status_code == 400 and "two-letter" in r.json()["detail"]
    r = client.get("/api/facilities/999999")
    assert r.status_code == 404 and "999999" in r.json()["detail"]


def test_api_detail_by_id_and_key(client, records):
    fid = by_key(records, "nesta-csv:bristol-hackspace")
    a = client.get(f"/api/facilities/{fid}").json()
    b = client.get("/api/facilities/nesta-csv:bristol-hackspace").json()
    assert a == b and a["id"] == fid and a["name"] == "Bristol Hackspace"
    assert "Metal lathe" in {e["label"] for e in a["equipment"]}


def test_api_points_for_maps(client, records):
    located = {fid for fid, f in records.items() if f.latitude is not None}
    pts = client.get("/api/facilities/points").json()
    assert {p[0] for p in pts} == located
    assert all(len(p) == 6 and isinstance(p[1], str) for p in pts)
    fid, name, lat, lon, approximate, _ = next(p for p in pts if p[0] == next(iter(located)))
    # what is known of each place's capabilities: stated (or inferred), only probable, none
    for p in pts:
        f = records[p[0]]
        probable = any(c.origin == "probable" for c in f.processes)
        expected = "stated" if f.all_processes() else "probable" if probable else "unknown"
        assert p[5] == expected, (f.name, p[5], expected)
    assert (name, lat, lon) == (
        records[fid].name,
        round(records[fid].latitude, 5),
        round(records[fid].longitude, 5),
    )
    town_centres = {fid for fid, f in records.items() if f.location_origin == "inferred"}
    assert town_centres and {p[0] for p in pts if p[4] == 1} == town_centres
    laser = client.get("/api/facilities/points", params={"process": "laser-cutting"}).json()
    assert {p[0] for p in laser} == located & offering(records, "laser-cutting")
    assert 0 < len(laser) < len(pts)
    assert client.get("/api/facilities/points", params={"process": "x"}).status_code == 400


# --- web pages ---------------------------------------------------------------------


def test_page_search_shows_nearest_with_distance(client, records):
    expected = within(records, PARIS, RADIUS_KM)
    nearest = min(expected, key=expected.get)
    r = client.get(
        "/facilities", params={"near": "48.8566,2.3522", "radius_km": "15", "lang": "en"}
    )
    assert r.status_code == 200
    html = r.text
    assert f"{len(expected)} facilities" in html
    assert f'href="/facilities/{nearest}"' in html
    assert f"{expected[nearest]:.1f} km" in html
    assert 'name="process"' in html and 'value="laser-cutting"' in html


def test_page_search_in_french_and_bad_input(client):
    r = client.get("/facilities", params={"process": "laser-cutting", "lang": "fr"})
    assert r.status_code == 200
    assert "Lieux de fabrication" in r.text and "Découpe laser" in r.text
    assert "Bristol Hackspace" in r.text
    r = client.get("/facilities", params={"near": "nowhere", "lang": "en"})
    assert r.status_code == 400
    assert 'role="alert"' in r.text and "LAT,LON" in r.text


def test_page_detail_distinguishes_stated_and_inferred(client, records):
    fid = by_key(records, "nesta-csv:fablab-cardiff")
    html = client.get(f"/facilities/{fid}", params={"lang": "en"}).text
    assert "<h1>FabLab Cardiff</h1>" in html
    assert "Stated capabilities" in html and "Inferred capabilities" in html
    assert 'class="cap inferred"' in html and 'class="cap stated"' in html
    assert "from the machine catalogue (Ultimaker 2)" in html
    assert "uk-makerspaces-nesta-2015.csv" in html  # provenance of fields
    fr = client.get(f"/facilities/{fid}", params={"lang": "fr"}).text
    assert "d&#39;après le catalogue de machines" in fr or "d'après le catalogue de machines" in fr


def test_town_centre_location_is_shown_as_approximate(client, records):
    fid, f = next((i, f) for i, f in sorted(records.items()) if f.location_origin == "inferred")
    town = f.extra["located_by_town"]["town"]
    item = client.get(f"/api/facilities/{fid}").json()
    assert item["location_origin"] == "inferred"
    listed = client.get("/api/facilities", params={"q": f.name, "limit": 50}).json()["items"]
    assert next(i for i in listed if i["id"] == fid)["location_origin"] == "inferred"
    html = client.get(f"/facilities/{fid}", params={"lang": "en"}).text
    assert f"approximate: the centre of {town}" in html
    fr = client.get(f"/facilities/{fid}", params={"lang": "fr"}).text
    assert f"approximative : le centre de {town}" in fr
    stated = next(i for i, g in records.items() if g.location_origin == "stated" and g.latitude)
    assert "location-approximate" not in client.get(f"/facilities/{stated}").text


def test_page_detail_unknown_is_404(client):
    r = client.get("/facilities/nope-nope")
    assert r.status_code == 404 and "nope-nope" in r.text


def test_map_page_works_without_js_and_serves_vendored_assets(client, records):
    html = client.get("/map", params={"lang": "en"}).text
    located = sum(1 for f in records.values() if f.latitude is not None)
    assert f"{located:,} facilities on the map" in html
    assert 'href="/facilities"' in html and "<noscript>" in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert '<script src="/static/js/map.js">' in html  # a file: the CSP refuses inline scripts
    assert "/api/facilities/points" in client.get("/static/js/map.js").text
    for asset in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/vendor/world-atlas/countries-110m.geo.json",
    ):
        assert client.get(asset).status_code == 200, asset
    world = client.get("/static/vendor/world-atlas/countries-110m.geo.json").json()
    assert world["type"] == "FeatureCollection" and len(world["features"]) > 150


def test_nav_links_on_every_page(client):
    html = client.get("/", params={"lang": "en"}).text
    assert 'href="/facilities"' in html and 'href="/map"' in html
