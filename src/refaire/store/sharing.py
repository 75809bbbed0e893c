"""Queries of the sharing tables, and the write transaction that serialises bookings.

`locked(store)` is the one way a booking is written. On SQLite it begins with BEGIN
IMMEDIATE, taking the database's write lock before the service checks for a conflict, so
no other writer can slip a booking in between the check and the insert. On PostgreSQL the
exclusion constraint of migration 0008 is the guard: a concurrent insert that overlaps an
active booking of the same unit fails with an integrity error, which the service turns into
a retry (another unit) or a 409.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, String, and_, func, insert, select, type_coerce

from refaire.model.booking import Busy
from refaire.store import generations
from refaire.store.db import Store
from refaire.store.tables import (
    bookings,
    facilities,
    resources,
    session_signups,
    training_records,
    training_sessions,
    trainings,
)

ACTIVE = ("pending", "confirmed")
GENERATION = "bookings"


def utc(value: datetime) -> datetime:
    """A stored instant as an aware UTC datetime (SQLite gives it back naive)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def db_time(value: datetime) -> datetime:
    """What is written: UTC, naive on SQLite (its DATETIME text has no offset, and comparing
    texts in one format orders them in time), aware on PostgreSQL."""
    return value.astimezone(UTC)


@contextmanager
def locked(store: Store, resource_id: int | None = None) -> Iterator[Connection]:
    """A write transaction that holds the write lock from its start on SQLite.

    On PostgreSQL, with `resource_id`, it first locks that resource's row: writers to one
    resource then queue and each checks after the previous one committed, instead of two
    inserts waiting on each other inside the exclusion constraint (a deadlock PostgreSQL
    breaks by aborting one). The constraint stays the guarantee; the row lock is courtesy.
    """
    with store.engine.connect() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif resource_id is not None:
            conn.execute(select(resources.c.id).where(resources.c.id == resource_id)
                         .with_for_update())  # fmt: skip
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        else:
            generations.bump(conn, GENERATION)
            conn.commit()


def _row(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    out = dict(row._mapping)
    for key in ("starts_at", "ends_at"):
        if isinstance(out.get(key), datetime):
            out[key] = utc(out[key])
    return out


def resource_row(conn: Connection, rid: int) -> dict[str, Any] | None:
    return _row(conn.execute(select(resources).where(resources.c.id == rid)).first())


def resources_where(
    conn: Connection, *, facility_id: int | None = None, owner: int | None = None,
    kind: str | None = None, limit: int = 50, offset: int = 0,
) -> dict[str, Any]:  # fmt: skip
    where = [resources.c.active.is_(True)]
    if facility_id is not None:
        where.append(resources.c.facility_id == facility_id)
    if owner is not None:
        where.append(resources.c.owner_user_id == owner)
    if kind is not None:
        where.append(resources.c.kind == kind)
    total = conn.execute(select(func.count()).select_from(resources).where(*where)).scalar()
    rows = conn.execute(
        select(resources).where(*where).order_by(resources.c.id).limit(limit).offset(offset)
    ).all()
    return {"total": total or 0, "limit": limit, "offset": offset,
            "items": [_row(r) for r in rows]}  # fmt: skip


def facility_hours(conn: Connection, facility_id: int | None) -> dict[str, Any] | None:
    """The facility's opening hours as facility management stores them (record.extra.hours)."""
    if facility_id is None:
        return None
    record = conn.execute(
        select(facilities.c.record).where(facilities.c.id == facility_id)
    ).scalar()
    return ((record or {}).get("extra") or {}).get("hours")


def facility_brief(conn: Connection, facility_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        select(
            facilities.c.id,
            facilities.c.key,
            facilities.c.name,
            facilities.c.country,
            facilities.c.record,
        ).where(facilities.c.id == facility_id)  # fmt: skip
    ).first()
    return dict(row._mapping) if row else None


def busy_between(
    conn: Connection, rid: int, start: datetime, end: datetime, exclude: int | None = None
) -> list[Busy]:
    """Active bookings and blocks of the resource overlapping [start, end)."""
    where = [
        bookings.c.resource_id == rid,
        bookings.c.status.in_(ACTIVE),
        bookings.c.starts_at < db_time(end),
        bookings.c.ends_at > db_time(start),
    ]
    if exclude is not None:
        where.append(bookings.c.id != exclude)
    a, b = bookings.c.starts_at, bookings.c.ends_at
    if conn.dialect.name == "sqlite":
        # SQLAlchemy parses SQLite's DATETIME text with a regular expression; the C
        # `fromisoformat` reads the same text several times faster (free slots read 1,000s),
        # and with the UTC offset appended in SQL it returns aware instants in one call.
        a = type_coerce(a, String).concat("+00:00")
        b = type_coerce(b, String).concat("+00:00")
    rows = conn.execute(
        select(bookings.c.id, bookings.c.unit, a, b).where(*where).order_by(bookings.c.starts_at)
    ).all()
    if conn.dialect.name == "sqlite":
        parse = datetime.fromisoformat
        return [Busy(parse(r[2]), parse(r[3]), r[1], r[0]) for r in rows]
    return [Busy(utc(r[2]), utc(r[3]), r.unit, r.id) for r in rows]


def insert_booking(conn: Connection, values: dict[str, Any]) -> int:
    values = {**values, "starts_at": db_time(values["starts_at"]),
              "ends_at": db_time(values["ends_at"])}  # fmt: skip
    return conn.execute(insert(bookings).values(**values).returning(bookings.c.id)).scalar_one()


def booking_row(conn: Connection, bid: int) -> dict[str, Any] | None:
    return _row(conn.execute(select(bookings).where(bookings.c.id == bid)).first())


def bookings_where(
    conn: Connection, *, user_id: int | None = None, resource_ids: list[int] | None = None,
    start: datetime | None = None, end: datetime | None = None, status: str | None = None,
    kind: str | None = "booking", limit: int = 50, offset: int = 0,
) -> dict[str, Any]:  # fmt: skip
    where = []
    if user_id is not None:
        where.append(bookings.c.user_id == user_id)
    if resource_ids is not None:
        where.append(bookings.c.resource_id.in_(resource_ids))
    if start is not None:
        where.append(bookings.c.ends_at > db_time(start))
    if end is not None:
        where.append(bookings.c.starts_at < db_time(end))
    if status is not None:
        where.append(bookings.c.status == status)
    if kind is not None:
        where.append(bookings.c.kind == kind)
    total = conn.execute(select(func.count()).select_from(bookings).where(*where)).scalar()
    rows = conn.execute(
        select(
            bookings,
            resources.c.name.label("resource_name"),
            resources.c.time_zone,
            resources.c.facility_id,
        )  # fmt: skip
        .select_from(bookings.join(resources, resources.c.id == bookings.c.resource_id))
        .where(*where)
        .order_by(bookings.c.starts_at, bookings.c.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return {"total": total or 0, "limit": limit, "offset": offset,
            "items": [_row(r) for r in rows]}  # fmt: skip


def training_row(conn: Connection, tid: int) -> dict[str, Any] | None:
    return _row(conn.execute(select(trainings).where(trainings.c.id == tid)).first())


def valid_trainings(conn: Connection, user_id: int, on: str) -> set[int]:
    """Training ids the member holds on the date `on` (YYYY-MM-DD) and that have not expired."""
    rows = conn.execute(
        select(training_records.c.training_id).where(
            training_records.c.user_id == user_id,
            training_records.c.trained_on <= on,
            (training_records.c.expires_on.is_(None)) | (training_records.c.expires_on >= on),
        )
    ).scalars()
    return set(rows)


def next_session(conn: Connection, tid: int, after: datetime) -> dict[str, Any] | None:
    """The first session of the training after `after` that still has a free place."""
    taken = (
        select(session_signups.c.session_id, func.count().label("n"))
        .group_by(session_signups.c.session_id)
        .subquery()
    )
    row = conn.execute(
        select(training_sessions, func.coalesce(taken.c.n, 0).label("taken"))
        .select_from(
            training_sessions.outerjoin(taken, taken.c.session_id == training_sessions.c.id)
        )
        .where(
            and_(
                training_sessions.c.training_id == tid,
                training_sessions.c.starts_at > db_time(after),
                func.coalesce(taken.c.n, 0) < training_sessions.c.capacity,
            )
        )
        .order_by(training_sessions.c.starts_at)
        .limit(1)
    ).first()
    return _row(row)


def member_trainings(conn: Connection, user_id: int) -> dict[str, list[dict[str, Any]]]:
    """A member's training sessions (signed up) and training records, soonest first."""
    signed = conn.execute(
        select(training_sessions.c.id, training_sessions.c.starts_at,
               training_sessions.c.ends_at, training_sessions.c.capacity,
               trainings.c.id.label("training_id"), trainings.c.name.label("training"),
               facilities.c.id.label("facility_id"), facilities.c.name.label("facility"),
               facilities.c.record)  # fmt: skip
        .select_from(session_signups.join(training_sessions,
                     session_signups.c.session_id == training_sessions.c.id)
                     .join(trainings, trainings.c.id == training_sessions.c.training_id)
                     .join(facilities, facilities.c.id == trainings.c.facility_id))  # fmt: skip
        .where(session_signups.c.user_id == user_id)
        .order_by(training_sessions.c.starts_at)
    ).all()
    held = conn.execute(
        select(training_records.c.trained_on, training_records.c.expires_on,
               trainings.c.id.label("training_id"), trainings.c.name.label("training"),
               facilities.c.id.label("facility_id"), facilities.c.name.label("facility"))  # fmt: skip
        .select_from(training_records.join(trainings, trainings.c.id == training_records.c.training_id)
                     .join(facilities, facilities.c.id == trainings.c.facility_id))  # fmt: skip
        .where(training_records.c.user_id == user_id)
        .order_by(training_records.c.trained_on.desc())
    ).all()
    sessions = []
    for r in signed:
        zone = ((((r.record or {}).get("extra") or {}).get("hours") or {}).get("time_zone")) or "UTC"
        sessions.append({"session_id": r.id, "training_id": r.training_id, "training": r.training,
                         "facility_id": r.facility_id, "facility": r.facility,
                         "starts_at": utc(r.starts_at).isoformat(),
                         "ends_at": utc(r.ends_at).isoformat(), "time_zone": zone})  # fmt: skip
    return {"sessions": sessions, "records": [dict(r._mapping) for r in held]}
