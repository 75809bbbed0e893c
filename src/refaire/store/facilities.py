"""Storing, reading and querying facilities (places that make things)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update
from sqlalchemy.exc import DBAPIError

from refaire.geo import bounding_box, grid_cell
from refaire.manage.stated import MANAGER_FORMAT, keep_manager_fields
from refaire.model import Facility
from refaire.store.db import Store
from refaire.store.designs import SaveCounts, db_message
from refaire.store.generations import bump
from refaire.store.ids import row_id
from refaire.store.locking import writing
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
        if c.origin == "probable":
            continue  # what such places usually have: searches list what is stated or inferred
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
    row = {
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
    # PostgreSQL refuses NUL in text; readers clean it, this is for every other writer.
    for name, value in row.items():
        if isinstance(value, str) and "\x00" in value:
            row[name] = value.replace("\x00", "")
    return row


def _find_existing(conn: Connection, f: Facility) -> tuple[int, Facility, str | None] | None:
    """The stored facility this record is, with the evidence when it is another source's.

    Same key (a re-import: no evidence needed), or the same place from another source.
    """
    from refaire.ingest.facility_merge import merge_evidence

    found = _by_key(conn, f.key)
    if found is not None:
        fid, stored = found
        if _shares_source(stored, f):
            return fid, stored, None
        # The same key from another source: a native id or a bare name anyone can
        # write. Only evidence makes it this place; otherwise it is kept apart,
        # under a key qualified by its source (which its re-imports find again).
        evidence = merge_evidence(stored, f)
        if evidence is not None:
            return fid, stored, f"same key ({f.key}); {evidence}"
        f.key = _source_key(f)
        found = _by_key(conn, f.key)
        if found is not None:
            return found[0], found[1], None

    conds = [facilities.c.name_sort == fold(f.name)[:500]]
    if f.latitude is not None and f.longitude is not None:
        a, b, c, d = bounding_box(f.latitude, f.longitude, MERGE_RADIUS_KM)
        conds.append(facilities.c.latitude.between(a, b) & facilities.c.longitude.between(c, d))
    for row in conn.execute(
        select(facilities.c.id, facilities.c.record).where(or_(*conds)).limit(50)
    ):
        other = Facility.from_dict(row.record)
        evidence = merge_evidence(other, f)
        if evidence is not None:
            return row.id, other, evidence
    return None


def _by_key(conn: Connection, key: str) -> tuple[int, Facility] | None:
    fid = conn.execute(
        select(facility_keys.c.facility_id).where(facility_keys.c.key == key[:1000])
    ).scalar()
    if fid is None:
        return None
    rec = conn.execute(select(facilities.c.record).where(facilities.c.id == fid)).scalar_one()
    return fid, Facility.from_dict(rec)


def _sources(f: Facility) -> set[str]:
    return {s.source for s in f.sources}


def _shares_source(stored: Facility, incoming: Facility) -> bool:
    """True when the stored facility has a field from one of the incoming record's sources."""
    mine = _sources(incoming)
    return not mine or bool(mine & _sources(stored))


def _source_key(f: Facility) -> str:
    import hashlib

    first = sorted(_sources(f))[0]
    return f"{f.key[:980]}~{hashlib.sha256(first.encode('utf-8', 'replace')).hexdigest()[:8]}"


def save_facilities(store: Store, items: Iterable[Facility]) -> SaveCounts:
    """Insert facilities, update known ones, and merge records of the same place.

    A record is the same place as a stored one when it has the same key, or when
    `refaire.ingest.facility_merge.merge_evidence` finds evidence (a name backed by
    a location, a website or a town; or a similar name next door); it is then
    merged, keeping per-field provenance, and the merge is listed in `merges`. Each
    record is written in its own savepoint: one the database refuses is reported in
    `failed` and the others are stored.
    """
    from refaire.ingest.facility_merge import dedupe

    counts = SaveCounts()
    records = list(items)
    batch = dedupe(records, counts.merges)
    # Records that joined another of the batch (named, with both files, in `merges`).
    counts.merged = len(records) - len(batch)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with writing(store.engine) as conn:
        for f in batch:
            try:
                with conn.begin_nested():
                    _save_one(conn, f, now, counts)
            except DBAPIError as exc:
                source = f.sources[0].source if f.sources else f.key
                counts.failed.append((source, db_message(exc)))
        bump(conn, "facilities")
    return counts


def _save_one(conn: Connection, f: Facility, now: str, counts: SaveCounts) -> None:
    from refaire.ingest.facility_merge import merge

    found = _find_existing(conn, f)
    if found is None:
        fid = conn.execute(
            insert(facilities).returning(facilities.c.id), [_row(f, now)]
        ).scalar_one()
        counts.imported += 1
        merged = f
    else:
        fid, stored, evidence = found
        merged = f if _only_from(stored, f) else merge(stored, f)
        merged.key = stored.key
        merged = keep_manager_fields(stored, f, merged)
        conn.execute(update(facilities).where(facilities.c.id == fid).values(**_row(merged, now)))
        conn.execute(
            delete(facility_capabilities).where(facility_capabilities.c.facility_id == fid)
        )
        conn.execute(delete(facility_terms).where(facility_terms.c.facility_id == fid))
        counts.updated += 1
        if evidence is not None:
            from refaire.ingest.facility_merge import first_source

            counts.merges.append(
                {
                    "record": f.key,
                    "into": stored.key,
                    "evidence": evidence,
                    "record_source": first_source(f),
                    "into_source": first_source(stored),
                }
            )
    _write_children(conn, fid, merged, f.key)
    counts.keys.append(merged.key)


def _only_from(stored: Facility, incoming: Facility) -> bool:
    """True when everything stored came from the incoming record's own sources.

    Then the incoming record replaces the stored one (a re-import of a changed
    source must drop what the source no longer says, not union with it).
    """
    if stored.key != incoming.key:
        return False
    mine = {s.source for s in incoming.sources}
    # what a facility's manager stated is not the source's: keep_manager_fields keeps it
    return all(s.source in mine for s in stored.sources if s.format != MANAGER_FORMAT)


def _write_children(conn: Connection, fid: int, f: Facility, key: str) -> None:
    caps = capability_rows(fid, f)
    if caps:
        conn.execute(insert(facility_capabilities), caps)
    terms = [{"term": t, "facility_id": fid, "weight": w} for t, w in _terms(f).items()]
    if terms:
        conn.execute(insert(facility_terms), terms)
    # The keys of the records merged into this one in the batch (`dedupe`) too: a
    # re-import of any of them is an update, not a merge again.
    merged_in = [k for k in f.extra.get("merged_keys", []) if isinstance(k, str)]
    for k in {key[:1000], f.key[:1000], *(k[:1000] for k in merged_in)}:
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


def replace_facility(conn: Connection, fid: int, f: Facility) -> None:
    """Rewrite a stored facility in place (a manager's edit, not an import), with its
    capability and search rows, inside the caller's transaction."""
    # The matching index is cached on max(imported_at): an edit must move it, even twice
    # in one second.
    now = datetime.now(UTC).isoformat(timespec="microseconds")
    conn.execute(update(facilities).where(facilities.c.id == fid).values(**_row(f, now)))
    conn.execute(delete(facility_capabilities).where(facility_capabilities.c.facility_id == fid))
    conn.execute(delete(facility_terms).where(facility_terms.c.facility_id == fid))
    _write_children(conn, fid, f, f.key)
    bump(conn, "facilities")
