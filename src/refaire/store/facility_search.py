"""Querying facilities: words, radius around a point, process, material, country."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, func, select

from refaire.geo import bounding_box, cells_covering, haversine_km
from refaire.store.db import Store
from refaire.store.search import match_subquery
from refaire.store.tables import facilities, facility_capabilities, facility_terms

MAX_LIMIT = 500


def expand_process(process_id: str) -> list[str]:
    """The id and every narrower id: asking for 3d-printing also finds fdm printers."""
    return list(_expanded(process_id))


@lru_cache(maxsize=512)
def _expanded(process_id: str) -> tuple[str, ...]:
    # The vocabulary is fixed for the life of the process: walk it once per id.
    from refaire.vocab.capabilities import all_ids, process_ancestors

    return (process_id, *(p for p in all_ids("process") if process_id in process_ancestors(p)))


def _offers(kind: str, values: list[str]):  # noqa: ANN202 (a SQL expression)
    """EXISTS: the facility offers one of `values`, probed on (kind, value, facility_id)."""
    return (
        select(facility_capabilities.c.facility_id)
        .where(
            facility_capabilities.c.kind == kind,
            facility_capabilities.c.value.in_(values),
            facility_capabilities.c.facility_id == facilities.c.id,
        )
        .exists()
    )


def search_facilities(
    store: Store,
    q: str | None = None,
    near: tuple[float, float] | None = None,
    radius_km: float | None = None,
    process: str | None = None,
    material: str | None = None,
    country: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Facilities matching every given filter; nearest first when `near` is given.

    The radius is applied exactly (haversine) after an indexed bounding-box
    pre-selection on latitude/longitude.
    """
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    if near is not None and radius_km is None:
        radius_km = 50.0
    processes = expand_process(process) if process else None
    matched = match_subquery(facility_terms, "facility_id", q)
    if near is not None and matched is None:
        return _near_in_memory(
            store, near, radius_km or 0.0, processes, material, country, limit, offset
        )
    with store.engine.connect() as conn:
        if near is not None:
            total, rows = _near(
                conn, near, radius_km, matched, processes, material, country, limit, offset
            )
        else:
            stmt = select(*_COLUMNS)
            if matched is not None:
                sub = matched.subquery()
                stmt = stmt.join(sub, sub.c.id == facilities.c.id)
            if processes:
                stmt = stmt.where(
                    facilities.c.id.in_(
                        select(facility_capabilities.c.facility_id).where(
                            facility_capabilities.c.kind == "process",
                            facility_capabilities.c.value.in_(processes),
                        )
                    )
                )
            if material:
                stmt = stmt.where(
                    facilities.c.id.in_(
                        select(facility_capabilities.c.facility_id).where(
                            facility_capabilities.c.kind == "material",
                            facility_capabilities.c.value == material,
                        )
                    )
                )
            if country:
                stmt = stmt.where(facilities.c.country == country.upper())
            total = conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
            rows = [
                (None, r)
                for r in conn.execute(
                    stmt.order_by(facilities.c.name_sort, facilities.c.id)
                    .limit(limit)
                    .offset(offset)
                )
            ]
        caps = _capabilities_of(conn, [r.id for _d, r in rows])
    items = []
    for dist, r in rows:
        c = caps.get(r.id, {})
        item = {
            "id": r.id,
            "name": r.name,
            "latitude": r.latitude,
            "longitude": r.longitude,
            "location_origin": r.location_origin,
            "country": r.country,
            "city": r.city,
            "kind": r.kind,
            "processes": sorted(c.get("process", [])),
            "materials": sorted(c.get("material", [])),
        }
        if dist is not None:
            item["distance_km"] = dist
        items.append(item)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def _near_in_memory(
    store: Store,
    near: tuple[float, float],
    radius_km: float,
    processes: list[str] | None,
    material: str | None,
    country: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    """A radius query without words, answered by the in-memory `NearIndex`."""
    from refaire.store.facility_near import near_index

    index = near_index(store)
    pos, dist = index.near(near[0], near[1], radius_km, processes, material, country)
    page = range(offset, min(len(pos), offset + limit))
    items = [index.item(int(pos[i]), float(dist[i])) for i in page]
    return {"total": int(len(pos)), "limit": limit, "offset": offset, "items": items}


_COLUMNS = (
    facilities.c.id,
    facilities.c.name,
    facilities.c.latitude,
    facilities.c.longitude,
    facilities.c.location_origin,
    facilities.c.country,
    facilities.c.city,
    facilities.c.kind,
    facilities.c.name_sort,
)


def _near(
    conn: Connection,
    near: tuple[float, float],
    radius_km: float,
    matched: Select | None,
    processes: list[str] | None,
    material: str | None,
    country: str | None,
    limit: int,
    offset: int,
) -> tuple[int, list[tuple[float, Any]]]:
    """(total, page of (distance, row)) for a radius query.

    Only id/latitude/longitude are selected for the candidates, so the database
    answers from the (latitude, longitude) index alone and checks capabilities by
    probing the (kind, value, facility_id) index: no table row is read except for
    the page shown. (Selecting every column made each candidate cost a table read,
    and an IN (subquery) on processes made SQLite walk every facility offering the
    process worldwide.)
    """
    lat, lon = near
    box = bounding_box(lat, lon, radius_km)
    a, b, c, d = box
    stmt = select(facilities.c.id, facilities.c.latitude, facilities.c.longitude).where(
        facilities.c.latitude.between(a, b), facilities.c.longitude.between(c, d)
    )
    if matched is not None:
        sub = matched.subquery()
        stmt = stmt.join(sub, sub.c.id == facilities.c.id)
    cells = cells_covering(box)
    filters = [("process", processes), ("material", [material] if material else None)]
    for kind, values in filters:
        if not values:
            continue
        if cells is not None:
            # Read only this capability's rows in the cells around the circle, from
            # the (kind, value, cell, facility_id) index.
            stmt = stmt.where(
                facilities.c.id.in_(
                    select(facility_capabilities.c.facility_id).where(
                        facility_capabilities.c.kind == kind,
                        facility_capabilities.c.value.in_(values),
                        facility_capabilities.c.cell.in_(cells),
                    )
                )
            )
        else:
            stmt = stmt.where(_offers(kind, values))
    if country:
        stmt = stmt.where(facilities.c.country == country.upper())
    hits = []
    for fid, flat, flon in conn.execute(stmt):
        dist = haversine_km(lat, lon, flat, flon)
        if dist <= radius_km:
            hits.append((dist, fid))
    hits.sort()
    total = len(hits)
    if offset >= total:
        return total, []
    # Equal distances (several labs at one address) are ordered by name, as without
    # `near`: widen the window to whole groups of ties before reading names.
    lo, hi = offset, min(total, offset + limit)
    while lo > 0 and hits[lo - 1][0] == hits[offset][0]:
        lo -= 1
    while hi < total and hits[hi][0] == hits[hi - 1][0]:
        hi += 1
    window = hits[lo:hi]
    by_id = {
        r.id: r
        for r in conn.execute(select(*_COLUMNS).where(facilities.c.id.in_([f for _d, f in window])))
    }
    window.sort(key=lambda h: (h[0], by_id[h[1]].name_sort, h[1]))
    page = window[offset - lo : offset - lo + limit]
    return total, [(round(dist, 3), by_id[fid]) for dist, fid in page]


def _capabilities_of(conn: Connection, ids: list[int]) -> dict[int, dict[str, set[str]]]:
    out: dict[int, dict[str, set[str]]] = {}
    if not ids:
        return out
    for fid, kind, value in conn.execute(
        select(
            facility_capabilities.c.facility_id,
            facility_capabilities.c.kind,
            facility_capabilities.c.value,
        ).where(facility_capabilities.c.facility_id.in_(ids))
    ):
        out.setdefault(fid, {}).setdefault(kind, set()).add(value)
    return out


def facility_points(store: Store, process: str | None = None) -> list[list[Any]]:
    """[id, name, lat, lon, approximate, data] of every located facility (optionally
    offering a process), for maps; `approximate` is 1 when the point is the centre of its
    town; `data` is the kind of capability data known: "stated" (the source names
    processes or machines, some possibly inferred from them), "probable" (only what such
    places usually have) or "unknown" (nothing)."""
    stmt = select(
        facilities.c.id,
        facilities.c.name,
        facilities.c.latitude,
        facilities.c.longitude,
        facilities.c.location_origin,
    ).where(facilities.c.latitude.is_not(None), facilities.c.longitude.is_not(None))
    if process:
        stmt = stmt.where(
            facilities.c.id.in_(
                select(facility_capabilities.c.facility_id).where(
                    facility_capabilities.c.kind == "process",
                    facility_capabilities.c.value.in_(expand_process(process)),
                )
            )
        )
    origins = select(facility_capabilities.c.facility_id, facility_capabilities.c.origin).where(
        facility_capabilities.c.kind == "process"
    ).distinct()
    with store.engine.connect() as conn:
        known: dict[int, str] = {}
        for fid, origin in conn.execute(origins):
            # stated (or inferred from what is stated) outranks probable
            if origin != "probable" or fid not in known:
                known[fid] = "stated" if origin != "probable" else "probable"
        rows = list(conn.execute(stmt))
        # Probable capabilities stay out of the searchable table (searches count only what
        # is stated): read them from the records of the places with nothing stated.
        rest = [r.id for r in rows if r.id not in known]
        for start in range(0, len(rest), 500):
            chunk = select(facilities.c.id, facilities.c.record).where(
                facilities.c.id.in_(rest[start : start + 500])
            )
            for fid, record in conn.execute(chunk):
                caps = (record or {}).get("processes") or []
                if any(c.get("origin") == "probable" for c in caps):
                    known[fid] = "probable"
    return [
        [
            r.id,
            r.name,
            round(r.latitude, 5),
            round(r.longitude, 5),
            int(r.location_origin == "inferred"),
            known.get(r.id, "unknown"),
        ]
        for r in rows
    ]
