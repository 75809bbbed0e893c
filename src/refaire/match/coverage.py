"""Coverage in bulk: for every design, who could make it, where, computed at once.

The work is done on distinct things only. Every distinct requirement of the corpus is
evaluated once against every distinct facility signature (one array operation each, see
`FacilityIndex.status`); a design is then the AND of its requirements' rows, computed once
per distinct requirement set; counts and countries come from per-signature tallies.

`makeable_locally` answers the radius question: around how many located facilities can
the design be made within `radius_km`, by one facility or several together (each part by
someone within the radius of that place). It uses the neighbour pairs of the facilities,
built once, and is computed once per distinct part.

A design with parts of unknown requirements is never counted as makeable: when one
facility makes every other part it counts in `known_parts_only_anywhere` ("complete for
N of M parts"), beside the figures, never in them. Designs makeable anywhere only when
inferred facts count (catalogue materials, prose, the process–material table) are
counted apart too (`stated_anywhere` tells those made on stated facts alone).

Public API (used by the observatory): `bulk_coverage(store, radius_km) -> Coverage`.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from refaire.match.capabilities import MET, PROBABLE, is_met
from refaire.match.index import DesignIndex, FacilityIndex, design_index, facility_index


@dataclass
class Coverage:
    """Per design id: made completely by one facility anywhere, in which countries, by how many."""

    radius_km: float
    makeable_anywhere: dict[int, bool] = field(default_factory=dict)
    countries: dict[int, set[str]] = field(default_factory=dict)
    facility_count: dict[int, int] = field(default_factory=dict)
    makeable_locally: dict[int, int] = field(default_factory=dict)
    with_requirements: dict[int, bool] = field(default_factory=dict)
    # Not makeable anywhere by what is stated or inferred, but by one facility if its
    # probable capabilities (a Fab Lab's usual inventory) are counted: shown beside,
    # never added to the figures above.
    only_probably_anywhere: dict[int, bool] = field(default_factory=dict)
    # Every known part made by one facility, but some parts' requirements are unknown:
    # "complete for N of M parts", never counted as makeable.
    known_parts_only_anywhere: dict[int, bool] = field(default_factory=dict)
    unknown_parts: dict[int, list[str]] = field(default_factory=dict)
    # Makeable anywhere on stated facts alone (no inferred machine data).
    stated_anywhere: dict[int, bool] = field(default_factory=dict)
    facilities: int = 0
    computed_in_s: float = 0.0

    def by_country(self) -> list[tuple[str, int]]:
        """(country, designs makeable there by one facility), most first."""
        counts: Counter[str] = Counter()
        for cs in self.countries.values():
            counts.update(cs)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def summary(self, top: int = 20) -> dict[str, Any]:
        n = len(self.makeable_anywhere)
        anywhere = sum(self.makeable_anywhere.values())
        local = sum(1 for v in self.makeable_locally.values() if v)
        return {
            "radius_km": self.radius_km,
            "designs": n,
            "facilities": self.facilities,
            "with_requirements": sum(self.with_requirements.values()),
            "makeable_anywhere": anywhere,
            "share_makeable_anywhere": round(anywhere / n, 4) if n else 0.0,
            "makeable_locally": local,
            "share_makeable_locally": round(local / n, 4) if n else 0.0,
            "only_probably_makeable_anywhere": sum(self.only_probably_anywhere.values()),
            "makeable_anywhere_stated": sum(self.stated_anywhere.values()),
            "with_unknown_parts": sum(1 for v in self.unknown_parts.values() if v),
            "known_parts_only_anywhere": sum(self.known_parts_only_anywhere.values()),
            "by_country": [{"country": c, "designs": k} for c, k in self.by_country()[:top]],
            "computed_in_s": round(self.computed_in_s, 3),
        }

    def to_dict(self) -> dict[str, Any]:
        out = self.summary(top=1000)
        out["per_design"] = {
            str(d): {
                "anywhere": self.makeable_anywhere[d],
                "countries": sorted(self.countries[d]),
                "facilities": self.facility_count[d],
                "locally": self.makeable_locally[d],
                "with_requirements": self.with_requirements[d],
                "stated": self.stated_anywhere.get(d, False),
                "unknown_parts": self.unknown_parts.get(d, []),
                "known_parts_only": self.known_parts_only_anywhere.get(d, False),
            }
            for d in self.makeable_anywhere
        }
        return out


def neighbour_pairs(fi: FacilityIndex, radius_km: float) -> tuple[np.ndarray, np.ndarray]:
    """(centre, neighbour) row pairs of located facilities within the radius, self included."""
    located = np.flatnonzero(~np.isnan(fi.lat))
    src, dst = [], []
    for i in located:
        rows, _ = fi.near(float(fi.lat[i]), float(fi.lon[i]), radius_km)
        src.append(np.full(len(rows), i, dtype=np.int64))
        dst.append(rows)
    if not src:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(src), np.concatenate(dst)


def compute_coverage(fi: FacilityIndex, di: DesignIndex, radius_km: float) -> Coverage:
    """Coverage of every design of `di` by the facilities of `fi` (see module docstring)."""
    cov = Coverage(radius_km=radius_km, facilities=len(fi))
    n_sig = len(fi.sigs)
    met = np.zeros((len(di.unique), n_sig), dtype=bool)
    stated = np.zeros((len(di.unique), n_sig), dtype=bool)
    likely = np.zeros((len(di.unique), n_sig), dtype=bool)
    for u, req in enumerate(di.unique):
        status = fi.status(req)
        met[u], stated[u], likely[u] = is_met(status), status == MET, status >= PROBABLE
    sig_size = fi.sig_sizes
    sig_countries: list[set[str]] = [set() for _ in range(n_sig)]
    for s, c in zip(fi.sig_of.tolist(), fi.countries.tolist(), strict=True):
        if c:
            sig_countries[s].add(c)
    src, dst = neighbour_pairs(fi, radius_km)
    located = ~np.isnan(fi.lat)
    per_set: dict[bytes, tuple[bool, set[str], int, bool, bool]] = {}
    per_unit: dict[bytes, np.ndarray] = {}
    # Designs with the same requirements in the same units share every answer.
    per_design: dict[
        tuple[bytes, tuple[int, ...]], tuple[bool, set[str], int, bool, bool, int]
    ] = {}
    for d in range(len(di)):
        did = int(di.ids[d])
        idx = di.flat[di.offsets[d] : di.offsets[d + 1]]
        cov.with_requirements[did] = bool(len(idx))
        unknown = list(di.reqs[d].unknown_parts)
        cov.unknown_parts[did] = unknown
        cov.known_parts_only_anywhere[did] = False
        cov.stated_anywhere[did] = False
        if not len(idx):
            cov.makeable_anywhere[did], cov.countries[did] = False, set()
            cov.facility_count[did], cov.makeable_locally[did] = 0, 0
            cov.only_probably_anywhere[did] = False
            continue
        dkey = (idx.tobytes(), tuple(r.unit for r in di.reqs[d].requirements))
        done = per_design.get(dkey)
        if done is None:
            key = np.unique(idx).tobytes()
            hit = per_set.get(key)
            if hit is None:
                ok = met[np.unique(idx)].all(axis=0)
                places = set().union(*(sig_countries[s] for s in np.flatnonzero(ok)))
                probably = not ok.any() and bool(likely[np.unique(idx)].all(axis=0).any())
                by_stated = bool(stated[np.unique(idx)].all(axis=0).any())
                hit = per_set[key] = (
                    bool(ok.any()),
                    places,
                    int(sig_size[ok].sum()),
                    probably,
                    by_stated,
                )
            local = located.copy()
            for unit_idx in _units(di, d, idx):
                ukey = unit_idx.tobytes()
                near = per_unit.get(ukey)
                if near is None:
                    made_here = met[unit_idx].all(axis=0)[fi.sig_of]
                    near = np.zeros(len(fi), dtype=bool)
                    near[src[made_here[dst]]] = True
                    per_unit[ukey] = near
                local &= near
            done = per_design[dkey] = (*hit, int(local.sum()))
        if unknown:
            # Some parts' requirements are unknown: never makeable, only "N of M parts".
            cov.known_parts_only_anywhere[did] = done[0]
            cov.makeable_anywhere[did], cov.countries[did] = False, set()
            cov.facility_count[did], cov.makeable_locally[did] = 0, 0
            cov.only_probably_anywhere[did] = False
            continue
        cov.makeable_anywhere[did], cov.countries[did], cov.facility_count[did] = (
            done[0],
            set(done[1]),
            done[2],
        )
        cov.only_probably_anywhere[did] = done[3]
        cov.stated_anywhere[did] = done[4]
        cov.makeable_locally[did] = done[5]
    return cov


def _units(di: DesignIndex, d: int, idx: np.ndarray) -> list[np.ndarray]:
    groups: dict[int, list[int]] = {}
    for r, u in zip(di.reqs[d].requirements, idx.tolist(), strict=True):
        groups.setdefault(r.unit, []).append(u)
    return [np.unique(np.array(v, dtype=np.int32)) for v in groups.values()]


def bulk_coverage(store: Any, radius_km: float = 50.0) -> Coverage:
    """Coverage of every stored design by every stored facility (indexes cached per store)."""
    start = time.perf_counter()
    fi = facility_index(store)
    di = design_index(store)
    cov = compute_coverage(fi, di, radius_km)
    cov.computed_in_s = time.perf_counter() - start
    return cov
