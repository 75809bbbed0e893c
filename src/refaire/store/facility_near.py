"""An in-memory index of located facilities, for radius + capability queries.

The plain indexed SQL query (latitude/longitude index, an EXISTS probe per candidate
for the process) costs a B-tree walk over the whole latitude band and one index probe
per candidate, every query. Here the located facilities are held once in numpy arrays
ordered by latitude band (CELL_DEG high) then longitude: the part of a bounding box in one
band is one range found by binary search, and each row keeps the processes and
materials it offers as bits, so the process filter is one AND over the rows of those
few ranges. Each process also has its own list of the rows offering it, in the same
order: for a small box, the rows offering the process are found by binary search in
those lists directly, and no other row of the box is looked at. Distances are the
haversine of `refaire.geo` (inlined over precomputed radians and cosines for a few rows,
vectorised for many); only the page shown is turned into Python objects.

Like the design facet index, it records the store's "facilities" generation
(`refaire.store.generations`, moved by every facility write) and is rebuilt when it
moved, so a query never answers from a stale index, whichever process wrote.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from refaire.geo import CELL_DEG, EARTH_RADIUS_KM, bounding_box
from refaire.store.db import Store
from refaire.store.generations import current_fast
from refaire.store.tables import facilities, facility_capabilities

# Rows are ordered by latitude band, then longitude: one band's part of a bounding box
# is one contiguous range, found by binary search on band * _BAND_STRIDE + lon + 180.
_BAND_DEG = CELL_DEG
_BAND_STRIDE = 400.0  # more than the 360 degrees of longitude
# Up to this many rows in the bounding box, the rows are filtered in plain Python.
_SMALL = 400
_WORD = (1 << 64) - 1


def _band(lat: float) -> int:
    return int((lat + 90.0) // _BAND_DEG)


@dataclass
class NearIndex:
    generation: int
    key_list: list[float]  # ascending: band * _BAND_STRIDE + longitude + 180
    lat: np.ndarray  # float64[n]
    lon: np.ndarray  # float64[n]
    name_rank: np.ndarray  # int64[n]: position in (name_sort, id) order, for ties
    country: np.ndarray  # object[n]
    rows: list[tuple[Any, ...]]  # (id, name, lat, lon, location_origin, country, city, kind)
    caps: list[dict[str, list[str]]]  # sorted processes / materials of each row
    codes: dict[str, dict[str, int]]  # kind -> value -> bit number
    bits: dict[str, np.ndarray]  # kind -> uint64[n, words]: the values each row offers
    bits_py: dict[str, list[int]]  # the same bits as Python ints, for few rows
    # plain-list copies of lat, lon, name_rank: indexing them is cheaper than numpy's
    lat_list: list[float]
    lon_list: list[float]
    rank_list: list[int]
    rad_list: list[float]  # radians of each latitude
    cos_list: list[float]  # cosine of that
    # process -> (keys, positions) of the rows offering it, ascending like `key_list`
    offering: dict[str, tuple[list[float], list[int]]]

    def _bounds(self, lat: float, lon: float, radius_km: float) -> list[tuple[float, float]]:
        """(low, high) keys of the bounding box in each latitude band it crosses."""
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
        out = []
        for band in range(_band(min_lat), _band(max_lat) + 1):
            base = band * _BAND_STRIDE + 180.0
            out.append((base + min_lon, base + max_lon))
        return out

    def _ranges(self, lat: float, lon: float, radius_km: float) -> list[tuple[int, int]]:
        """[start, end) position ranges holding every row of the bounding box: one per band."""
        out = []
        for low, high in self._bounds(lat, lon, radius_km):
            start = bisect_left(self.key_list, low)
            end = bisect_right(self.key_list, high, start)
            if end > start:
                out.append((start, end))
        return out

    def _offering(
        self, bounds: list[tuple[float, float]], processes: list[str]
    ) -> list[int] | None:
        """Positions of the rows of the box offering one of `processes`, from the
        per-process lists; None when there are more than _SMALL of them (the array path
        is cheaper then)."""
        slices = []
        count = 0
        for value in set(processes):
            listed = self.offering.get(value)
            if listed is None:
                continue
            keys = listed[0]
            for low, high in bounds:
                start = bisect_left(keys, low)
                end = bisect_right(keys, high, start)
                if end > start:
                    slices.append((listed[1], start, end))
                    count += end - start
                    if count > _SMALL:
                        return None
        if len({id(p) for p, _a, _b in slices}) <= 1:
            return [p for pos, a, b in slices for p in pos[a:b]]
        # a row offering several of the processes is listed under each
        return list({p for pos, a, b in slices for p in pos[a:b]})

    def _wanted(self, kind: str, values: list[str]) -> int:
        """The bits of `values` for `kind` (0: nobody offers any of them)."""
        known = self.codes.get(kind, {})
        return sum(1 << known[v] for v in set(values) if v in known)

    def near(
        self,
        lat: float,
        lon: float,
        radius_km: float,
        processes: list[str] | None = None,
        material: str | None = None,
        country: str | None = None,
    ) -> tuple[Sequence[int], Sequence[float]]:
        """(positions, distances) of the facilities within the radius offering the filters,
        in answer order: nearest first, equal distances by name then id."""
        filters = []  # (bits of each row, wanted bits)
        if processes:
            filters.append(("process", self._wanted("process", processes)))
        if material:
            filters.append(("material", self._wanted("material", [material])))
        if any(w == 0 for _k, w in filters):
            return [], []
        country = country.upper() if country else None
        if processes:
            listed = self._offering(self._bounds(lat, lon, radius_km), processes)
            if listed is not None:
                # the process filter is already applied: only the material remains
                rest = [f for f in filters if f[0] != "process"]
                return self._near_few(lat, lon, radius_km, listed, rest, country)
        ranges = self._ranges(lat, lon, radius_km)
        if not ranges:
            return [], []
        if sum(b - a for a, b in ranges) <= _SMALL:
            cand = [p for a, b in ranges for p in range(a, b)]
            return self._near_few(lat, lon, radius_km, cand, filters, country)
        return self._near_many(lat, lon, radius_km, ranges, filters, country)

    def _near_few(
        self,
        lat: float,
        lon: float,
        radius_km: float,
        cand: list[int],
        filters: list[tuple[str, int]],
        country: str | None,
    ) -> tuple[list[int], list[float]]:
        # A few hundred rows: plain Python beats numpy's per-call overhead here.
        for kind, wanted in filters:
            bits = self.bits_py[kind]
            cand = [p for p in cand if bits[p] & wanted]
        if country is not None:
            cand = [p for p in cand if self.country[p] == country]
        lons, ranks, rads, coss = self.lon_list, self.rank_list, self.rad_list, self.cos_list
        # `haversine_km` inlined, operation for operation (so the same distances to the
        # last bit), over the radians and cosines computed at build time.
        p1 = math.radians(lat)
        c1 = math.cos(p1)
        twice_r = 2 * EARTH_RADIUS_KM
        sin, asin, sqrt, radians = math.sin, math.asin, math.sqrt, math.radians
        hits = []
        for p in cand:
            a = sin((rads[p] - p1) / 2) ** 2 + c1 * coss[p] * sin(radians(lons[p] - lon) / 2) ** 2
            # min(1.0, sqrt(a)) without the call: sqrt(a) > 1 exactly when a > 1
            d = twice_r * asin(sqrt(a) if a <= 1.0 else 1.0)
            if d <= radius_km:
                hits.append((d, ranks[p], p))
        hits.sort()
        return [h[2] for h in hits], [h[0] for h in hits]

    def _near_many(
        self,
        lat: float,
        lon: float,
        radius_km: float,
        ranges: list[tuple[int, int]],
        filters: list[tuple[str, int]],
        country: str | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        pos = np.concatenate([np.arange(a, b) for a, b in ranges])
        for kind, wanted in filters:
            words = self.bits[kind]
            mask = np.array(
                [(wanted >> (64 * i)) & _WORD for i in range(words.shape[1])], dtype=np.uint64
            )
            pos = pos[(words[pos] & mask).any(axis=1)]
        if country is not None:
            pos = pos[self.country[pos] == country]
        dist = haversine_many(lat, lon, self.lat[pos], self.lon[pos])
        inside = dist <= radius_km
        pos, dist = pos[inside], dist[inside]
        order = np.lexsort((self.name_rank[pos], dist))
        return pos[order], dist[order]

    def item(self, p: int, dist: float) -> dict[str, Any]:
        c = self.caps[p]
        out = dict(zip(_ROW_KEYS, self.rows[p], strict=True))
        out["processes"] = list(c.get("process", ()))
        out["materials"] = list(c.get("material", ()))
        out["distance_km"] = round(dist, 3)
        return out


_ROW_KEYS = ("id", "name", "latitude", "longitude", "location_origin", "country", "city", "kind")


def haversine_many(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """The same formula as `refaire.geo.haversine_km`, over arrays."""
    p1 = np.radians(lat)
    p2 = np.radians(lats)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lons - lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


_CACHE: dict[str, NearIndex] = {}
_LOCK = threading.Lock()


def near_index(store: Store, generation: int | None = None) -> NearIndex:
    """The current index for this store, rebuilt only when facilities were written since."""
    if generation is None:
        generation = current_fast(store, "facilities")
    cached = _CACHE.get(store.url)
    if cached is not None and cached.generation == generation:
        return cached
    with _LOCK:
        cached = _CACHE.get(store.url)
        if cached is None or cached.generation != generation:
            cached = _CACHE[store.url] = _build(store, generation)
    return cached


def _build(store: Store, generation: int) -> NearIndex:
    # Plain driver SQL and tuples: at 100,000 facilities SQLAlchemy's row objects and
    # attribute access were most of the build.
    with store.engine.connect() as conn:
        located = [
            tuple(r)
            for r in conn.exec_driver_sql(
                "SELECT id, name, latitude, longitude, location_origin, country, city, kind,"
                f" name_sort FROM {facilities.name}"
                " WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
            )
        ]
        cap_rows = conn.exec_driver_sql(
            f"SELECT facility_id, kind, value FROM {facility_capabilities.name}"
        ).fetchall()
    located.sort(key=lambda r: (_band(r[2]), r[3], r[0]))
    by_name = sorted(range(len(located)), key=lambda i: (located[i][8], located[i][0]))
    name_rank = np.empty(len(located), dtype=np.int64)
    name_rank[np.asarray(by_name, dtype=np.int64)] = np.arange(len(located), dtype=np.int64)
    position = {r[0]: i for i, r in enumerate(located)}
    sets: list[dict[str, set[str]]] = [{} for _ in located]
    codes: dict[str, dict[str, int]] = {}
    bits_py: dict[str, list[int]] = {}
    for fid, kind, value in cap_rows:
        p = position.get(fid)
        if p is None:
            continue
        sets[p].setdefault(kind, set()).add(value)
        known = codes.setdefault(kind, {})
        code = known.setdefault(value, len(known))
        row_bits = bits_py.get(kind)
        if row_bits is None:
            row_bits = bits_py[kind] = [0] * len(located)
        row_bits[p] |= 1 << code
    bits = {}
    for kind, row_bits in bits_py.items():
        words = (len(codes[kind]) + 63) // 64
        bits[kind] = np.array(
            [[(b >> (64 * i)) & _WORD for i in range(words)] for b in row_bits], dtype=np.uint64
        ).reshape(len(located), words)
    lat_list = [r[2] for r in located]
    lon_list = [r[3] for r in located]
    rad_list = [math.radians(x) for x in lat_list]
    key_list = [
        _band(la) * _BAND_STRIDE + lo + 180.0 for la, lo in zip(lat_list, lon_list, strict=True)
    ]
    offering: dict[str, tuple[list[float], list[int]]] = {}
    for p, s in enumerate(sets):  # ascending positions: each list comes out sorted
        for value in s.get("process", ()):
            listed = offering.get(value)
            if listed is None:
                listed = offering[value] = ([], [])
            listed[0].append(key_list[p])
            listed[1].append(p)
    return NearIndex(
        generation=generation,
        key_list=key_list,
        lat=np.asarray(lat_list, dtype=np.float64),
        lon=np.asarray(lon_list, dtype=np.float64),
        name_rank=name_rank,
        country=np.array([r[5] for r in located], dtype=object),
        rows=[tuple(r[:8]) for r in located],
        caps=[{k: sorted(v) for k, v in s.items()} for s in sets],
        codes=codes,
        bits=bits,
        bits_py=bits_py,
        lat_list=lat_list,
        lon_list=lon_list,
        rank_list=name_rank.tolist(),
        rad_list=rad_list,
        cos_list=[math.cos(x) for x in rad_list],
        offering=offering,
    )


def forget(store: Store) -> None:
    """Drop this store's index (tests that rewrite tables behind the store's back)."""
    with _LOCK:
        _CACHE.pop(store.url, None)
