"""Storing, reading and querying facilities (places that make things)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from refaire.geo import bounding_box, grid_cell
from refaire.model import Facility
from refaire.store.db import Store
from refaire.store.designs import SaveCounts
from refaire.store.ids import row_id
from refaire.store.paging import rows_by_id
from refaire.store.tables import facilities, facility_capabilities, facility_keys, facility_terms
from refaire.text import fold, weighted_terms

MERGE_RADIUS_KM = 0.2


def capability_rows(fid: int, f: Facility) -> list[dict[str, Any]]:
    """The facility_capabilities rows of a facility: one per (kind, id), with its grid cell."""
    cell = (
        grid_cell(f.latitude, f.longitude)
        if f.latitude is not None and f.longitude is not None
        else None
    )
    seen: dict[tuple[str, str], str] = {}
    caps = [("process", c) for c in f.processes] + [("material", c) for c in f.materials]
    for e in f.equipment:
        caps += [("process", c) for c in e.processes] + [("material", c) for c in e.materials]
    for kind, c in caps:
        # a capability stated anywhere counts as stated, even if also inferred elsewhere
        if seen.get((kind, c.id)) != "stated":
            seen[(kind, c.id)] = c.origin
    return [
        {"facility_id": fid, "kind": k, "value": v, "origin": o, "cell": cell}
        for (k, v), o in seen.items()
    ]


def _terms(f: Facility) -> dict[str, int]:
    equipment = " ".join(
        " ".join(x for x in (e.equipment_type, e.make, e.model) if x) for e in f.equipment
    )
    return weighted_terms(
        [(f.name, 3), (f.city, 2), (f.description, 1), (equipment, 1), (f.kind, 1)]
    )


def _row(f: Facility, now: str) -> dict[str, Any]:
    return {
        "key": f.key[:1000],
        "name": f.name[:500],
        "name_sort": fold(f.name)[:500],
        "latitude": f.latitude,
        "longitude": f.longitude,
        "location_origin": f.location_origin,
        "country": (f.country or None) and f.country[:2].upper(),
        "city": (f.city or None) and f.city[:200],
        "kind": (f.kind or None) and f.kind[:60],
        "imported_at": now,
        "record": f.to_dict(),
    }


def _find_existing(conn: Connection, f: Facility) -> tuple[int, Facility] | None:
    """The stored facility this record is: same key, or the same place from another source."""
    fid = conn.execute(
        select(facility_keys.c.facility_id).where(facility_keys.c.key == f.key)
    ).scalar()
    if fid is not None:
        rec = conn.execute(select(facilities.c.record).where(facilities.c.id == fid)).scalar_one()
        return fid, Facility.from_dict(rec)
    from refaire.ingest.facility_merge import same_facility

    conds = [facilities.c.name_sort == fold(f.name)[:500]]
    if f.latitude is not None and f.longitude is not None:
        a, b, c, d = bounding_box(f.latitude, f.longitude, MERGE_RADIUS_KM)
        conds.append(facilities.c.latitude.between(a, b) & facilities.c.longitude.between(c, d))
    for row in conn.execute(
        select(facilities.c.id, facilities.c.record).where(or_(*conds)).limit(50)
    ):
        other = Facility.from_dict(row.record)
        if same_facility(other, f):
            return row.id, other
    return None


def save_facilities(store: Store, items: Iterable[Facility]) -> SaveCounts:
    """Insert facilities, update known ones, and merge records of the same place.

    A record is the same place as a stored one when it has the same key, or when
    `refaire.ingest.facility_merge.same_facility` says so (same name, or within
    ~200 m with a similar name); it is then merged, keeping per-field provenance.
    """
    from refaire.ingest.facility_merge import dedupe, merge

    batch = dedupe(list(items))
    counts = SaveCounts()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with store.engine.begin() as conn:
        for f in batch:
            found = _find_existing(conn, f)
            if found is None:
                fid = conn.execute(
                    insert(facilities).returning(facilities.c.id), [_row(f, now)]
                ).scalar_one()
                counts.imported += 1
                merged = f
            else:
                fid, stored = found
                merged = f if _only_from(stored, f) else merge(stored, f)
                merged.key = stored.key
                conn.execute(
                    update(facilities).where(facilities.c.id == fid).values(**_row(merged, now))
                )
                conn.execute(
                    delete(facility_capabilities).where(facility_capabilities.c.facility_id == fid)
                )
                conn.execute(delete(facility_terms).where(facility_terms.c.facility_id == fid))
                counts.updated += 1
            _write_children(conn, fid, merged, f.key)
            counts.keys.append(merged.key)
    return counts


def _only_from(stored: Facility, incoming: Facility) -> bool:
    """True when everything stored came from the incoming record's own sources.

    Then the incoming record replaces the stored one (a re-import of a changed
    source must drop what the source no longer says, not union with it).
    """
    if stored.key != incoming.key:
        return False
    mine = {s.source for s in incoming.sources}
    return all(s.source in mine for s in stored.sources)


def _write_children(conn: Connection, fid: int, f: Facility, key: str) -> None:
    caps = capability_rows(fid, f)
    if caps:
        conn.execute(insert(facility_capabilities), caps)
    terms = [{"term": t, "facility_id": fid, "weight": w} for t, w in _terms(f).items()]
    if terms:
        conn.execute(insert(facility_terms), terms)
    for k in {key[:1000], f.key[:1000]}:
        if (
            conn.execute(select(facility_keys.c.key).where(facility_keys.c.key == k)).first()
            is None
        ):
            conn.execute(insert(facility_keys), [{"key": k, "facility_id": fid}])


def get_facility(store: Store, ident: int | str) -> tuple[int, Facility] | None:
    with store.engine.connect() as conn:
        fid = row_id(ident)
        if fid is None:
            fid = conn.execute(
                select(facility_keys.c.facility_id).where(facility_keys.c.key == str(ident))
            ).scalar()
            if fid is None:
                return None
        rec = conn.execute(select(facilities.c.record).where(facilities.c.id == fid)).scalar()
    return None if rec is None else (fid, Facility.from_dict(rec))


def count_facilities(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(facilities)).scalar_one()


def iter_facilities(store: Store, batch: int = 1000) -> Iterator[tuple[int, Facility]]:
    query = select(facilities.c.id, facilities.c.record)
    for row in rows_by_id(store, query, facilities.c.id, batch):
        yield row.id, Facility.from_dict(row.record)
