"""Reader for the fablabs.io-derived list (iop-alliance/okw_data_management, CC BY 4.0).

A JSON list of relational rows, one per lab, each joining four tables by uuid:
``{"facility": {name, url, description, facility_id}, "region": {country, state_region,
city_town}, "address": {extended, zip_code} | null, "geocoding": {latitude, longitude} |
null, "location": {...ids}}``. It holds location only: no equipment; each lab gets the
Fab Charter inventory as *probable* processes (`ingest/probable.py`).
"""

from __future__ import annotations

import re
from typing import Any

from refaire.ingest.base import Reader, ReadResult, one_entry, register
from refaire.ingest.decode import load_json
from refaire.ingest.facility_normalise import (
    check_coordinates,
    clean_name,
    country_code,
    facility_key,
    finish_facility,
    first_text,
)
from refaire.ingest.probable import add_fab_inventory
from refaire.model import Facility, Problem

FORMAT = "fablabs-iopa"
# Form prompts left in the data by the fablabs.io sign-up page.
_PLACEHOLDERS = re.compile(r"^(choose your .*|select .*|n/?a|none|-+)$", re.I)


def sniff(name: str, head: bytes) -> float:
    text = head.lstrip()
    if not text.startswith(b"["):
        return 0.0
    hits = sum(k in head for k in (b'"facility"', b'"geocoding"', b'"region"', b'"facility_id"'))
    return 0.95 if hits >= 3 else 0.0


def _text(value: Any) -> str | None:
    text = first_text(value)
    return None if text is None or _PLACEHOLDERS.match(text) else text


def _row(source: str, index: int, row: Any, result: ReadResult) -> Facility | None:
    where = f"[{index}]"
    if not isinstance(row, dict) or not isinstance(row.get("facility"), dict):
        msg = f"entry {index}: not a fablabs.io lab row (no 'facility' object); skipped"
        result.problems.append(Problem(source, "error", where, msg))
        result.rejected += 1
        return None
    fac = row["facility"]
    name = clean_name(fac.get("name"))
    if not name:
        msg = f"entry {index}: lab without a name; skipped"
        result.problems.append(Problem(source, "error", f"{where}.facility.name", msg))
        result.rejected += 1
        return None
    region = row.get("region") if isinstance(row.get("region"), dict) else {}
    addr = row.get("address") if isinstance(row.get("address"), dict) else {}
    geo = row.get("geocoding") if isinstance(row.get("geocoding"), dict) else {}

    coords = check_coordinates(
        geo.get("latitude"), geo.get("longitude"), source, f"{where}.geocoding"
    )
    country = None
    raw_country = _text(region.get("country"))
    if raw_country:
        country = country_code(raw_country)
        if country is None:
            msg = f"entry {index}: unknown country {raw_country!r}"
            coords.problems.append(Problem(source, "warning", f"{where}.region.country", msg))

    address: dict[str, str] = {}
    extra: dict[str, Any] = {}
    street = _text(addr.get("extended"))
    # Some labs paste a map link where the street goes: keep it, but not as a street.
    if street and street.startswith(("http://", "https://")):
        extra["map_url"] = street
    elif street:
        address["street"] = street
    for key, value in (
        ("postal_code", _text(addr.get("zip_code"))),
        ("locality", _text(region.get("city_town"))),
        ("region", _text(region.get("state_region"))),
        ("country", country),
    ):
        if value:
            address[key] = value

    description = _text(fac.get("description"))
    kind = "fablab"
    # Every row says just "fablab": that is the kind of place, not a description.
    if description and description.lower().replace(" ", "") == "fablab":
        description = None
    native_id = _text(fac.get("facility_id"))
    if native_id:
        extra["fablabs_io_id"] = native_id
    facility = Facility(
        key=facility_key(FORMAT, name, coords.lat, coords.lon, native_id),
        name=name,
        description=description,
        kind=kind,
        latitude=coords.lat,
        longitude=coords.lon,
        address=address,
        country=country,
        city=address.get("locality"),
        url=_text(fac.get("url")),
        problems=[p for p in coords.problems],
        extra=extra,
    )
    # A fablabs.io lab subscribes to the Fab Charter: its shared inventory is probable.
    return add_fab_inventory(finish_facility(facility, source, FORMAT))


def read(source: str, data: bytes) -> ReadResult:
    rows, problems = load_json(source, data)
    result = ReadResult(problems=problems)
    if rows is None:
        return result
    if not isinstance(rows, list):
        result.skipped, result.skip_reason = True, "not a JSON list of fablabs.io rows"
        return result
    for index, row in enumerate(rows):
        with one_entry(result, source, f"entry {index}", f"[{index}]"):
            facility = _row(source, index, row, result)
            if facility is not None:
                result.problems.extend(facility.problems)
                result.facilities.append(facility)
    return result


register(Reader(format=FORMAT, kind="facility", sniff=sniff, read=read))
