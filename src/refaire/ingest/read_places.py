"""Readers for generic lists of places: "places-csv" and "places-json".

The fallback for the many home-made lists of makerspaces (spreadsheets, map exports,
GeoJSON): a name, coordinates under whatever key is usual (lat/lon, lat/lng,
latitude/longitude, a "lat,lon" string under latlng/gps/coordinates, geo {lat, lon},
GeoJSON [lon, lat], a "latlng" list [lat, lon]), an address, a url, a description and maybe a list of equipment.
Equipment lists become Equipment entries; the description is read for capabilities that
are marked inferred. Sniff scores stay below the specific formats' so those win.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from refaire.ingest.base import Reader, ReadResult, one_entry, register
from refaire.ingest.decode import csv_rows, decode_text, first_line, load_json
from refaire.ingest.facility_normalise import (
    PROCESS,
    add_caps,
    check_coordinates,
    clean_name,
    country_code,
    facility_key,
    finish_facility,
    first_text,
    parse_pair,
    resolve_caps,
)
from refaire.ingest.read_nesta import prose_capabilities, split_items, tools_to_equipment
from refaire.model import Facility, Problem


def _fold(key: Any) -> str:
    return re.sub(r"[^a-z0-9]", "", str(key).lower())


def _aliases(*names: str) -> frozenset[str]:
    return frozenset(_fold(n) for n in names)


NAME = _aliases("name", "title", "nom", "nombre", "label", "facility", "facility_name", "space")
LAT = _aliases("lat", "latitude", "lat_deg")
LON = _aliases("lon", "lng", "long", "longitude", "lon_deg")
PAIR = _aliases("latlng", "latlon", "lat_lng", "lat_lon", "gps", "gps_coordinates", "coords")
POINT = _aliases("geo", "location", "position", "coordinates", "geometry", "point")
ADDRESS = _aliases("address", "adresse", "direccion", "street", "full_address", "street_address")
CITY = _aliases("city", "town", "ville", "locality", "ciudad", "stadt", "commune")
COUNTRY = _aliases("country", "pays", "pais", "land", "country_code")
POSTCODE = _aliases("postcode", "zip", "zip_code", "postal_code", "code_postal", "plz")
URL = _aliases("url", "website", "web", "homepage", "site", "link", "site_web")
EMAIL = _aliases("email", "mail", "e_mail", "contact_email")
DESCRIPTION = _aliases("description", "desc", "about", "summary", "notes", "descripcion")
EQUIPMENT = _aliases("equipment", "equipement", "machines", "tools", "outils", "equipamiento")
PROCESSES = _aliases("processes", "capabilities", "services", "procedes", "manufacturing_processes")
KIND = _aliases("type", "kind", "category", "categorie")


def _pick(row: dict[str, Any], names: frozenset[str]) -> Any:
    for key, value in row.items():
        if _fold(key) in names and value not in (None, "", [], {}):
            return value
    return None


def _has(keys: set[str], names: frozenset[str]) -> bool:
    return bool(keys & names)


# Where a bare [a, b] list follows GeoJSON's [lon, lat]; under every other key ("latlng",
# "gps", "position", "location", "point") map libraries and spreadsheets write [lat, lon].
# Either way the pair is then checked against the country and town the record names
# (`place_check`), which swaps it back when only the other order fits.
LON_FIRST = _aliases("coordinates", "geometry")


def _list_pair(value: list[Any], lon_first: bool) -> tuple[Any, Any]:
    return (value[1], value[0]) if lon_first else (value[0], value[1])


def _coords(row: dict[str, Any]) -> tuple[Any, Any]:
    lat, lon = _pick(row, LAT), _pick(row, LON)
    if lat is not None or lon is not None:
        return lat, lon
    for names in (PAIR, POINT):
        for key, value in row.items():
            if _fold(key) not in names or value in (None, "", [], {}):
                continue
            if isinstance(value, str):
                return parse_pair(value)
            if isinstance(value, dict):
                if isinstance(value.get("coordinates"), list) and len(value["coordinates"]) >= 2:
                    return _list_pair(value["coordinates"], lon_first=True)  # GeoJSON geometry
                return _pick(value, LAT), _pick(value, LON)
            if isinstance(value, list) and len(value) >= 2:
                return _list_pair(value, lon_first=_fold(key) in LON_FIRST)
    return None, None


def place_to_facility(
    row: dict[str, Any], fmt: str, source: str, where: str, line: int | None, result: ReadResult
) -> Facility | None:
    """One generic place record to a Facility, or None (with an error) when it has no name."""
    name = clean_name(first_text(_pick(row, NAME)))
    if not name:
        msg = f"{where}: place without a name; rejected"
        result.problems.append(Problem(source, "error", where, msg, line))
        result.rejected += 1
        return None
    lat, lon = _coords(row)
    coords = check_coordinates(lat, lon, source, f"{where}.coordinates", line)
    address: dict[str, str] = {}
    for key, names in (
        ("text", ADDRESS),
        ("locality", CITY),
        ("postal_code", POSTCODE),
        ("country", COUNTRY),
    ):
        value = _pick(row, names)
        if isinstance(value, str | int) and str(value).strip():
            address[key] = str(value).strip()
    problems = list(coords.problems)
    country = country_code(address.get("country")) or country_code(address.get("text"))
    if address.get("country") and country is None:
        msg = f"unknown country {address['country']!r}"
        problems.append(Problem(source, "warning", f"{where}.country", msg, line))
    if country:
        address["country"] = country
    facility = Facility(
        key=facility_key(fmt, name, coords.lat, coords.lon),
        name=name,
        description=first_text(_pick(row, DESCRIPTION)),
        kind=first_text(_pick(row, KIND)),
        latitude=coords.lat,
        longitude=coords.lon,
        address=address,
        country=country,
        city=address.get("locality"),
        url=first_text(_pick(row, URL)),
        email=first_text(_pick(row, EMAIL)),
        problems=problems,
    )
    equipment = _pick(row, EQUIPMENT)
    prose: list[str] = [facility.description] if facility.description else []
    for text in equipment if isinstance(equipment, list) else [equipment]:
        if isinstance(text, str) and text.strip():
            found, rest = tools_to_equipment(text.replace(";", "\n"))
            facility.equipment.extend(found)
            prose.extend(rest)
    processes = _pick(row, PROCESSES)
    for text in processes if isinstance(processes, list) else [processes]:
        for item in split_items(text.replace(";", "\n")) if isinstance(text, str) else []:
            add_caps(facility.processes, resolve_caps(item, PROCESS, origin="stated"))
    prose_capabilities(facility, prose)
    result.problems.extend(problems)
    return finish_facility(facility, source, fmt)


# --- CSV -----------------------------------------------------------------------------------


def _csv_header(head: bytes) -> list[str]:
    first = first_line(head)
    if not first:
        return []
    delimiter = max(",;\t", key=first.count)
    return next(csv.reader([first], delimiter=delimiter), [])


def sniff_csv(name: str, head: bytes) -> float:
    keys = {_fold(k) for k in _csv_header(head)}
    if not _has(keys, NAME):
        return 0.0
    located = (_has(keys, LAT) and _has(keys, LON)) or _has(keys, PAIR) or _has(keys, POINT)
    return 0.6 if located else (0.5 if _has(keys, ADDRESS | CITY) else 0.0)


def read_csv(source: str, data: bytes) -> ReadResult:
    text, problems = decode_text(source, data)
    result = ReadResult(problems=problems)
    first = text.splitlines()[:1]
    delimiter = max(",;\t", key=first[0].count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        result.skipped, result.skip_reason = True, "empty CSV"
        return result
    for line, cells in csv_rows(reader, source, result.problems):
        if any(c.strip() for c in cells):
            row = dict(zip(header, cells, strict=False))
            with one_entry(result, source, f"row {line}", line=line):
                fac = place_to_facility(row, "places-csv", source, f"row {line}", line, result)
                if fac is not None:
                    result.facilities.append(fac)
    return result


# --- JSON ----------------------------------------------------------------------------------


def _records(doc: Any) -> list[Any] | None:
    if isinstance(doc, list):
        return doc
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("features"), list):
        # GeoJSON FeatureCollection: properties plus the point geometry.
        return [
            {**(f.get("properties") or {}), "geometry": f.get("geometry")}
            if isinstance(f, dict)
            else f
            for f in doc["features"]
        ]
    for value in doc.values():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            return value
    return [doc] if _pick(doc, NAME) else None


def sniff_json(name: str, head: bytes) -> float:
    if not head.lstrip().startswith((b"[", b"{")):
        return 0.0
    keys = {_fold(m.decode()) for m in re.findall(rb'"([A-Za-z_ -]{2,30})"\s*:', head)}
    if not _has(keys, NAME):
        return 0.0
    located = (_has(keys, LAT) and _has(keys, LON)) or _has(keys, PAIR) or _has(keys, POINT)
    return 0.55 if located else 0.0


def read_json(source: str, data: bytes) -> ReadResult:
    doc, problems = load_json(source, data)
    result = ReadResult(problems=problems)
    if doc is None:
        return result
    records = _records(doc)
    if records is None:
        result.skipped, result.skip_reason = True, "no list of places"
        return result
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            msg = f"entry {index}: a {type(record).__name__}, expected an object; rejected"
            result.problems.append(Problem(source, "error", f"[{index}]", msg))
            result.rejected += 1
            continue
        with one_entry(result, source, f"entry {index}", f"[{index}]"):
            fac = place_to_facility(record, "places-json", source, f"[{index}]", None, result)
            if fac is not None:
                result.facilities.append(fac)
    return result


register(Reader(format="places-csv", kind="facility", sniff=sniff_csv, read=read_csv))
register(Reader(format="places-json", kind="facility", sniff=sniff_json, read=read_json))
