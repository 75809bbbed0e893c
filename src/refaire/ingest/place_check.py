"""Coordinates checked against the country and town a record names.

A pair read in the wrong order (a "latlng" list taken as GeoJSON's lon,lat) lands whole
lists of labs thousands of kilometres away, in a place that still looks precise. Every
facility reader ends here (via `finish_facility`): when the pair falls outside the named
country and the swapped pair falls inside, the pair is swapped with a warning; when neither does, the pair is kept aside as *doubtful*
(``extra["doubtful_location"]``), the facility has no usable location, and so it is off
every "near me" answer (facility search radius, match radius, map) until a manager
states its location.

Refaire ships no country borders: a country "holds" a point when GeoNames has a town of
at least 500 inhabitants of that country (or of one of its overseas territories) within
`COUNTRY_REACH_DEG` degrees of it (`data/country_cells.json`, 67 kB, built by
`data/build_country_cells.py`). That settles errors of hundreds or thousands of
kilometres (a swapped pair, a geocoder's country centroid), not a border by a few
kilometres; a country it does not know is not checked ("unchecked"). The named town
decides only between two orders that both fit the country: the gazetteer lists towns of
5,000 inhabitants, so a village's name often meets a larger town elsewhere, which must not
make a good pair doubtful.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from refaire.geo import haversine_km
from refaire.model import Facility, Problem

DATA = Path(__file__).with_name("data") / "country_cells.json"
# Cells searched around the point: ±1° (110 km north and south, less east-west at high
# latitudes). A swapped pair (48.85, 2.35 → 2.35, 48.85) is 6,000 km off.
COUNTRY_REACH_DEG = 1
# Records name the sovereign state where GeoNames files its territories apart:
# Kourou is in "FR" for fablabs.io, in GF for GeoNames.
TERRITORIES = {
    "FR": ("GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "TF"),
    "US": ("PR", "GU", "VI", "AS", "MP", "UM"),
    "GB": ("GG", "JE", "IM", "GI", "BM", "KY", "VG", "TC", "MS", "AI", "FK", "SH", "PN"),
    "NL": ("AW", "CW", "SX", "BQ"),
    "DK": ("GL", "FO"),
    "NO": ("SJ",),
    "FI": ("AX",),
    "AU": ("CX", "CC", "NF"),
    "NZ": ("CK", "NU", "TK"),
    "CN": ("HK", "MO"),
}

Status = Literal["agrees", "unchecked", "doubtful", "swapped"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the check found: `status`, the pair to keep and, when not agreeing, why."""

    status: Status
    latitude: float
    longitude: float
    reason: str = ""


@cache
def _cells() -> dict[str, frozenset[int]]:
    table = json.loads(DATA.read_text(encoding="utf-8"))["countries"]
    return {code: frozenset(cells) for code, cells in table.items()}


def _cell(lat: int, lon: int) -> int:
    return (lat + 90) * 360 + (lon + 180) % 360


def in_country(lat: float, lon: float, country: str) -> bool:
    """Whether `country` (or a territory of it) has a town within the reach of the point."""
    table = _cells()
    held = [table.get(c, frozenset()) for c in (country, *TERRITORIES.get(country, ()))]
    base_lat, base_lon = int(lat // 1), int(lon // 1)
    r = COUNTRY_REACH_DEG
    for dlat in range(-r, r + 1):
        for dlon in range(-r, r + 1):
            cell = _cell(base_lat + dlat, base_lon + dlon)
            if any(cell in cells for cells in held):
                return True
    return False


def _town_km(lat: float, lon: float, country: str, town: str | None) -> float | None:
    from refaire.vocab.gazetteer import towns_in_country

    towns = towns_in_country(country, town)
    if not towns:
        return None
    return min(haversine_km(lat, lon, t.latitude, t.longitude) for t in towns)


def check_pair(lat: float, lon: float, country: str | None, town: str | None = None) -> Verdict:
    """The verdict on a pair for a record naming `country` (ISO alpha-2) and `town`."""
    code = (country or "").strip().upper()
    if not code or code not in _cells():
        return Verdict("unchecked", lat, lon)
    fits = in_country(lat, lon, code)
    swap_fits = abs(lon) <= 90 and in_country(lon, lat, code)
    if fits and swap_fits and lat != lon and town:
        # Both orders in the country (near the equator and the meridian): the town decides.
        here, there = _town_km(lat, lon, code, town), _town_km(lon, lat, code, town)
        if here is not None and there is not None and there < here / 4:
            return Verdict("swapped", lon, lat, f"{here:,.0f} km from {town}")
    if fits:
        return Verdict("agrees", lat, lon)
    if swap_fits:
        return Verdict("swapped", lon, lat, f"not in {code}")
    return Verdict("doubtful", lat, lon, f"not in {code}")


def check_location(facility: Facility, source: str) -> Verdict | None:
    """Check a facility's stated coordinates in place; None when it has none.

    Swapped pairs are fixed (a warning, ``extra["location_swapped"]`` keeps the pair as
    read); doubtful ones move to ``extra["doubtful_location"]`` (a warning) and leave
    the facility unlocated, so no radius, match or map uses them.
    """
    if facility.latitude is None or facility.longitude is None:
        return None
    if facility.location_origin != "stated":
        return None
    lat, lon = facility.latitude, facility.longitude
    town = facility.city or facility.address.get("locality")
    verdict = check_pair(lat, lon, facility.country, town)
    named = ", ".join(x for x in (town, facility.country) if x)
    if verdict.status == "swapped":
        facility.latitude, facility.longitude = verdict.latitude, verdict.longitude
        facility.location_status = "agrees"
        facility.extra["location_swapped"] = {"read": [lat, lon], "reason": verdict.reason}
        msg = (
            f"{facility.name}: coordinates {lat}, {lon} are {verdict.reason}; the swapped pair "
            f"{verdict.latitude}, {verdict.longitude} is in {named}: swapped"
        )
        facility.problems.append(Problem(source, "warning", "location", msg))
    elif verdict.status == "doubtful":
        facility.latitude = facility.longitude = None
        facility.location_status = "doubtful"
        facility.extra["doubtful_location"] = {
            "latitude": lat,
            "longitude": lon,
            "reason": verdict.reason,
        }
        msg = (
            f"{facility.name}: coordinates {lat}, {lon} are {verdict.reason} (named: {named}), "
            "nor is the "
            "swapped pair: kept as doubtful, left out of 'near me' answers until confirmed"
        )
        facility.problems.append(Problem(source, "warning", "location", msg))
    else:
        facility.location_status = verdict.status
    return verdict
