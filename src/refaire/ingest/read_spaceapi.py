"""Reader for SpaceAPI documents (hackerspace status endpoints), every published version.

Versions 0.8 to 0.12 keep `lat`, `lon`, `address` at the top level; 0.13 and 14 keep
them under `location` (both are read).
A source is one document or a JSON list of them (a directory snapshot is read file by
file by the import runner). v0.13 says ``"api": "0.13"``; v14 says
``"api_compatibility": ["14"]`` (some endpoints give both, some a bare string "14").
An entry that is not a SpaceAPI document, has no space name or has unusable coordinates
is rejected with an error naming its index; the other entries go on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

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
from refaire.model import Facility, Problem

FORMAT = "spaceapi"


def sniff(name: str, head: bytes) -> float:
    text = head.lstrip()
    if not text.startswith((b"{", b"[")):
        return 0.0
    has_space = b'"space"' in head
    has_api = b'"api"' in head or b'"api_compatibility"' in head
    return 0.9 if has_space and has_api else 0.0


def api_version(doc: dict[str, Any]) -> str | None:
    """'14' if the document declares v14 compatibility, else its 'api' string, else None."""
    compat = doc.get("api_compatibility")
    compat = [compat] if isinstance(compat, str | int | float) else compat
    if isinstance(compat, list) and any(str(v).strip() == "14" for v in compat):
        return "14"
    api = doc.get("api")
    return str(api).strip() if isinstance(api, str | int | float) and str(api).strip() else None


# Every published version: 0.8 to 0.12 put `lat`, `lon` and `address` at the top level of
# the document; 0.13 moved them into `location` (with `location.address`); 14 kept that and
# added `location.country_code`.
OLD_VERSIONS = ("0.8", "0.9", "0.11", "0.12")
KNOWN_VERSIONS = (*OLD_VERSIONS, "0.13", "14")


def _location(doc: dict[str, Any], location: dict[str, Any]) -> tuple[Any, Any, str | None, str]:
    """(lat, lon, address, field read) from `location` (0.13, 14), else from the top level
    (0.12 and before): an older document keeps its place instead of losing it silently."""
    lat, lon = location.get("lat"), location.get("lon", location.get("lng"))
    address = first_text(location.get("address"))
    field = "location"
    if lat is None and lon is None and ("lat" in doc or "lon" in doc or "lng" in doc):
        lat, lon, field = doc.get("lat"), doc.get("lon", doc.get("lng")), "lat"
    if address is None:
        address = first_text(doc.get("address"))
    return lat, lon, address, field


def _site(url: str | None) -> str | None:
    """'https://www.techinc.nl/' -> 'techinc.nl'."""
    if not url:
        return None
    try:
        parsed = urlparse(url if "//" in url else f"//{url}")
        host = (parsed.hostname or "").removeprefix("www.")
    except ValueError:  # "http://[::1": no site to identify the space by
        return None
    return (host + parsed.path.rstrip("/")) or None


def _entry(source: str, index: int | None, doc: Any, result: ReadResult) -> Facility | None:
    label = "document" if index is None else f"entry {index}"
    where = "" if index is None else f"[{index}]"

    def reject(field: str | None, message: str) -> None:
        path = f"{where}.{field}" if field and where else (field or where or None)
        result.problems.append(Problem(source, "error", path, f"{label}: {message}; rejected"))
        result.rejected += 1

    if not isinstance(doc, dict):
        reject(None, f"not a SpaceAPI document (a JSON {type(doc).__name__})")
        return None
    version = api_version(doc)
    if version is None:
        reject(None, "not a SpaceAPI document (neither 'api' nor 'api_compatibility')")
        return None
    name = clean_name(doc.get("space")) if isinstance(doc.get("space"), str) else ""
    if not name:
        reject("space", "no space name")
        return None
    location = doc.get("location") if isinstance(doc.get("location"), dict) else {}
    lat, lon, address_text, field = _location(doc, location)
    coords = check_coordinates(lat, lon, source, f"{where}.{field}".lstrip("."))
    if coords.status == "invalid":
        reject(field, f"bad coordinates {lat!r}, {lon!r}")
        return None
    problems = list(coords.problems)
    if version not in KNOWN_VERSIONS:
        msg = f"{label}: SpaceAPI version {version!r} is read as 0.13/14"
        problems.append(Problem(source, "info", f"{where}.api".lstrip("."), msg))

    address = {"text": address_text} if address_text else {}
    stated_code = first_text(location.get("country_code"))
    country = country_code(stated_code) if stated_code else None
    country = country or (country_code(address_text) if address_text else None)
    if country:
        address["country"] = country
    contact = doc.get("contact") if isinstance(doc.get("contact"), dict) else {}
    state = doc.get("state") if isinstance(doc.get("state"), dict) else {}
    url = first_text(doc.get("url"))
    extra: dict[str, Any] = {"spaceapi_version": version}
    for key in ("logo", "projects", "membership_plans"):
        if doc.get(key):
            extra[key] = doc[key]
    if first_text(location.get("timezone")):
        extra["timezone"] = location["timezone"]
    if isinstance(state.get("message"), str) and state["message"].strip():
        extra["state_message"] = state["message"].strip()
    pricing = {"membership_plans": doc["membership_plans"]} if doc.get("membership_plans") else {}
    facility = Facility(
        # The endpoint's site is the space's only stable identity in SpaceAPI.
        key=facility_key(FORMAT, name, coords.lat, coords.lon, _site(url)),
        name=name,
        kind="hackerspace",
        latitude=coords.lat,
        longitude=coords.lon,
        address=address,
        country=country,
        url=url,
        # Some spaces obfuscate ("hack AT techinc DOT nl"): kept as published.
        email=first_text(contact.get("email"), doc.get("email")),
        pricing=pricing,
        problems=problems,
        extra=extra,
    )
    return finish_facility(facility, source, FORMAT)


def read(source: str, data: bytes) -> ReadResult:
    doc, problems = load_json(source, data)
    result = ReadResult(problems=problems)
    if doc is None:
        return result
    if isinstance(doc, dict) and api_version(doc) is None and "space" not in doc:
        result.skipped, result.skip_reason = True, "JSON object without SpaceAPI keys"
        return result
    entries = list(enumerate(doc)) if isinstance(doc, list) else [(None, doc)]
    for index, entry in entries:
        label = "document" if index is None else f"entry {index}"
        with one_entry(result, source, label, None if index is None else f"[{index}]"):
            facility = _entry(source, index, entry, result)
            if facility is not None:
                result.problems.extend(facility.problems)
                result.facilities.append(facility)
    return result


register(Reader(format=FORMAT, kind="facility", sniff=sniff, read=read))
