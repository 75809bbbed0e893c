"""Who can make a request near its place: facilities from the matching engine, then makers.

Facilities come from the matching engine's verdicts (`FacilityIndex.sig_codes`, as in
`match.engine.match_requirements`) within the request's radius: those whose stated (or
inferred) capabilities cover every requirement first (`basis: "stated"`), then those that
can only probably make it (`basis: "probable"`, a capability known only from a facility
type's usual inventory, `ingest/probable.py`), never shown as the stronger; nearest first
within each. Partial matches are not proposed. A design with a part of unknown
requirements is complete nowhere (the engine's rule): for it the nearest facilities are
listed as `basis: "unknown"` (nobody knows whether they can make it: ask them), chosen
one by one by the requester and never sent to as "all capable". A request for the member's own part
files is routed on the measured parts (`production.part_files`). Makers are members with
an active offer for the same registry design whose delivery radius reaches the place
(`basis: "stated"`: they said they make it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select

from refaire.geo import haversine_km
from refaire.match.capabilities import PROBABLE, is_met
from refaire.match.index import FacilityIndex, dense_unique, facility_index
from refaire.match.requirements import DesignRequirements, requirements_of
from refaire.match.select import top_lexsort
from refaire.production.part_files import design_of
from refaire.store import Store
from refaire.store.designs import get_design
from refaire.store.tables import facility_managers, production_offers

LIMIT = 50
BASIS_RANK = {"stated": 0, "probable": 1, "unknown": 2}


def capable_facilities(index: FacilityIndex, dr: DesignRequirements, lat: float, lon: float,
                       radius_km: float, lang: str = "en",
                       limit: int = LIMIT) -> list[dict[str, Any]]:  # fmt: skip
    """Facilities of the index that can make `dr` within the radius: complete on stated (or
    inferred) capabilities ("stated"), then complete only with probable ones ("probable");
    nearest first within each, equal distances by index position.

    The verdicts are the matching engine's (`FacilityIndex.sig_codes`, one column per
    facility signature, the same codes `match_requirements` ranks on); but routing shows
    no explanation, plan or partial match, and building those for the rows shown was
    most of the time of going through `match_requirements`, so only the verdicts are
    computed here and only the first `limit` rows are turned into dicts. `lang` is kept
    for callers; nothing worded is returned.
    """
    del lang  # nothing worded: ids, names, distances and bases
    rows, dist = index.near(lat, lon, radius_km, ordered=False)
    if not len(rows):
        return []
    if not dr.requirements or dr.unknown_parts:
        # nobody is complete (engine rule), nobody is ruled out: the nearest, to ask
        top = top_lexsort((dist,), limit)
        return [_row(index, rows, dist, j, "unknown") for j in top]
    present, inv = dense_unique(index.sig_of[rows], len(index.sigs))
    codes = index.sig_codes(dr.requirements, present)
    complete_sig = is_met(codes).all(axis=0)
    probable_sig = (codes >= PROBABLE).all(axis=0) & ~complete_sig
    complete, probable = complete_sig[inv], probable_sig[inv]
    keep = np.flatnonzero(complete | probable)
    # stated (complete) before probable, then nearest; ties by position (lexsort is stable)
    top = keep[top_lexsort((dist[keep], ~complete[keep]), limit)]
    return [_row(index, rows, dist, j, "stated" if complete[j] else "probable") for j in top]


def _row(index: FacilityIndex, rows: Any, dist: Any, j: int, basis: str) -> dict[str, Any]:
    row = int(rows[j])
    fid = int(index.ids[row])
    return {"kind": "facility", "id": fid, "name": index.names[row], "basis": basis,
            "distance_km": round(float(dist[j]), 2), "target": f"facility:{fid}"}  # fmt: skip


def capable(store: Store, design_id: int, lat: float, lon: float, radius_km: float,
            lang: str = "en", limit: int = LIMIT) -> list[dict[str, Any]]:  # fmt: skip
    """Facilities and makers able to make the design within `radius_km`, stated first."""
    found = get_design(store, design_id)
    if found is None:
        return []
    did, design = found
    out = capable_facilities(facility_index(store), requirements_of(design, did), lat, lon,
                             radius_km, lang, limit)  # fmt: skip
    fids = [c["id"] for c in out]
    with store.engine.connect() as conn:
        managed = set(conn.execute(select(facility_managers.c.facility_id).where(
            facility_managers.c.facility_id.in_(fids))).scalars()) if fids else set()  # fmt: skip
        offers = conn.execute(select(
            production_offers.c.maker_user_id, production_offers.c.latitude,
            production_offers.c.longitude, production_offers.c.radius_km,
            production_offers.c.id, production_offers.c.title,
        ).where(production_offers.c.design_id == did, production_offers.c.active.is_(True),
                production_offers.c.maker_user_id.is_not(None))).all()  # fmt: skip
    for c in out:
        c["has_managers"] = c["id"] in managed
    seen: set[int] = set()
    for uid, olat, olon, oradius, oid, title in offers:
        d = haversine_km(lat, lon, olat, olon)
        if uid in seen or d > min(oradius, radius_km):
            continue
        seen.add(uid)
        out.append({"kind": "maker", "id": uid, "name": title, "basis": "stated",
                    "distance_km": round(d, 2), "has_managers": True, "offer_id": oid,
                    "target": f"maker:{uid}"})  # fmt: skip
    # stated, then probable, then unknown; nearest first within each
    out.sort(key=lambda c: (BASIS_RANK[c["basis"]], c["distance_km"]))
    return out


def capable_for(store: Store, req: dict[str, Any], lang: str = "en",
                limit: int = LIMIT) -> list[dict[str, Any]]:  # fmt: skip
    """`capable` for a stored request: its registry design, or its measured part files
    (facilities only: makers' offers are for registry designs)."""
    where = (req["latitude"], req["longitude"], req["radius_km"])
    if not req.get("parts"):
        return capable(store, req["design_id"], *where, lang, limit) if req["design_id"] else []
    dr = requirements_of(design_of(req["parts"], req["title"]))
    out = capable_facilities(facility_index(store), dr, *where, lang, limit)
    fids = [c["id"] for c in out]
    with store.engine.connect() as conn:
        managed = set(conn.execute(select(facility_managers.c.facility_id).where(
            facility_managers.c.facility_id.in_(fids))).scalars()) if fids else set()  # fmt: skip
    for c in out:
        c["has_managers"] = c["id"] in managed
    return out
