"""Matching one design near a place, and one facility against every design.

`match_requirements` is the core: candidates come from the facility index's radius query;
the verdict codes of every (requirement, candidate) pair come from the index, one array
operation per distinct requirement; ranking is a lexsort (every known part made first, and
among those, made on stated facts alone before made only with inferred ones; then
coverage, coverage on stated facts, coverage counting probable capabilities, distance):
what is stated ranks before what is inferred, which ranks before what is only probable.

A design some of whose parts have unknown requirements is never *complete*: a facility
making every other part is "complete for N of M parts", and the unknown parts are named
(in matches, plans, reverse matches and coverage alike). Places that state no capability at all are
listed apart (`unknown_capability`), never as matches. Only the facilities shown are then loaded and explained with the reference
`evaluate`, which gives the same codes plus the machine and sizes behind them.

`match_facility` goes the other way with the design index: each distinct requirement of
the corpus is evaluated once against the facility, and a per-design reduction counts what
is missing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from refaire.match.capabilities import (
    MET,
    MISSING,
    PROBABLE,
    Verdict,
    caps_of,
    evaluate,
    is_met,
    machine_map,
)
from refaire.match.explain import (
    assigned_text,
    parts_text,
    unit_missing_text,
    unknown_part_text,
    verdict_text,
)
from refaire.match.index import FacilityIndex, dense_unique, design_index, facility_index
from refaire.match.plans import Plan, best_plans, candidates_by_signature, units_of
from refaire.match.requirements import DesignRequirements, Requirement, requirements_of
from refaire.match.select import signature_rank, top_lexsort
from refaire.match.unknown import unknown_capability
from refaire.model import Facility
from refaire.places import Place
from refaire.said import Said

DEFAULT_RADIUS_KM = 50.0
DEFAULT_LIMIT = 20


class UnknownDesign(LookupError):
    pass


class UnknownFacility(LookupError):
    pass


class _Explainer:
    """Words verdicts on the facilities shown, loading each once.

    Verdicts come from the shared signature of a facility (one evaluation per signature
    and requirement); the machine they name is then found among the facility's own.
    """

    def __init__(self, index: FacilityIndex, lang: str) -> None:
        self.index, self.lang = index, lang
        self._seen: dict[int, tuple[Facility | None, dict[tuple[Any, ...], int]]] = {}
        self._verdicts: dict[tuple[int, tuple[Any, ...]], Verdict] = {}
        # offers live in the index's signatures for as long as this explainer
        self._keys: dict[int, tuple[Any, ...]] = {}

    def load(self, row: int) -> tuple[Facility | None, dict[tuple[Any, ...], int]]:
        if row not in self._seen:
            f = self.index.facility(row)
            self._seen[row] = (f, machine_map(f) if f is not None else {})
        return self._seen[row]

    def verdict(self, req: Requirement, row: int) -> Verdict:
        sig = int(self.index.sig_of[row])
        v = self._verdicts.get((sig, req.key))
        if v is None:
            v = self._verdicts[(sig, req.key)] = evaluate(req, self.index.sigs[sig])
        if v.offer is None or v.offer.machine < 0:
            return v
        key = self._keys.get(id(v.offer))
        if key is None:  # computing an offer's key sorts its materials: once per offer
            key = self._keys[id(v.offer)] = v.offer.key
        machine = self.load(row)[1].get(key, -1)
        return v if machine == v.offer.machine else v.with_machine(machine)

    def row_dict(self, req: Requirement, row: int) -> dict[str, Any]:
        f, _ = self.load(row)
        v = self.verdict(req, row)
        material = None
        if req.materials:
            offered = v.offer.materials if v.offer is not None else None
            hits = [m for m in req.materials if offered and m in offered]
            material = hits[0] if v.met and hits else "|".join(req.materials)
        return {
            "part": req.part,
            "process": v.process or req.processes[0],
            "alternatives": list(req.processes),
            "material": material,
            "status": v.status,
            "constraint": v.constraint,
            "notes": v.notes(req),
            "origin": req.origin,
            "confidence": req.confidence,
            "reason": verdict_text(req, v, f, self.lang),
        }

    def ref(self, row: int) -> dict[str, Any]:
        out = {"id": int(self.index.ids[row]), "name": self.index.names[row]}
        if self.index.approximate[row]:
            out["approximate_location"] = True  # a town centre: the distance is rough
        return out


def unit_matrix(dr: DesignRequirements, codes: np.ndarray) -> np.ndarray:
    """(units x candidates): whether each candidate meets every requirement of the unit."""
    out = np.ones((len(dr.units), codes.shape[1]), dtype=bool)
    for i, r in enumerate(dr.requirements):
        out[r.unit] &= is_met(codes[i])
    return out


def parts_of(dr: DesignRequirements, units_met: int, lang: str) -> dict[str, Any]:
    """{met, total, unknown, text}: how many of the design's parts a facility (or plan) makes.

    Parts whose requirements are unknown count in the total and are never met. When the
    units are the design's own requirements (no part states any), they are no parts: the
    parts made are 0 of the parts listed, and the text says whether the design-level
    requirements are met.
    """
    if dr.design_level and dr.unknown_parts:
        total = len(dr.unknown_parts)
        design_met = units_met == len(dr.units)
        text = parts_text(0, total, dr.unknown_parts, lang, design_level=design_met)
        return {"met": 0, "total": total, "unknown": list(dr.unknown_parts), "text": text}
    total = len(dr.units) + len(dr.unknown_parts)
    return {
        "met": units_met,
        "total": total,
        "unknown": list(dr.unknown_parts),
        "text": parts_text(units_met, total, dr.unknown_parts, lang),
    }


def match_requirements(
    index: FacilityIndex,
    dr: DesignRequirements,
    lat: float,
    lon: float,
    radius_km: float = DEFAULT_RADIUS_KM,
    lang: str = "en",
    limit: int = DEFAULT_LIMIT,
    max_plans: int = 3,
) -> dict[str, Any]:
    """Facilities near a point that can make (part of) a design, ranked and explained."""
    # Unordered: only the rows shown are selected (partially) below, never all sorted.
    rows, dist = index.near(lat, lon, radius_km, ordered=False)
    out: dict[str, Any] = {
        "design": {"id": dr.design_id, "name": dr.name},
        "near": [lat, lon],
        "radius_km": radius_km,
        "lang": lang,
        "requirements": dr.to_dict(),
        "candidates": int(len(rows)),
        "matching": 0,
        "complete": 0,
        # make every part whose requirements are known (all of them when none is unknown)
        "complete_known_parts": 0,
        # complete, and on stated facts alone (no catalogue, prose or table inference)
        "complete_stated": 0,
        "parts_total": len(dr.unknown_parts)
        if dr.design_level and dr.unknown_parts
        else len(dr.units) + len(dr.unknown_parts),
        "unknown_parts": list(dr.unknown_parts),
        "probably_complete": 0,
        "matches": [],
        "plans": [],
        "unknown_capability": {"total": 0, "items": [], "note": None},
    }
    if not dr.requirements or not len(rows):
        return out
    out["unknown_capability"] = unknown_capability(index, rows, dist, radius_km, lang)
    # Codes per facility signature (a few thousand columns for 100,000 rows). Every figure
    # that ranks or counts depends on the signature alone, so it is computed per
    # signature; rows take their signature's through `inv` only where a row is needed.
    present, inv = dense_unique(index.sig_of[rows], len(index.sigs))
    codes = index.sig_codes(dr.requirements, present)
    met_sig = is_met(codes)
    stated_sig = codes == MET
    known_done = met_sig.all(axis=0)  # every part whose requirements are known
    coverage = met_sig.mean(axis=0)
    stated_cov = stated_sig.mean(axis=0)
    all_stated = stated_sig.all(axis=0)
    unknown = bool(dr.unknown_parts)
    complete = known_done & (not unknown)
    likely = codes >= PROBABLE
    likely_cov = likely.mean(axis=0)
    likely_all = likely.all(axis=0) & ~known_done
    rank = signature_rank((-likely_cov, -stated_cov, -coverage, ~all_stated, ~known_done))
    relevant = np.flatnonzero((codes > MISSING).any(axis=0)[inv])
    r = relevant
    # rank then distance then position: what a lexsort of the rows on those keys gives
    order = r[top_lexsort((dist[r], rank[inv[r]]), limit)]
    rows_of = np.bincount(inv, minlength=len(present))  # rows of each signature
    out["matching"] = int(len(relevant))
    out["complete"] = int(rows_of[complete].sum())
    out["complete_known_parts"] = int(rows_of[known_done].sum())
    out["complete_stated"] = int(rows_of[complete & all_stated].sum())
    out["probably_complete"] = int(rows_of[likely_all].sum())
    ex = _Explainer(index, lang)
    units = unit_matrix(dr, codes)
    units_met = units.sum(axis=0)
    for j in order[:limit]:
        row = int(rows[j])
        s = inv[j]
        website, email = index.contacts[row] if row < len(index.contacts) else (None, None)
        out["matches"].append(
            {
                "facility": ex.ref(row),
                "distance_km": round(float(dist[j]), 2),
                "website": website,
                "email": email,
                "latitude": float(index.lat[row]),
                "longitude": float(index.lon[row]),
                "complete": bool(complete[s]),
                # made on stated facts alone; otherwise some requirement is met (inferred)
                "stated": bool(all_stated[s]),
                "parts": parts_of(dr, int(units_met[s]), lang),
                "coverage": round(float(coverage[s]), 4),
                "stated_coverage": round(float(stated_cov[s]), 4),
                # met or probable: never shown as met, ranked after what is met
                "probably_complete": bool(likely_all[s]),
                "probable_coverage": round(float(likely_cov[s]), 4),
                "requirements": [ex.row_dict(req, row) for req in dr.requirements],
            }
        )
    plans, covered = best_plans(candidates_by_signature(units, inv, rows, dist), max_plans)
    full = (1 << len(dr.units)) - 1
    lacking = units_of(full & ~covered)
    row_codes = codes[:, inv] if lacking else codes
    missing = [_missing_unit(dr, u, row_codes, rows, dist, radius_km, ex) for u in lacking]
    missing += [
        {"part": name, "processes": [], "unknown": True, "reason": unknown_part_text(name, lang)}
        for name in dr.unknown_parts
    ]
    if not plans:
        plans = [Plan((), 0, "none")]
    out["plans"] = [_plan_dict(p, dr, ex, full, missing) for p in plans]
    return out


def _plan_dict(
    plan: Plan, dr: DesignRequirements, ex: _Explainer, full: int, missing: list[dict[str, Any]]
) -> dict[str, Any]:
    assignments = []
    for u in units_of(plan.covered):
        member = min((m for m in plan.members if m.units >> u & 1), key=lambda m: m.distance)
        f, _ = ex.load(member.row)
        reasons = [
            verdict_text(r, ex.verdict(r, member.row), f, ex.lang)
            for r in dr.requirements
            if r.unit == u
        ]
        name = ex.index.names[member.row]
        assignments.append(
            {
                "part": dr.units[u],
                "facility": ex.ref(member.row),
                "reason": assigned_text(dr.units[u], name, reasons, ex.lang),
            }
        )
    return {
        # every part made: never while some part's requirements are unknown
        "complete": plan.covered == full and not dr.unknown_parts,
        "parts": parts_of(dr, len(units_of(plan.covered)), ex.lang),
        "method": plan.method,
        "facilities": [
            {**ex.ref(m.row), "distance_km": round(m.distance, 2)} for m in plan.members
        ],
        "total_distance_km": round(plan.total_distance, 2),
        "assignments": assignments,
        "missing": missing,
    }


def _missing_unit(
    dr: DesignRequirements,
    unit: int,
    codes: np.ndarray,
    rows: np.ndarray,
    dist: np.ndarray,
    radius_km: float,
    ex: _Explainer,
) -> dict[str, Any]:
    """Why no candidate makes a unit: its nearest best near miss, or who offers nothing."""
    idx = [i for i, r in enumerate(dr.requirements) if r.unit == unit]
    sub = codes[idx]
    score = is_met(sub).sum(axis=0) * 10 + sub.min(axis=0)
    part = dr.units[unit]
    processes = tuple(p for i in idx for p in dr.requirements[i].processes)
    if not len(rows) or score.max() <= 0:
        text = unit_missing_text(part, radius_km, ex.lang, processes=processes)
        return {"part": part, "processes": list(processes), "reason": text}
    best = _nearest_of(np.flatnonzero(score == score.max()), dist)
    row = int(rows[best])
    failing = next(dr.requirements[i] for i in idx if not is_met(codes[i, best]))
    f, _ = ex.load(row)
    verdict = ex.verdict(failing, row)
    reason = verdict_text(failing, verdict, f, ex.lang)
    near = (ex.index.names[row], float(dist[best]), reason)
    # Probable everywhere it is not met: the unit is probably made there, not a near miss.
    probable = bool((sub[:, best] >= PROBABLE).all())
    out = {
        "part": part,
        "processes": list(processes),
        "nearest": {**ex.ref(row), "distance_km": round(float(dist[best]), 2)},
        "reason": unit_missing_text(part, radius_km, ex.lang, near=near, probable=probable),
    }
    if probable:
        out["probable"] = True
    return out


def _nearest_of(cands: np.ndarray, dist: np.ndarray) -> int:
    """The nearest of `cands` (the first of them on equal distances): rows are unordered."""
    return int(cands[int(np.argmin(dist[cands]))])


def match_design(
    store: Any,
    ident: int | str,
    lat: float,
    lon: float,
    radius_km: float = DEFAULT_RADIUS_KM,
    lang: str = "en",
    limit: int = DEFAULT_LIMIT,
    place: Place | None = None,
) -> dict[str, Any]:
    """`match_requirements` for a stored design, against the store's cached index.

    With the `place` the point was resolved from, the answer echoes it (`place`).
    """
    from refaire.store.designs import get_design

    found = get_design(store, ident)
    if found is None:
        raise UnknownDesign(Said("err.no_design", ident=ident))
    did, design = found
    dr = requirements_of(design, did)
    out = match_requirements(facility_index(store), dr, lat, lon, radius_km, lang, limit)
    if place is not None:
        out["place"] = place.to_dict(lang)
    return out


def match_facility(
    store: Any, ident: int | str, lang: str = "en", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Designs a facility can make alone, and those it misses by exactly one requirement.

    Best first: designs whose requirements are stated before inferred ones, then those
    made on stated facts alone before those made only with inferred ones (`stated`), then
    those with the most requirements met (the most demanding work the place can take on),
    then by name; `limit` and `offset` page the lists, `counts` gives their full sizes.
    A design with parts of unknown requirements is never in `complete`: when the facility
    makes every other part it is listed in `complete_known_parts` ("complete for N of M
    parts", the unknown parts named).
    """
    from refaire.store.facilities import get_facility

    found = get_facility(store, ident)
    if found is None:
        raise UnknownFacility(Said("quote.err.no_facility", ident=ident))
    fid, f = found
    di = design_index(store)
    caps = caps_of(f)
    verdicts = [evaluate(u, caps) for u in di.unique]
    met = np.array([v.met for v in verdicts], dtype=bool)
    stated = np.array([v.code == MET for v in verdicts], dtype=bool)
    misses = di.misses(met)
    all_stated = di.misses(stated) == 0
    has = di.n_requirements > 0
    unknown = np.array([bool(dr.unknown_parts) for dr in di.reqs], dtype=bool)
    done = has & (misses == 0)
    complete = np.flatnonzero(done & ~unknown)
    known_only = np.flatnonzero(done & unknown)
    near = np.flatnonzero(has & (misses == 1))

    def sort_key(d: int) -> tuple[bool, bool, int, str]:
        return (di.reqs[d].inferred, not all_stated[d], -int(di.n_requirements[d]),
                di.names[d].casefold())  # fmt: skip

    window = slice(offset, offset + limit)

    def entry(d: int) -> dict[str, Any]:
        dr = di.reqs[d]
        return {
            "id": int(di.ids[d]),
            "name": di.names[d],
            "inferred": dr.inferred,
            "stated": bool(all_stated[d]),
            "requirements": int(di.n_requirements[d]),
            "parts": parts_of(dr, len(dr.units), lang),
        }

    made = [entry(d) for d in sorted(complete, key=sort_key)[window]]
    made_known = [entry(d) for d in sorted(known_only, key=sort_key)[window]]
    near_out = []
    for d in sorted(near, key=sort_key)[window]:
        start = int(di.offsets[d])
        k = next(k for k in range(int(di.n_requirements[d])) if not met[di.flat[start + k]])
        req = di.reqs[d].requirements[k]
        v = evaluate(req, caps)
        near_out.append(
            {
                "id": int(di.ids[d]),
                "name": di.names[d],
                "inferred": di.reqs[d].inferred,
                "unknown_parts": list(di.reqs[d].unknown_parts),
                "missing": {
                    "part": req.part,
                    "process": v.process or req.processes[0],
                    "material": "|".join(req.materials) or None,
                    "status": v.status,
                    "constraint": v.constraint,
                    "reason": verdict_text(req, v, f, lang),
                },
            }
        )
    return {
        "facility": {"id": fid, "name": f.name},
        "counts": {
            "designs": len(di),
            "with_requirements": int(has.sum()),
            "complete": int(len(complete)),
            "complete_known_parts": int(len(known_only)),
            "near": int(len(near)),
        },
        "limit": limit,
        "offset": offset,
        "complete": made,
        "complete_known_parts": made_known,
        "near": near_out,
    }
