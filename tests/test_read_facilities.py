"""Facility readers, normalisation and de-duplication, on extracts of the real data.

The fixtures in tests/fixtures/facilities are small real extracts (see their README);
the corpus test reads all of ../shared/data/facilities when it is there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refaire.ingest.base import detect, get_reader
from refaire.ingest.facility_merge import dedupe, merge, name_similarity, same_facility
from refaire.ingest.facility_normalise import (
    check_coordinates,
    clean_name,
    country_code,
    facility_key,
    name_key,
)
from refaire.ingest.runner import read_source
from refaire.model import Facility

FAC = Path(__file__).parent / "fixtures" / "facilities"


def read(name: str, fmt: str | None = None):
    data = (FAC / name).read_bytes()
    reader = get_reader(fmt) if fmt else detect(name, data)
    assert reader is not None, f"no reader claims {name}"
    return reader.format, reader.read(name, data)


def caps(items) -> list[tuple[str, str]]:
    return [(c.id, c.origin) for c in items]


# --- detection -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("fablabs-iopa-sample.json", "fablabs-iopa"),
        ("nesta-sample.csv", "nesta-csv"),
        ("spaceapi-00.json", "spaceapi"),
        ("spaceapi-16.json", "spaceapi"),
        ("spaceapi-list-with-junk.json", "spaceapi"),
        ("okw-atelier-fr.yml", "okw"),
        ("okw-snake-case.json", "okw"),
        ("places-latitude.csv", "places-csv"),
        ("places-latlng.csv", "places-csv"),
    ],
)
def test_detect_by_content(name: str, fmt: str) -> None:
    data = (FAC / name).read_bytes()
    # A neutral name: detection must come from the bytes.
    assert detect("upload.bin", data).format == fmt


# --- fablabs.io list -------------------------------------------------------------------------


def test_fablabs_rows() -> None:
    fmt, result = read("fablabs-iopa-sample.json")
    assert fmt == "fablabs-iopa"
    assert len(result.facilities) == 21
    assert result.problems == []
    ping = next(f for f in result.facilities if f.name == "PiNG")
    assert ping.key == "fablabs-iopa:686c45f0-9a1f-4242-8e4d-65e6b6841575"
    assert (ping.latitude, ping.longitude) == (47.218371, -1.55362100000002)
    assert ping.country == "FR" and ping.city == "Nantes" and ping.kind == "fablab"
    assert ping.description is None  # every row says just "fablab"
    assert ping.address == {"locality": "Nantes", "region": "Pays de la Loire", "country": "FR"}
    assert {s.field for s in ping.sources} >= {"name", "latitude", "country", "url"}
    songpa = result.facilities[0]
    assert songpa.name == "Fablab Songpa"
    # Not geocoded by the source: placed at the centre of Seoul, and marked so.
    assert songpa.location_origin == "inferred"
    assert songpa.extra["located_by_town"]["town"] == "Seoul"
    assert songpa.address["street"] == "40, Dongnam-ro 28-gil"
    orange = next(f for f in result.facilities if "Orange Digital Center" in f.name)
    assert "street" not in orange.address
    assert orange.extra["map_url"] == "https://maps.app.goo.gl/AYZTpZ8RncKXq7WEA"
    pilab = next(f for f in result.facilities if f.name == "pi:Lab")
    assert "region" not in pilab.address  # "Choose your State or Province below:"


# --- Nesta survey ----------------------------------------------------------------------------


def test_nesta_space_with_equipment_resolved() -> None:
    fmt, result = read("nesta-sample.csv")
    assert fmt == "nesta-csv"
    assert [f.name for f in result.facilities] == [
        "Build Brighton",
        "London Hackspace",
        "Fab Lab London",
        "South London Makerspace",
        "Farset Labs",
        "Camden Town Shed",
    ]
    assert [p.severity for p in result.problems] == ["warning"]  # bytes replaced: a defect, located
    assert "Windows-1252" in result.problems[0].message
    slm = result.facilities[3]
    assert slm.key == "nesta-csv:south-london-makerspace"
    assert slm.status == "closed" and slm.country == "GB"
    assert slm.extra["line"] == 259
    laser = next(e for e in slm.equipment if e.text == "Trotec Speedy 300 Laser Cutter")
    assert laser.extra["category"] == "Digital fabrication"
    assert caps(laser.processes) == [("laser-cutting", "stated")]
    # The catalogue knows the machine: its working area is inferred, never stated.
    assert laser.extra["catalogue"] == "Trotec Speedy-300"
    assert laser.bed_size_mm == (726.0, 432.0) and laser.size_origin == "inferred"
    assert ("acrylic", "inferred") in caps(laser.materials)
    printer = next(e for e in slm.equipment if e.text == "Ultimaker 2 3D printer")
    # "3D printer" is what the source says; FDM is what the catalogue model adds.
    assert caps(printer.processes) == [("3d-printing", "stated"), ("fdm", "inferred")]
    assert printer.processes[1].rule == "catalogue:Ultimaker 2"
    assert printer.build_volume_mm == (223.0, 223.0, 205.0)
    assert printer.size_origin == "inferred"


def test_nesta_quantities_sizes_and_prose() -> None:
    _, result = read("nesta-sample.csv")
    brighton = result.facilities[0]
    by_text = {e.text: e for e in brighton.equipment}
    assert by_text["Laser cutter (A4) x2"].quantity == 2
    assert by_text["Laser cutter (A4) x2"].bed_size_mm == (210.0, 297.0)
    assert by_text["Laser cutter (A4) x2"].size_origin == "stated"
    assert by_text["Multimeters (x15)"].quantity == 15
    assert by_text["Scroll saw (x3!)"].quantity == 3
    assert "[NOTE" not in " ".join(by_text)
    # "All of our machines are listed online" is a sentence, not a machine.
    fll = result.facilities[2]
    assert not any("listed online" in (e.text or "") for e in fll.equipment)
    # "Woodwork: Yes" and a sentence about joinery: capabilities, inferred only.
    camden = result.facilities[5]
    assert camden.equipment == []
    assert set(caps(camden.processes)) >= {("woodworking", "inferred"), ("ceramics", "inferred")}


# --- SpaceAPI --------------------------------------------------------------------------------


def test_spaceapi_013() -> None:
    fmt, result = read("spaceapi-00.json")
    assert fmt == "spaceapi" and result.problems == []
    (f,) = result.facilities
    assert f.name == "Technologia Incognita"
    assert f.key == "spaceapi:techinc-nl"
    assert (f.latitude, f.longitude) == (52.345558, 4.826466)
    assert f.address == {"text": "Louwesweg 1, room 1.29B, 1066 EA Amsterdam"}
    assert f.url == "https://www.techinc.nl" and f.kind == "hackerspace"
    assert f.extra["spaceapi_version"] == "0.13"


def test_spaceapi_14() -> None:
    _, result = read("spaceapi-16.json")
    (f,) = result.facilities
    assert f.name == "Maker Space" and f.extra["spaceapi_version"] == "14"
    assert (f.latitude, f.longitude) == (54.9652, -1.60233)
    assert f.extra["timezone"] == "Europe/London"


def test_spaceapi_swapped_coordinates_fixed_with_warning() -> None:
    _, result = read("spaceapi-03.json")
    (f,) = result.facilities
    assert (f.latitude, f.longitude) == (-28.07861211995512, 153.36456032145182)
    assert f.country == "AU"
    assert [p.severity for p in result.problems] == ["warning"]
    assert "swapped" in result.problems[0].message


def test_spaceapi_junk_entries_rejected_by_index() -> None:
    _, result = read("spaceapi-list-with-junk.json")
    assert [f.name for f in result.facilities] == ["haxko"]
    errors = [(p.field, p.message) for p in result.problems if p.severity == "error"]
    assert [field for field, _ in errors] == ["[1]", "[2].space", "[3].location", "[4]"]
    assert errors[0][1].startswith("entry 1: not a SpaceAPI document")
    assert errors[1][1] == "entry 2: no space name; rejected"
    assert errors[2][1] == "entry 3: bad coordinates 250.0, -300.0; rejected"


# --- OKW ------------------------------------------------------------------------------------


def test_okw_yaml_french_wikipedia_and_catalogue() -> None:
    fmt, result = read("okw-atelier-fr.yml")
    assert fmt == "okw"
    (f,) = result.facilities
    assert f.name == "Atelier partagé de l'Île"
    assert f.key == "okw:atelier-partage-de-l-ile@47.211,-1.566"
    assert (f.latitude, f.longitude) == (47.2106, -1.5658)
    assert f.country == "FR" and f.city == "Nantes" and f.status == "active"
    assert f.access_type == "Restricted with public hours"
    assert f.owner == "Association L'Atelier partagé"
    assert f.email == "contact@atelier-partage.example"
    assert caps(f.processes) == [
        ("3d-printing", "stated"),
        ("laser-cutting", "stated"),
        ("fdm", "stated"),
    ]
    assert all(c.rule == "wikipedia" for c in f.processes)
    assert caps(f.materials) == [("pla", "stated"), ("plywood", "stated")]
    prusa, laser, mill = f.equipment
    assert (prusa.make, prusa.model, prusa.quantity) == ("Prusa", "i3 MK3S", 3)
    assert prusa.equipment_type == "Imprimante 3D"
    assert prusa.text == "https://fr.wikipedia.org/wiki/Imprimante_3D"
    # Stated: it is a 3D printer. Inferred from the catalogue: FDM, materials, volume.
    assert caps(prusa.processes) == [("3d-printing", "stated"), ("fdm", "inferred")]
    assert prusa.processes[1].rule == "catalogue:Original Prusa i3 MK3S"
    assert prusa.build_volume_mm == (250.0, 210.0, 210.0)
    assert prusa.size_origin == "inferred"
    assert caps(prusa.materials) == [
        ("pla", "inferred"),
        ("abs", "inferred"),
        ("nylon", "inferred"),
    ]
    assert prusa.extra["serial_number"] == "CZPX1234X004XK12345"
    # Stated sizes and power stay stated.
    assert laser.bed_size_mm == (610.0, 305.0) and laser.size_origin == "stated"
    assert laser.laser_power_w == 60.0
    assert ("acrylic", "stated") in caps(laser.materials)
    assert caps(mill.processes) == [("cnc-milling", "stated")]
    (problem,) = result.problems
    assert (problem.field, problem.line, problem.severity) == (
        "equipment[2].quantity",
        49,
        "warning",
    )


def test_okw_snake_case_json() -> None:
    fmt, result = read("okw-snake-case.json")
    assert fmt == "okw"
    (f,) = result.facilities
    assert (f.latitude, f.longitude) == (47.2107, -1.5657)
    assert f.country == "FR" and f.access_type == "Membership"
    assert caps(f.processes) == [("laser-cutting", "stated")]
    ultimaker, sewing = f.equipment
    assert ultimaker.quantity == 2 and ultimaker.build_volume_mm == (223.0, 223.0, 205.0)
    assert caps(ultimaker.processes) == [("3d-printing", "stated"), ("fdm", "inferred")]
    assert caps(sewing.processes) == [("sewing", "stated")] and sewing.quantity == 4
    (error,) = result.problems
    assert error.severity == "error" and error.field == "[1].name"
    assert error.message == "entry 1: facility without a name; rejected"


def test_okw_bad_yaml_located() -> None:
    result = get_reader("okw").read("bad.yml", b"name: x\nfacility-status: [Active\n")
    (p,) = result.problems
    assert p.severity == "error" and p.line == 3 and "invalid YAML" in p.message


# --- generic places -------------------------------------------------------------------------


def test_places_csv_latitude_longitude() -> None:
    fmt, result = read("places-latitude.csv")
    assert fmt == "places-csv"
    names = [(f.name, f.latitude, f.longitude, f.country) for f in result.facilities]
    assert names == [
        ("PiNG", 47.218371, -1.55362100000002, "FR"),
        ("PlusX Brighton Fablab", 50.842158, -0.121241, "GB"),
        ("IROKO FabLab", 6.3736012, 2.4257544, "BJ"),
        ("Fablab Songpa", 37.566, 126.9784, "KR"),  # no coordinates: Seoul's centre
    ]
    assert [f.location_origin for f in result.facilities][-2:] == ["stated", "inferred"]
    assert result.facilities[0].key == "places-csv:ping@47.218,-1.554"


def test_places_csv_latlng_with_equipment() -> None:
    _, result = read("places-latlng.csv")
    lhs, farset, techinc = result.facilities
    assert (lhs.latitude, lhs.longitude) == (51.5277, -0.2642)
    assert farset.country == "GB"  # from "..., Belfast, BT125GH, UK"
    assert [e.text for e in lhs.equipment][:3] == ["CNC Mill", "Micro CNC", "Laser cutter"]
    assert {"cnc-milling", "laser-cutting", "3d-printing"} <= lhs.all_processes()
    assert techinc.equipment == []


def test_places_json_geojson_and_description_inferred() -> None:
    data = (
        b'{"type": "FeatureCollection", "features": [{"type": "Feature",'
        b' "geometry": {"type": "Point", "coordinates": [4.826466, 52.345558]},'
        b' "properties": {"name": "Technologia Incognita",'
        b' "description": "Hackerspace with a laser cutter and 3D printers"}},'
        b' {"type": "Feature", "geometry": null, "properties": {"title": "Null Island lab",'
        b' "lat": 0, "lon": 0}}]}'
    )
    reader = detect("places.geojson", data)
    assert reader.format == "places-json"
    result = reader.read("places.geojson", data)
    techinc, null = result.facilities
    assert (techinc.latitude, techinc.longitude) == (52.345558, 4.826466)
    assert set(caps(techinc.processes)) == {
        ("laser-cutting", "inferred"),
        ("3d-printing", "inferred"),
    }
    assert null.latitude is None
    assert [p.message for p in result.problems] == ["coordinates 0,0 are a placeholder; dropped"]


def test_places_row_without_name_rejected_with_line() -> None:
    data = b"name,lat,lng\nA lab,48.85,2.35\n,1,2\n"
    result = get_reader("places-csv").read("x.csv", data)
    assert [f.name for f in result.facilities] == ["A lab"]
    (p,) = result.problems
    assert (p.severity, p.line) == ("error", 3)


# --- normalisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("FR", "FR"),
        ("fra", "FR"),
        ("Allemagne", "DE"),
        ("Deutschland", "DE"),
        ("España", "ES"),
        ("Royaume-Uni", "GB"),
        ("Vereinigtes Königreich", "GB"),
        ("Côte d'Ivoire", "CI"),
        ("Hofgasse 19, 4020 Linz, Austria", "AT"),
        ("Cruquiusweg 3, 6827BL Arnhem, Nederland", "NL"),
        ("545 Aldo Ave #24, Santa Clara, CA 95054", None),
        ("Atlantis", None),
    ],
)
def test_country_code(value: str, code: str | None) -> None:
    assert country_code(value) == code


def test_coordinates_checks() -> None:
    assert check_coordinates("52,3", "4.8", "s").status == "ok"
    swapped = check_coordinates(153.36, -28.07, "s")
    assert (swapped.lat, swapped.lon, swapped.status) == (-28.07, 153.36, "swapped")
    zero = check_coordinates(0, 0, "s")
    assert (zero.lat, zero.status, zero.problems[0].severity) == (None, "zero", "warning")
    assert check_coordinates(250, -300, "s").status == "invalid"
    assert check_coordinates("abc", 1, "s").status == "invalid"
    assert check_coordinates(None, "", "s").status == "missing"


def test_names_and_keys() -> None:
    assert clean_name("  Fab Lab Libya \n") == "Fab Lab Libya"
    assert name_key("Fab Lab Móvel Mauá") == name_key("fablab movel maua")
    assert facility_key("okw", "Atelier", native_id="ABC-1") == "okw:abc-1"
    assert (
        facility_key("places-csv", "Le Lab", 48.85661, 2.35222) == "places-csv:le-lab@48.857,2.352"
    )
    assert facility_key("nesta-csv", "Build Brighton") == "nesta-csv:build-brighton"


# --- merge ----------------------------------------------------------------------------------


def _one(name: str) -> Facility:
    return read(name)[1].facilities[0]


def test_merge_nesta_and_spaceapi_keeps_provenance() -> None:
    nesta = next(f for f in read("nesta-sample.csv")[1].facilities if f.name == "Farset Labs")
    space = _one("spaceapi-09.json")
    assert same_facility(nesta, space)
    merged = merge(nesta, space)
    assert merged.key == "nesta-csv:farset-labs"
    assert (merged.latitude, merged.longitude) == (54.592813, -5.94068)
    assert len(merged.equipment) == len(nesta.equipment)
    by_field = {(s.field, s.format) for s in merged.sources}
    assert ("latitude", "spaceapi") in by_field and ("equipment", "nesta-csv") in by_field
    assert ("address.text", "spaceapi") in by_field
    assert ("latitude", "nesta-csv") not in by_field
    # The survey gives no coordinates: it was placed at Belfast's centre, which gives way.
    assert ("latitude", "gazetteer") not in by_field and merged.location_origin == "stated"
    assert "located_by_town" not in merged.extra
    assert merged.extra["merged_keys"] == ["spaceapi:farsetlabs-org-uk"]
    # The inputs are left as they were.
    assert nesta.location_origin == "inferred" and nesta.latitude != merged.latitude


def test_same_facility_rules() -> None:
    a = Facility(key="a", name="Fablab Brescia", latitude=45.5416, longitude=10.2118)
    b = Facility(key="b", name="Brescia Fablab", latitude=45.5420, longitude=10.2120)
    far = Facility(key="c", name="Fablab Brescia", latitude=45.80, longitude=10.60)
    other = Facility(key="d", name="Fablab Bergamo", latitude=45.5417, longitude=10.2119)
    assert same_facility(a, b)
    assert not same_facility(a, far)  # a namesake 40 km away
    assert not same_facility(a, other)  # next door, another name
    assert not same_facility(
        Facility(key="e", name="Maker Space", country="GB"),
        Facility(key="f", name="Maker Space", country="US"),
    )
    assert name_similarity("Syskrack", "Syskrack Lab") == 1.0
    assert name_similarity("BioLab Lisboa", "FabLab Lisboa") < 0.6


def test_dedupe_real_duplicates() -> None:
    labs = read("fablabs-iopa-sample.json")[1].facilities
    out = dedupe(labs)
    iroko = [f for f in out if name_key(f.name) == "iroko fablab"]
    assert len(iroko) == 1 and len(iroko[0].extra["merged_keys"]) == 1
    libya = [f for f in out if name_key(f.name) == "fablab libya"]
    assert len(libya) == 1  # Benghazi with coordinates, and the unlocated second entry
    upeu = [f for f in out if name_key(f.name) == "fablab upeu"]
    assert len(upeu) == 2  # Lima and Tarapoto: same name, far apart
    assert len(out) == len(labs) - 2


# --- the whole real corpus --------------------------------------------------------------------


def test_corpus_reads(shared_data: Path) -> None:
    root = shared_data / "facilities"
    facilities: list[Facility] = []
    by_format: dict[str, list[Facility]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        reader = detect(path.name, data)
        assert reader is not None, path
        result = reader.read(str(path), data)
        by_format.setdefault(reader.format, []).extend(result.facilities)
        facilities.extend(result.facilities)
        assert not [p for p in result.problems if p.severity == "error"], path
    labs = by_format["fablabs-iopa"]
    assert len(labs) == 2237
    # 2,036 rows are geocoded by the source; of the 201 that are not, those naming a town
    # the gazetteer knows are placed at its centre, marked inferred. One geocoded row
    # (Nevinnomyssk, RU, placed in central Siberia, 63.3 N 105.4 E, nowhere near a Russian
    # town) is set aside as doubtful: off every "near me" answer.
    stated = [f for f in labs if f.latitude is not None and f.location_origin == "stated"]
    inferred = [f for f in labs if f.location_origin == "inferred"]
    doubtful = [f for f in labs if f.location_status == "doubtful"]
    assert len(stated) == 2035
    assert [(f.latitude, f.extra["doubtful_location"]["latitude"]) for f in doubtful] == [
        (None, 63.3144252)
    ]
    assert 160 <= len(inferred) <= 201
    assert len(stated) + len(inferred) >= 2200
    assert all(f.latitude is not None and "located_by_town" in f.extra for f in inferred)
    nesta = by_format["nesta-csv"]
    assert len(nesta) == 97
    assert sum(bool(f.equipment) for f in nesta) >= 70
    assert sum(len(f.equipment) for f in nesta) >= 1500
    assert len(by_format["spaceapi"]) == 30
    assert all(f.latitude is not None for f in by_format["spaceapi"])
    assert len({f.key for f in facilities}) == len(facilities)
    merged = dedupe(facilities)
    assert len(facilities) - 80 < len(merged) < len(facilities)
    farset = next(f for f in merged if f.name == "Farset Labs")
    assert farset.latitude is not None and farset.equipment


# --- placing unlocated facilities at their town ----------------------------------------------


def test_find_town_needs_country_and_reads_us_states() -> None:
    from refaire.vocab.gazetteer import find_town

    troy_ny = find_town("US", "TROY", "NY")
    assert troy_ny is not None and troy_ny.region_code == "NY"
    assert find_town("US", "Troy", "Michigan").region_code == "MI"
    assert find_town("US", "Washington", "NJ").region_code == "NJ"  # not a suburb's old name
    assert find_town("FR", "saint etienne").name == "Saint-Étienne"
    assert find_town("GR", "Chania, Crete").name == "Chaniá"
    assert find_town("RE", "Saint-Pierre cedex").name == "Saint-Pierre"
    assert find_town("DE", "München").name == "Munich"
    assert find_town(None, "Paris") is None
    assert find_town("FR", "Nowhere-sur-Rien") is None
    assert find_town("FR", "") is None


def test_unlocated_lab_is_placed_at_its_town_as_inferred() -> None:
    rows = [
        {
            "facility": {"name": "Fablab Bordeaux Quai", "facility_id": "u-1"},
            "region": {"country": "FR", "state_region": "nouvelle aquitaine",
                       "city_town": "bordeaux"},
            "address": {"extended": "10 Quai de Brazza"},
            "geocoding": None,
        },
        {
            "facility": {"name": "Lab Nowhere", "facility_id": "u-2"},
            "region": {"country": "FR", "city_town": "Nowhere-sur-Rien"},
            "geocoding": None,
        },
    ]  # fmt: skip
    result = read_source("labs.json", json.dumps(rows).encode())
    placed, unplaced = result.facilities
    assert placed.location_origin == "inferred"
    assert abs(placed.latitude - 44.84) < 0.05 and abs(placed.longitude + 0.58) < 0.05
    assert placed.extra["located_by_town"]["town"] == "Bordeaux"
    gazetteer = [s for s in placed.sources if s.field == "latitude"]
    assert [s.format for s in gazetteer] == ["gazetteer"]
    assert unplaced.latitude is None and unplaced.location_origin == "stated"


def test_stated_location_beats_a_town_centre_when_merging() -> None:
    town = Facility(
        key="a",
        name="Fab Lab Halle",
        country="DE",
        latitude=51.48,
        longitude=11.97,
        location_origin="inferred",
        extra={"located_by_town": {"town": "Halle"}},
    )
    stated = Facility(
        key="b", name="Fab Lab Halle", country="DE", latitude=51.50, longitude=12.20
    )  # ~16 km from the town centre
    assert same_facility(town, stated)
    for merged in (merge(town, stated), merge(stated, town)):
        assert (merged.latitude, merged.longitude) == (51.50, 12.20)
        assert merged.location_origin == "stated"
        assert "located_by_town" not in merged.extra
    # Two labs of a town both placed at its centre are not one lab for being 0 m apart.
    other = Facility(
        key="c",
        name="Fablab Hallesche",
        country="DE",
        latitude=51.48,
        longitude=11.97,
        location_origin="inferred",
    )
    assert not same_facility(town, other)
