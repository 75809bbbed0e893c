"""The outbox: local public designs and facilities as a paged ActivityStreams change feed.

The change sequence is derived, not hooked into every writer: database triggers mark each
record written (`federation_dirty`, whoever wrote it), and `sync` compares the marked
records' stamps (a hash of the stored record, and for a design its `withdrawn_at`) with what
was last published (`federation_published`), appending Create / Update / Delete rows to
`federation_changes`, whose `seq` is the peers' cursor. A record that vanished, or a design
withdrawn by its source, is a Delete. Records pulled from peers (key prefix `fed:`) are
never published again: an instance speaks only for its own records.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    LargeBinary,
    String,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
    update,
)

from refaire.public_source import public_problems, public_source
from refaire.store import Store
from refaire.store.locking import writing
from refaire.store.tables import (
    designs,
    facilities,
    federation_changes,
    federation_dirty,
    federation_published,
)

REMOTE_PREFIX = "fed:"
CONTEXT: list[Any] = [
    "https://www.w3.org/ns/activitystreams",
    {
        "okh": "https://w3id.org/oseg/ont/okh#",
        "okw": "https://w3id.org/oseg/ont/okw#",
        "refaire": "https://refaire.example/ns#",
        "Design": "okh:Module",
        "Facility": "okw:ManufacturingFacility",
        "record": {"@id": "refaire:record", "@type": "@json"},
        "cursor": "refaire:cursor",
    },
]
KINDS = {"design": designs, "facility": facilities}


def _digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()[:32]


def _stamp(conn: Connection, kind: str) -> ColumnElement[str]:
    """A record's stamp, computed by the database: a hash of its stored record text (not
    its `imported_at`: two writes within one second must still be two versions), and for
    a design its `withdrawn_at`. PostgreSQL has sha256; SQLite is given the same function
    in Python, called from inside the query, so an unchanged record never reaches Python
    as a row."""
    table = KINDS[kind]
    text = type_coerce(table.c.record, Text)  # the stored JSON, not decoded
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        raw.create_function("refaire_digest", 1, _digest, deterministic=True)
        # as a BLOB: the UTF-8 bytes as stored, not decoded to str and encoded back
        digest = func.refaire_digest(cast(text, LargeBinary))
    else:
        digest = func.substr(func.encode(func.sha256(func.convert_to(text, "UTF8")), "hex"), 1, 32)
    gone = func.coalesce(table.c.withdrawn_at, "") if kind == "design" else literal("")
    return type_coerce(digest, String) + "|" + type_coerce(gone, String)


def _differences(conn: Connection, kind: str) -> tuple[list[Any], list[Any]]:
    """(marked local records new, changed or once deleted since published — with their
    stamp and published row —, marked published records that are no longer local). Only
    the records the triggers marked are compared, in the database: a pull after 100 changes
    hashes 100 records, not the registry."""
    table = KINDS[kind]
    pub = federation_published
    mark = federation_dirty
    marked = and_(mark.c.kind == kind, mark.c.record_id == table.c.id)
    stamp = _stamp(conn, kind)
    local = ~table.c.key.startswith(REMOTE_PREFIX, autoescape=True)
    changed = conn.execute(
        select(table.c.id, table.c.key, stamp.label("stamp"), pub.c.id.label("pid"),
               pub.c.stamp.label("was"), pub.c.deleted_at.label("was_deleted"))
        .select_from(table.join(mark, marked)
                     .outerjoin(pub, and_(pub.c.kind == kind, pub.c.record_id == table.c.id)))
        .where(local)
        .where(or_(pub.c.id.is_(None), pub.c.deleted_at.is_not(None), pub.c.stamp != stamp))
    ).all()  # fmt: skip
    vanished = conn.execute(
        select(pub)
        .select_from(
            pub.join(mark, and_(mark.c.kind == kind, mark.c.record_id == pub.c.record_id))
            .outerjoin(table, table.c.id == pub.c.record_id)
        )
        .where(pub.c.kind == kind)
        .where(pub.c.deleted_at.is_(None))
        .where(or_(table.c.id.is_(None), ~local))
    ).all()
    return changed, vanished


def sync(store: Store) -> int:
    """Append the changes since the last sync; how many were appended. The writes go in
    bulk (one executemany per kind of row): the first sync of a large registry publishes
    every record at once."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    added = 0
    mark = federation_dirty
    with writing(store.engine) as conn:
        seen = conn.execute(select(mark.c.kind, mark.c.record_id, mark.c.n)).all()
        if not seen:
            return 0
        for kind in KINDS:
            changed, vanished = _differences(conn, kind)
            changes: list[dict[str, Any]] = []
            fresh: list[dict[str, Any]] = []
            moved: list[dict[str, Any]] = []
            for row in changed:
                rid, key, stamp = row.id, row.key, row.stamp
                withdrawn = not stamp.endswith("|")
                if row.pid is None:
                    if withdrawn:
                        continue  # never published, nothing to take back
                    fresh.append({"kind": kind, "record_id": rid, "key": key, "stamp": stamp})
                    changes.append({"record_id": rid, "key": key, "action": "Create"})
                elif row.was != stamp or (row.was_deleted is not None) != withdrawn:
                    deleted = row.was_deleted is not None
                    action = "Delete" if withdrawn else ("Create" if deleted else "Update")
                    moved.append({"row": row.pid, "stamp": stamp, "key": key,
                                  "deleted_at": now if withdrawn else None})  # fmt: skip
                    changes.append({"record_id": rid, "key": key, "action": action})
            for was in vanished:
                moved.append({"row": was.id, "stamp": was.stamp, "key": was.key,
                              "deleted_at": now})  # fmt: skip
                changes.append({"record_id": was.record_id, "key": was.key, "action": "Delete"})
            if fresh:
                conn.execute(insert(federation_published), fresh)
            if moved:
                conn.execute(
                    update(federation_published)
                    .where(federation_published.c.id == bindparam("row"))
                    .values(stamp=bindparam("stamp"), key=bindparam("key"),
                            deleted_at=bindparam("deleted_at")),
                    moved,
                )  # fmt: skip
            if changes:
                conn.execute(
                    insert(federation_changes),
                    [{**c, "kind": kind, "at": now} for c in changes],
                )
                added += len(changes)
        # a record marked again since `seen` was read keeps its mark for the next sync
        conn.execute(
            delete(mark).where(
                mark.c.kind == bindparam("m_kind"),
                mark.c.record_id == bindparam("m_id"),
                mark.c.n == bindparam("m_n"),
            ),
            [{"m_kind": m.kind, "m_id": m.record_id, "m_n": m.n} for m in seen],
        )
    return added


_last_sync: dict[str, float] = {}


def _sync_period() -> float:
    try:
        return float(os.environ.get("REFAIRE_FEDERATION_SYNC_S", "2"))
    except ValueError:
        return 2.0


def _sync_at_most_every(store: Store, seconds: float) -> None:
    """A sync scans every local record: anyone may ask for the outbox's end, so within one
    process it runs at most once every `seconds` (a change newer than that is in the next
    pull). Set REFAIRE_FEDERATION_SYNC_S=0 to sync on every request that reaches the end."""
    now = time.monotonic()
    if now - _last_sync.get(store.url, -1e9) < seconds:
        return
    _last_sync[store.url] = now
    sync(store)


def _public_record(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """The record as any visitor may see it: no local file paths of its sources."""
    data = dict(record)
    data["problems"] = public_problems(data.get("problems"))
    if kind == "design" and data.get("provenance"):
        data["provenance"] = {**data["provenance"], "source": public_source(
            data["provenance"].get("source"))}  # fmt: skip
        data["provenance"].pop("text", None)
    if kind == "facility":
        data["sources"] = [
            {**s, "source": public_source(s.get("source")) or ""} for s in data.get("sources", [])
        ]
    return data


def object_id(base: str, kind: str, record_id: int) -> str:
    return f"{base}/{'designs' if kind == 'design' else 'facilities'}/{record_id}"


def page(store: Store, base: str, after: int, limit: int) -> dict[str, Any]:
    """The changes after `after` (at most `limit`), as an OrderedCollectionPage.

    The log is brought up to date (`sync`, a scan of every local record) only when a reader
    reaches its end, not for every page: a peer paging through 100,000 changes costs one
    scan, and whoever reaches the end sees every change made until then."""
    actor = f"{base}/federation/actor"
    query = (
        select(federation_changes)
        .where(federation_changes.c.seq > after)
        .order_by(federation_changes.c.seq)
        .limit(limit + 1)
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    if len(rows) <= limit:
        _sync_at_most_every(store, _sync_period())
    with store.engine.connect() as conn:
        if len(rows) <= limit:
            rows = conn.execute(query).all()
        more = len(rows) > limit
        rows = rows[:limit]
        records: dict[tuple[str, int], dict[str, Any]] = {}
        for kind, table in KINDS.items():
            ids = [r.record_id for r in rows if r.kind == kind and r.action != "Delete"]
            for i in range(0, len(ids), 500):
                for rid, rec in conn.execute(
                    select(table.c.id, table.c.record).where(table.c.id.in_(ids[i : i + 500]))
                ):
                    records[(kind, rid)] = rec
    items = []
    for r in rows:
        obj: dict[str, Any] = {
            "id": object_id(base, r.kind, r.record_id),
            "type": "Design" if r.kind == "design" else "Facility",
            "attributedTo": actor,
        }
        rec = records.get((r.kind, r.record_id))
        if r.action == "Delete" or rec is None:
            # gone since: a later Delete follows, or the record was removed
            obj = {"id": obj["id"], "type": "Tombstone", "formerType": obj["type"]}
            action = "Delete" if r.action == "Delete" else r.action
        else:
            obj["name"] = rec.get("name")
            obj["record"] = _public_record(r.kind, rec)
            action = r.action
        items.append({
            "id": f"{base}/federation/changes/{r.seq}", "type": action, "actor": actor,
            "published": r.at, "cursor": r.seq, "object": obj,
        })  # fmt: skip
    last = rows[-1].seq if rows else after
    out: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"{base}/federation/outbox?after={after}",
        "type": "OrderedCollectionPage",
        "partOf": f"{base}/federation/outbox",
        "orderedItems": items,
        "cursor": last,
    }
    if more:
        out["next"] = f"{base}/federation/outbox?after={last}"
    return out
