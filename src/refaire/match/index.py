"""In-memory indexes of both sides of matching, built once per store and cached.

`FacilityIndex` holds every facility as a row: coordinates sorted by latitude (a radius
query is one binary search for the latitude band, then vectorised haversine), and a
*signature id*: facilities with the same machines share one `FacilityCaps`, evaluated
once. Probable processes (a Fab Lab's usual inventory) are kept per process as the
signatures that have them, and give PROBABLE where nothing better does. Offers of all signatures are stored per process id as arrays (signature, size
envelope, material bitmask), so the verdict of one requirement on every signature is a
few array operations, with the same codes as `capabilities.evaluate`.

`DesignIndex` holds every design's requirements, deduplicated: a requirement key
(processes, materials, size) is evaluated once per facility however many designs share it.

Both are cached per store URL and rebuilt when the table changes (row count, last id and
last import time), which a cheap aggregate query tells.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from sqlalchemy import Text, func, select, type_coerce

from refaire.geo import EARTH_RADIUS_KM, bounding_box
from refaire.match.capabilities import (
    INCOMPATIBLE,
    MET,
    MET_INFERRED,
    MISSING,
    NEAR_MATERIAL,
    NEAR_SIZE,
    NEAR_WEAK,
    PROBABLE,
    FacilityCaps,
    Offer,
    caps_of,
)
from refaire.match.requirements import DesignRequirements, Requirement
from refaire.model import Facility
from refaire.store.paging import rows_by_id
from refaire.vocab.capabilities import all_ids
from refaire.vocab.compatibility import compatible_materials

_MATERIAL_BIT = {m: i for i, m in enumerate(all_ids("material"))}
_ANY_MATERIAL = np.uint64(0xFFFFFFFFFFFFFFFF)  # materials not stated: every bit set


def material_mask(ids: Iterable[str] | None) -> np.uint64:
    if ids is None:
        return _ANY_MATERIAL
    bits = 0
    for m in ids:
        # Past 63 vocabulary materials, ids share the top bit: a looser, never stricter, test.
        bits |= 1 << min(_MATERIAL_BIT.get(m, 63), 63)
    return np.uint64(bits)


@dataclass(slots=True)
class _Offers:
    """Offers of one process across signatures, as parallel arrays."""

    sig: np.ndarray  # int32
    env: np.ndarray  # float64 (n, 3); inf where no size is stated
    mats: np.ndarray  # uint64 bitmask; all ones where no material is stated
    # What rests on stated facts only (see capabilities): the process is stated, the
    # envelope is not the catalogue's, and the stated (not inferred) materials.
    stated: np.ndarray  # bool
    size_inferred: np.ndarray  # bool
    smats: np.ndarray  # uint64 bitmask; 0 where no material is stated
    compat: np.ndarray  # uint64 bitmask of what the process can work; all ones if unchecked

    def take(self, sel: np.ndarray) -> _Offers:
        return _Offers(
            self.sig[sel],
            self.env[sel],
            self.mats[sel],
            self.stated[sel],
            self.size_inferred[sel],
            self.smats[sel],
            self.compat[sel],
        )


@cache
def _compat_mask(process: str) -> np.uint64:
    """Bitmask of the materials a process can work (all ones when not checked)."""
    return material_mask(compatible_materials(process))


def _stated_mask(o: Offer) -> np.uint64:
    stated = (o.materials or frozenset()) - o.inferred_materials
    return material_mask(stated) if stated else np.uint64(0)


def _offer_arrays(rows: list[tuple[int, Offer]]) -> _Offers:
    sig = np.fromiter((s for s, _ in rows), dtype=np.int32, count=len(rows))
    env = np.array(
        [o.envelope if o.envelope is not None else (math.inf,) * 3 for _, o in rows],
        dtype=np.float64,
    ).reshape(len(rows), 3)
    mats = np.array([material_mask(o.materials) for _, o in rows], dtype=np.uint64)
    stated = np.array([not o.inferred for _, o in rows], dtype=bool)
    size_inferred = np.array([o.size_inferred for _, o in rows], dtype=bool)
    smats = np.array([_stated_mask(o) for _, o in rows], dtype=np.uint64)
    compat = np.array([_compat_mask(o.process) for _, o in rows], dtype=np.uint64)
    return _Offers(sig, env, mats, stated, size_inferred, smats, compat)


@dataclass
class FacilityIndex:
    """Every facility: place, country, signature; offers per process (see module doc)."""

    ids: np.ndarray
    names: list[str]
    countries: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    sig_of: np.ndarray
    sigs: list[FacilityCaps]
    loader: Callable[[int], Facility | None]
    # True where the coordinates are a town centre (the source gave none): distances are rough
    approximate: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # (website, e-mail) of each row: how to ask a place whose capability is unknown
    contacts: list[tuple[str | None, str | None]] = field(default_factory=list)
    strong: dict[str, _Offers] = field(default_factory=dict)
    weak: dict[str, _Offers] = field(default_factory=dict)
    probable: dict[str, np.ndarray] = field(default_factory=dict)  # process -> signatures
    unknown_sig: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    row_of: dict[int, int] = field(default_factory=dict)
    _by_lat: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    _lat_sorted: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # radians of lat/lon and cos(lat) of every row, computed once instead of every query
    _rad_lat: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _rad_lon: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _cos_lat: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def build(
        cls,
        items: Iterable[tuple[int, Facility]],
        loader: Callable[[int], Facility | None],
        caps: Callable[[Facility], FacilityCaps] = caps_of,
    ) -> FacilityIndex:
        ids, names, countries, lat, lon, sig_of, approximate = [], [], [], [], [], [], []
        contacts: list[tuple[str | None, str | None]] = []
        sigs: list[FacilityCaps] = []
        by_key: dict[tuple[Any, ...], int] = {}
        for fid, f in items:
            sig = caps(f)
            key = sig.key
            s = by_key.get(key)
            if s is None:
                s = by_key[key] = len(sigs)
                sigs.append(sig)
            ids.append(fid)
            names.append(f.name)
            countries.append((f.country or "")[:2].upper())
            lat.append(math.nan if f.latitude is None else f.latitude)
            lon.append(math.nan if f.longitude is None else f.longitude)
            approximate.append(f.location_origin == "inferred")
            contacts.append((f.url, f.email))
            sig_of.append(s)
        index = cls(
            ids=np.array(ids, dtype=np.int64),
            names=names,
            countries=np.array(countries, dtype=object),
            lat=np.array(lat, dtype=np.float64),
            lon=np.array(lon, dtype=np.float64),
            sig_of=np.array(sig_of, dtype=np.int32),
            sigs=sigs,
            loader=loader,
            approximate=np.array(approximate, dtype=bool),
            contacts=contacts,
        )
        index._finish()
        return index

    def _finish(self) -> None:
        strong: dict[str, list[tuple[int, Offer]]] = {}
        weak: dict[str, list[tuple[int, Offer]]] = {}
        for s, caps in enumerate(self.sigs):
            for p, offers in caps.strong.items():
                strong.setdefault(p, []).extend((s, o) for o in offers)
            for p, offers in caps.weak.items():
                weak.setdefault(p, []).extend((s, o) for o in offers)
        probable: dict[str, list[int]] = {}
        for s, caps in enumerate(self.sigs):
            for p in caps.probable:
                probable.setdefault(p, []).append(s)
        self.probable = {p: np.array(v, dtype=np.int32) for p, v in probable.items()}
        self.unknown_sig = np.array([c.unknown for c in self.sigs], dtype=bool)
        self.strong = {p: _offer_arrays(r) for p, r in strong.items()}
        self.weak = {p: _offer_arrays(r) for p, r in weak.items()}
        self.row_of = {int(fid): i for i, fid in enumerate(self.ids)}
        located = np.flatnonzero(~np.isnan(self.lat))
        order = np.argsort(self.lat[located], kind="stable")
        self._by_lat = located[order]
        self._lat_sorted = self.lat[self._by_lat]
        self._rad_lat = np.radians(self.lat)
        self._rad_lon = np.radians(self.lon)
        self._cos_lat = np.cos(self._rad_lat)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def sig_sizes(self) -> np.ndarray:
        return np.bincount(self.sig_of, minlength=len(self.sigs))

    def near(
        self, lat: float, lon: float, radius_km: float, ordered: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """(rows, distances in km) of facilities within the radius, nearest first.

        With `ordered=False` they come in index order (a stable sort by distance of that
        gives the ordered answer): for callers that select only a few of them.
        """
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
        lo = np.searchsorted(self._lat_sorted, min_lat, side="left")
        hi = np.searchsorted(self._lat_sorted, max_lat, side="right")
        rows = self._by_lat[lo:hi]
        if min_lon > -180.0 or max_lon < 180.0:
            lons = self.lon[rows]
            rows = rows[(lons >= min_lon) & (lons <= max_lon)]
        dist = self._haversine(lat, lon, rows)
        keep = dist <= radius_km
        rows, dist = rows[keep], dist[keep]
        if not ordered:
            return rows, dist
        order = np.argsort(dist, kind="stable")
        return rows[order], dist[order]

    def _haversine(self, lat: float, lon: float, rows: np.ndarray) -> np.ndarray:
        """`haversine_many` to these rows, from the precomputed radians and cosines."""
        p1 = math.radians(lat)
        half_dp = (self._rad_lat[rows] - p1) * 0.5
        half_dl = (self._rad_lon[rows] - math.radians(lon)) * 0.5
        a = np.sin(half_dp) ** 2 + math.cos(p1) * self._cos_lat[rows] * np.sin(half_dl) ** 2
        return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))

    def _tables(
        self, p: str, sig_mask: np.ndarray | None, memo: dict[Any, Any] | None
    ) -> list[tuple[_Offers, np.ndarray, np.ndarray, bool]]:
        """Offer tables of a process (strong, weak), restricted to `sig_mask`, with the
        distinct signatures and where each one's rows start (rows are in signature order)."""
        key = (p, id(sig_mask))
        if memo is not None and key in memo:
            return memo[key]
        out = []
        for table, weak in ((self.strong.get(p), False), (self.weak.get(p), True)):
            if table is None:
                continue
            if sig_mask is not None:
                table = table.take(sig_mask[table.sig])
            if not len(table.sig):
                continue
            starts = np.flatnonzero(np.r_[True, table.sig[1:] != table.sig[:-1]])
            out.append((table, table.sig[starts], starts, weak))
        if memo is not None:
            memo[key] = out
        return out

    def status(
        self,
        req: Requirement,
        sig_mask: np.ndarray | None = None,
        memo: dict[Any, Any] | None = None,
    ) -> np.ndarray:
        """Verdict code of `req` for every signature (int8; see capabilities codes).

        With `sig_mask`, only those signatures are evaluated (others stay MISSING).
        """
        return self.status_many([req], sig_mask, memo)[0]

    def status_many(
        self,
        reqs: list[Requirement],
        sig_mask: np.ndarray | None = None,
        memo: dict[Any, Any] | None = None,
    ) -> np.ndarray:
        """`status` of several requirements with the same processes and materials (sizes
        may differ), as one (requirements x signatures) array: the offer tables are read
        once and only the size test is per requirement."""
        out = np.full((len(reqs), len(self.sigs)), MISSING, dtype=np.int8)
        first = reqs[0]
        # no size stated: -inf, which every envelope (inf where none is stated) passes
        sizes = np.array(
            [r.size if r.size is not None else (-math.inf,) * 3 for r in reqs], dtype=np.float64
        ).reshape(len(reqs), 1, 3)
        sized = np.array([r.size is not None for r in reqs], dtype=bool)[:, None]
        want = material_mask(first.materials) if first.materials else None
        for p in first.processes:
            for table, sigs, starts, weak in self._tables(p, sig_mask, memo):
                n = len(table.sig)
                # three comparisons ANDed: `.all(axis=2)` over a length-3 axis was the
                # slowest operation of a match
                env = table.env
                size_ok = (env[:, 0] >= sizes[:, :, 0]) & (env[:, 1] >= sizes[:, :, 1])
                size_ok &= env[:, 2] >= sizes[:, :, 2]
                if want is not None:
                    usable = table.compat & want  # wanted materials the process can work
                    incompatible = usable == 0
                    mat_ok = (table.mats & usable) != 0
                    mat_stated = (table.smats & usable) != 0
                else:
                    incompatible = np.zeros(n, bool)
                    mat_ok = mat_stated = np.ones(n, bool)
                both = size_ok & (mat_ok & ~incompatible)
                if weak:
                    code = np.where(both, NEAR_WEAK, MISSING)
                else:
                    stated = (table.stated & mat_stated) & ~(sized & table.size_inferred)
                    met = np.where(stated, MET, MET_INFERRED)
                    code = np.where(both, met, np.where(size_ok, NEAR_MATERIAL, NEAR_SIZE))
                    code = np.where(incompatible, INCOMPATIBLE, code)
                best = np.maximum.reduceat(code.astype(np.int8), starts, axis=1)
                out[:, sigs] = np.maximum(out[:, sigs], best)
        for p in first.processes:
            likely = self.probable.get(p)
            if likely is not None:
                if sig_mask is not None:
                    likely = likely[sig_mask[likely]]
                out[:, likely] = np.maximum(out[:, likely], PROBABLE)
        return out

    def codes(self, reqs: list[Requirement], rows: np.ndarray) -> np.ndarray:
        """Verdict codes (requirements x facility rows), each distinct requirement once."""
        sigs = self.sig_of[rows]
        present, inv = dense_unique(sigs, len(self.sigs))
        return self.sig_codes(reqs, present)[:, inv]

    def sig_codes(self, reqs: list[Requirement], present: np.ndarray) -> np.ndarray:
        """Verdict codes (requirements x the signatures `present`): rows sharing a
        signature share their codes, so 100,000 rows are a few thousand columns."""
        mask: np.ndarray | None = None
        if len(present) < len(self.sigs):  # every signature present: nothing to restrict
            mask = np.zeros(len(self.sigs), dtype=bool)
            mask[present] = True
        out = np.empty((len(reqs), len(present)), dtype=np.int8)
        memo: dict[Any, Any] = {}
        # distinct requirements, grouped by processes and materials: one pass per group
        groups: dict[tuple[Any, ...], dict[tuple[Any, ...], Requirement]] = {}
        for r in reqs:
            groups.setdefault((r.processes, r.materials), {}).setdefault(r.key, r)
        done: dict[tuple[Any, ...], np.ndarray] = {}
        for group in groups.values():
            codes = self.status_many(list(group.values()), mask, memo)[:, present]
            done.update(zip(group, codes, strict=True))
        for i, r in enumerate(reqs):
            out[i] = done[r.key]
        return out

    def facility(self, row: int) -> Facility | None:
        return self.loader(int(self.ids[row]))


def dense_unique(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values ascending, position of each value among them) for values in
    0..size-1: `np.unique(..., return_inverse=True)` without its sort."""
    seen = np.zeros(size, dtype=bool)
    seen[values] = True
    present = np.flatnonzero(seen)
    number = np.empty(size, dtype=np.int64)
    number[present] = np.arange(len(present))
    return present, number[values]


def haversine_many(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    p1 = math.radians(lat)
    p2 = np.radians(lats)
    dp = p2 - p1
    dl = np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(a)))


@dataclass
class DesignIndex:
    """Every design's requirements, with distinct requirement keys numbered once."""

    ids: np.ndarray
    names: list[str]
    reqs: list[DesignRequirements]
    unique: list[Requirement]
    flat: np.ndarray  # unique-requirement number of each (design, requirement), design order
    offsets: np.ndarray  # start of each design in `flat`; len(designs) + 1 entries

    @classmethod
    def build(cls, items: Iterable[DesignRequirements]) -> DesignIndex:
        ids, names, reqs, flat, offsets = [], [], [], [], [0]
        unique: list[Requirement] = []
        number: dict[tuple[Any, ...], int] = {}
        for dr in items:
            ids.append(dr.design_id if dr.design_id is not None else -1)
            names.append(dr.name)
            reqs.append(dr)
            for r in dr.requirements:
                n = number.get(r.key)
                if n is None:
                    n = number[r.key] = len(unique)
                    unique.append(r)
                flat.append(n)
            offsets.append(len(flat))
        return cls(
            ids=np.array(ids, dtype=np.int64),
            names=names,
            reqs=reqs,
            unique=unique,
            flat=np.array(flat, dtype=np.int32),
            offsets=np.array(offsets, dtype=np.int64),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def misses(self, met_unique: np.ndarray) -> np.ndarray:
        """Per design, how many requirements are not met, given met per unique requirement."""
        missed = (~met_unique[self.flat]).astype(np.int32)
        out = np.zeros(len(self.ids), dtype=np.int32)
        nonempty = self.offsets[1:] > self.offsets[:-1]
        if len(missed):
            out[nonempty] = np.add.reduceat(missed, self.offsets[:-1][nonempty])
        return out

    @property
    def n_requirements(self) -> np.ndarray:
        return np.diff(self.offsets)


# --- caching per store -------------------------------------------------------------------

_LOCK = threading.Lock()
_CACHE: dict[tuple[str, str], tuple[tuple[Any, ...], Any]] = {}


def _stamp(store: Any, table: Any) -> tuple[Any, ...]:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(func.count(), func.max(table.c.id), func.max(table.c.imported_at))
        ).one()
    return tuple(row)


def _cached(store: Any, kind: str, table: Any, build: Callable[[], Any]) -> Any:
    stamp = _stamp(store, table)
    key = (store.url, kind)
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
    value = build()
    with _LOCK:
        _CACHE[key] = (stamp, value)
    return value


def facility_index(store: Any) -> FacilityIndex:
    """The facility index of a store, rebuilt only when its facilities changed."""
    from refaire.store.facilities import get_facility
    from refaire.store.tables import facilities

    def loader(fid: int) -> Facility | None:
        found = get_facility(store, fid)
        return found[1] if found else None

    def build() -> FacilityIndex:
        # Identical records (a network's sites listed twice, mirrors) are decoded once and
        # share one Facility, whose signature is then computed once.
        shared: dict[bytes, Facility] = {}
        signature: dict[int, tuple[Facility, FacilityCaps]] = {}

        def items() -> Iterator[tuple[int, Facility]]:
            for fid, text in _raw_records(store, facilities):
                key = _digest(text)
                f = shared.get(key)
                if f is None:
                    f = shared[key] = Facility.from_dict(json.loads(text))
                yield fid, f

        def caps(f: Facility) -> FacilityCaps:
            hit = signature.get(id(f))  # the Facility is kept alive in `shared`
            if hit is None:
                hit = signature[id(f)] = (f, caps_of(f))
            return hit[1]

        return FacilityIndex.build(items(), loader, caps)

    return _cached(store, "facilities", facilities, build)


def _raw_records(store: Any, table: Any, batch: int = 2000) -> Iterator[tuple[int, str]]:
    """(id, record JSON text) of every row of `table` in id order, not decoded."""
    query = select(table.c.id, type_coerce(table.c.record, Text))
    yield from rows_by_id(store, query, table.c.id, batch)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def design_requirements(store: Any, batch: int = 5000) -> Iterator[DesignRequirements]:
    """`requirements_of` every stored design, in id order.

    They are kept with the design's other derived values (`design_observations`, derived
    once per stored version of a design); designs not derived yet are derived first.
    Identical requirement texts (most designs state none, or the same few) are decoded
    once.
    """
    from refaire.observatory.derive import refresh
    from refaire.store.tables import design_observations as obs

    refresh(store)
    d = designs_table()
    query = select(d.c.id, d.c.name, obs.c.requirements).join(obs, obs.c.design_id == d.c.id)
    seen: dict[str, DesignRequirements] = {}
    for did, name, text in rows_by_id(store, query, d.c.id, batch):
        first = seen.get(text)
        if first is None:
            first = seen[text] = DesignRequirements.from_dict(None, "", json.loads(text))
        yield DesignRequirements(
            did,
            name,
            list(first.requirements),
            list(first.units),
            first.inferred,
            list(first.unknown_parts),
            first.design_level,
        )


def designs_table() -> Any:
    from refaire.store.tables import designs

    return designs


def design_index(store: Any) -> DesignIndex:
    """The design-side index of a store, rebuilt only when its designs changed."""
    return _cached(
        store, "designs", designs_table(), lambda: DesignIndex.build(design_requirements(store))
    )


def forget(store: Any) -> None:
    """Drop the cached indexes of a store (tests, after bulk changes)."""
    with _LOCK:
        for key in [k for k in _CACHE if k[0] == store.url]:
            del _CACHE[key]
