"""Issue 12, places: a coordinate pair read in the wrong order, or nowhere near the country
the record names, never stands as a stated location.

Fixtures of our own making (tests/fixtures/truth/): a French list whose "latlng" lists are
[lat, lon] but one of which is written lon,lat; a GeoJSON collection ([lon, lat]) with one
pair written the other way round; a lab of Bordeaux placed in Madrid (neither order fits
France: doubtful); (0, 0) and out-of-range pairs; SpaceAPI 0.12 and 0.8 documents whose
location fields sit at the top level.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from _people import csrf_from, make_user, sign_in
from refaire.app import create_app
from refaire.cli import app as cli
from refaire.ingest.place_check import check_pair
from refaire.ingest.runner import import_sources, read_source
from refaire.people import OPERATOR
from refaire.people.roles import add_manager
from refaire.store.facilities import get_facility
from refaire.store.facility_search import search_facilities

MADRID = "40.4168,-3.7038"
BORDEAUX = "44.8378,-0.5792"


def _read(fixtures, name: str):
    path = fixtures / "truth" / name
    return read_source(str(path), path.read_bytes())


def _by_name(result) -> dict:
    return {f.name: f for f in result.facilities}


def _warnings(f) -> list[str]:
    return [p.message for p in f.problems if p.severity == "warning"]


def test_latlng_lists_are_lat_lon_and_a_lon_lat_one_is_swapped_back(fixtures) -> None:
    labs = _by_name(_read(fixtures, "labs-latlng.json"))
    paris = labs["Atelier Paris Nord"]
    assert (paris.latitude, paris.longitude, paris.location_status) == (48.8566, 2.3522, "agrees")
    assert not _warnings(paris)
    lyon = labs["Lab Lyonnais"]  # written [4.8357, 45.7640]: in Somalia's waters read as given
    assert (lyon.latitude, lyon.longitude) == (45.764, 4.8357)
    assert lyon.extra["location_swapped"] == {"read": [4.8357, 45.764], "reason": "not in FR"}
    assert any("swapped" in w for w in _warnings(lyon))
    assert labs["Fab Nantes"].latitude == 47.2184  # a "lat, lon" string


def test_a_pair_outside_the_named_country_either_way_is_doubtful_and_unlocated(fixtures) -> None:
    lab = _by_name(_read(fixtures, "labs-latlng.json"))["Lab sans place"]
    assert lab.location_status == "doubtful"
    # kept, but not as the location: no radius, match or map can use it
    assert (lab.latitude, lab.longitude) == (None, None)
    assert lab.extra["doubtful_location"] == {
        "latitude": 40.4168,
        "longitude": -3.7038,
        "reason": "not in FR",
    }
    # nor placed at its town's centre: that would put it back into "near me" unconfirmed
    assert "located_by_town" not in lab.extra
    [warning] = _warnings(lab)
    assert "doubtful" in warning and "not in FR" in warning


def test_zero_zero_and_out_of_range_are_no_location(fixtures) -> None:
    labs = _by_name(_read(fixtures, "labs-latlng.json"))
    zero = labs["Lab zéro"]  # Lille named: the gazetteer's town centre, marked inferred
    assert zero.location_origin == "inferred" and zero.extra["located_by_town"]["town"] == "Lille"
    assert any("0,0" in w for w in _warnings(zero))
    far = labs["Lab hors limites"]
    assert far.latitude is None and any("out of range" in w for w in _warnings(far))


def test_geojson_is_lon_lat_and_a_pair_written_lat_lon_is_swapped(fixtures) -> None:
    places = _by_name(_read(fixtures, "labs-geojson.json"))
    marseille = places["Marseille Makers"]
    assert (marseille.latitude, marseille.longitude, marseille.location_status) == (
        43.2965,
        5.3698,
        "agrees",
    )
    cape = places["Cape Town Makers"]  # [-33.9249, 18.4241] is [lat, lon] in a GeoJSON list
    assert (cape.latitude, cape.longitude) == (-33.9249, 18.4241)
    assert cape.extra["location_swapped"]["reason"] == "not in ZA"


def test_the_check_itself() -> None:
    assert check_pair(48.85, 2.35, "FR").status == "agrees"
    assert check_pair(2.35, 48.85, "FR").status == "swapped"
    assert check_pair(40.42, -3.70, "FR").status == "doubtful"
    assert check_pair(5.16, -52.65, "FR").status == "agrees"  # Kourou: French Guiana is France
    assert check_pair(48.85, 2.35, None).status == "unchecked"  # nothing to check against
    assert check_pair(48.85, 2.35, "ZZ").status == "unchecked"


def test_when_both_orders_fit_the_country_the_named_town_decides() -> None:
    # Chelyabinsk is 55.16 N 61.40 E; 61.40 N 55.16 E is in Russia too (Komi).
    assert check_pair(55.16, 61.40, "RU", "Chelyabinsk").status == "agrees"
    swapped = check_pair(61.40, 55.16, "RU", "Chelyabinsk")
    assert (swapped.status, swapped.latitude, swapped.longitude) == ("swapped", 55.16, 61.40)
    assert check_pair(61.40, 55.16, "RU").status == "agrees"  # no town: nothing to decide by


@pytest.mark.parametrize(
    ("name", "point", "address", "email"),
    [
        ("spaceapi-012.json", (50.8868, 5.9835), "Heerlen", "contact@old-space.example"),
        ("spaceapi-008.json", (53.0817, 8.8058), "Bremen", None),
    ],
)
def test_spaceapi_before_0_13_keeps_its_location_and_address(
    fixtures, name, point, address, email
) -> None:
    [space] = _read(fixtures, name).facilities
    assert (space.latitude, space.longitude) == point
    assert address in space.address["text"]
    assert space.country in ("NL", "DE") and space.location_status == "agrees"
    assert space.email == email


@pytest.fixture
def labs(any_store, fixtures):
    summary = import_sources(any_store, [str(fixtures / "truth" / "labs-latlng.json")])
    assert summary.rejected == 0, summary.problems
    return any_store


def _run(store, *args: str):
    return CliRunner().invoke(cli, [*args, "--db", store.url])


def test_doubtful_location_is_off_near_me_until_a_manager_confirms_it(labs, fixtures) -> None:
    fid, _ = get_facility(labs, "places-json:lab-sans-place@40.417,-3.704")
    api = TestClient(create_app(store=labs))
    near_madrid = api.get("/api/facilities", params={"near": MADRID, "radius_km": 100}).json()
    assert near_madrid["total"] == 0
    points = api.get("/api/facilities/points").json()  # the map's points: [id, name, lat, …]
    assert len(points) == 4 and fid not in {p[0] for p in points}
    detail = api.get(f"/api/facilities/{fid}").json()
    assert detail["location_status"] == "doubtful" and detail["latitude"] is None
    assert detail["extra"]["doubtful_location"]["reason"] == "not in FR"
    en = api.get(f"/facilities/{fid}", params={"lang": "en"}).text
    assert 'id="location-doubtful"' in en and "Doubtful location as published" in en
    fr = api.get(f"/facilities/{fid}", params={"lang": "fr"}).text
    assert "Emplacement douteux" in fr
    shown = _run(labs, "facilities", "show", str(fid))
    assert "doubtful as published: 40.4168, -3.7038" in shown.output

    # A manager states where the place really is (Bordeaux): confirmed, back in "near me".
    user = make_user(labs, "manager@example.org")
    add_manager(labs, fid, user["id"], by=OPERATOR)
    r = _run(
        labs, "facilities", "edit", str(fid), "--location", BORDEAUX,
        "--as", "manager@example.org", "--json",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["changed"] == ["location"]
    after = api.get(f"/api/facilities/{fid}").json()
    assert (after["latitude"], after["location_status"]) == (44.8378, "confirmed")
    assert "doubtful_location" not in after["extra"]
    near = api.get("/api/facilities", params={"near": BORDEAUX, "radius_km": 5}).json()
    assert [i["id"] for i in near["items"]] == [fid]
    found = search_facilities(labs, near=(44.8378, -0.5792), radius_km=5)
    assert [i["id"] for i in found["items"]] == [fid]
    # the source re-imported with its doubtful pair does not undo the manager's location
    import_sources(labs, [str(fixtures / "truth" / "labs-latlng.json")])
    again = api.get(f"/api/facilities/{fid}").json()
    assert (again["latitude"], again["location_status"]) == (44.8378, "confirmed")
    assert "doubtful_location" not in again["extra"]
    r = _run(
        labs, "facilities", "edit", str(fid), "--location", "0,0", "--as", "manager@example.org"
    )
    assert r.exit_code != 0 and "placeholder" in r.output


def test_the_manage_page_confirms_a_doubtful_location_as_published(labs) -> None:
    fid, _ = get_facility(labs, "places-json:lab-sans-place@40.417,-3.704")
    user = make_user(labs, "m2@example.org")
    add_manager(labs, fid, user["id"], by=OPERATOR)
    web = TestClient(create_app(store=labs), follow_redirects=False)
    sign_in(web, labs, user)
    page = web.get(f"/manage/facilities/{fid}", params={"lang": "fr"}).text
    assert 'id="manage-location-doubtful"' in page and "40.416800,-3.703800" in page
    token = csrf_from(web, f"/manage/facilities/{fid}")
    # re-sending the form as it is does not confirm anything
    r = web.post(
        f"/manage/facilities/{fid}", data={"csrf_token": token, "location": "40.416800,-3.703800"}
    )
    assert r.status_code == 303
    assert web.get(f"/api/facilities/{fid}").json()["location_status"] == "doubtful"
    r = web.post(
        f"/manage/facilities/{fid}",
        data={"csrf_token": token, "location": "40.416800,-3.703800", "confirm_location": "1"},
    )
    assert r.status_code == 303
    after = web.get(f"/api/facilities/{fid}").json()
    assert (after["latitude"], after["location_status"]) == (40.4168, "confirmed")
    bad = web.post(f"/manage/facilities/{fid}", data={"csrf_token": token, "location": "north"})
    assert bad.status_code == 422 and "LAT,LON" in bad.text
