"""Trainings: who may use a machine that needs one, and training sessions one can book.

A manager records that a member is trained (date, optional expiry; a training valid for N
months expires N months after it was taken unless told otherwise). A session is an event
with a capacity; signing up is serialised like a booking, so a session never holds more
people than its capacity. `missing_training` words the refusal of a booking: the missing
training and its next session with a free place.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import delete, func, insert, select, update

from refaire.people import audit
from refaire.people._common import stamp
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.sharing.access import (
    MANAGE_SCOPE,
    NotAllowed,
    SharingError,
    UnknownResource,
    UnknownTraining,
    require_member,
)
from refaire.store import Store
from refaire.store import sharing as q
from refaire.store.tables import resources, session_signups, training_records, training_sessions

MAX_CAPACITY = 1000


def _training(store: Store, actor: Actor, tid: Any, what: str) -> dict[str, Any]:
    from refaire.people.roles import manages_facility

    with store.engine.connect() as conn:
        t = q.training_row(conn, int(tid)) if str(tid).isdigit() else None
    if t is None:
        raise UnknownTraining(Said("sharing.err.no_training", id=repr(tid)))
    require_member(actor, what, MANAGE_SCOPE)
    if not manages_facility(store, actor, t["facility_id"]):
        raise NotAllowed(Said("sharing.err.only_facility_managers", what=what))
    return t


def _date(text: Any, field: str, problems: list) -> date | None:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        problems.append((field, Said("sharing.err.date", value=repr(text))))
        return None


def record_training(store: Store, actor: Actor, tid: int | str, user: int | str,
                    trained_on: str | None = None, expires_on: str | None = None) -> dict:  # fmt: skip
    """Record that member `user` (id or e-mail) holds training `tid` (managers only)."""
    from refaire.people.users import find_user

    t = _training(store, actor, tid, Said("sharing.what.record_training"))
    member = find_user(store, str(user)) if not str(user).isdigit() else {"id": int(user)}
    problems: list[tuple[str, str]] = []
    on = _date(trained_on, "trained_on", problems) if trained_on else datetime.now(UTC).date()
    until = _date(expires_on, "expires_on", problems) if expires_on else None
    if on and until is None and t["valid_months"]:
        until = on + relativedelta(months=t["valid_months"])
    if on and until and until < on:
        problems.append(("expires_on", Said("sharing.err.expires_before")))
    if problems:
        raise SharingError(problems)
    row = {"training_id": t["id"], "user_id": member["id"], "trained_on": on.isoformat(),
           "expires_on": until.isoformat() if until else None, "recorded_by": actor.label,
           "recorded_at": stamp()}  # fmt: skip
    with store.engine.begin() as conn:
        rid = conn.execute(
            insert(training_records).values(**row).returning(training_records.c.id)
        ).scalar_one()
        audit.record(conn, actor, "training.record", "training", str(t["id"]), None, row)
    return {"id": rid, "training": t["name"], **row}


def require_trainings(store: Store, actor: Actor, rid: int | str, tids: list[int]) -> dict:
    """Set the trainings a resource requires (its facility's trainings only)."""
    from refaire.sharing.access import check_manages
    from refaire.sharing.resources import get_resource, resource_detail

    r = get_resource(store, rid)
    check_manages(store, actor, r, Said("sharing.what.require_trainings"))
    with store.engine.connect() as conn:
        for tid in tids:
            t = q.training_row(conn, tid)
            if t is None or t["facility_id"] != r["facility_id"]:
                raise SharingError([("trainings", Said("sharing.err.training_elsewhere", id=tid))])
    with store.engine.begin() as conn:
        conn.execute(
            update(resources).where(resources.c.id == r["id"]).values(required_trainings=tids)
        )
        audit.record(conn, actor, "resource.trainings", "resource", str(r["id"]),
                     {"trainings": r["required_trainings"]}, {"trainings": tids})  # fmt: skip
    return resource_detail(store, r["id"])


def add_session(store: Store, actor: Actor, tid: int | str, starts_at: datetime,
                ends_at: datetime, capacity: int) -> dict:  # fmt: skip
    t = _training(store, actor, tid, Said("sharing.what.schedule"))
    problems = []
    if ends_at <= starts_at:
        problems.append(("ends_at", Said("sharing.err.session_order")))
    if starts_at < datetime.now(UTC):
        problems.append(("starts_at", Said("sharing.err.session_past")))
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        problems.append(("capacity", Said("sharing.err.capacity", n=MAX_CAPACITY)))
    if problems:
        raise SharingError(problems)
    row = {
        "training_id": t["id"],
        "starts_at": q.db_time(starts_at),
        "ends_at": q.db_time(ends_at),
        "capacity": capacity,
        "created_at": stamp(),
    }
    with store.engine.begin() as conn:
        sid = conn.execute(
            insert(training_sessions).values(**row).returning(training_sessions.c.id)
        ).scalar_one()
        audit.record(conn, actor, "training.session", "training", str(t["id"]), None,
                     {"session": sid, "starts_at": starts_at.isoformat(),
                      "capacity": capacity})  # fmt: skip
    return {"id": sid, "training": t["name"], "training_id": t["id"],
            "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
            "capacity": capacity}  # fmt: skip


def sign_up(store: Store, actor: Actor, session_id: int) -> dict[str, Any]:
    """A member takes a place in a training session; refused (409) when it is full."""
    require_member(actor, Said("sharing.what.sign_up"))
    with q.locked(store) as conn:
        if store.dialect == "postgresql":  # serialise sign-ups to this session
            conn.execute(select(training_sessions.c.id).where(
                training_sessions.c.id == session_id).with_for_update())  # fmt: skip
        s = conn.execute(
            select(training_sessions).where(training_sessions.c.id == session_id)
        ).first()
        if s is None:
            raise UnknownTraining(Said("sharing.err.no_session", id=session_id))
        taken = conn.execute(select(func.count()).where(
            session_signups.c.session_id == session_id)).scalar()  # fmt: skip
        mine = conn.execute(select(session_signups.c.user_id).where(
            session_signups.c.session_id == session_id,
            session_signups.c.user_id == actor.user_id)).first()  # fmt: skip
        if mine is not None:
            raise SharingError([("session", Said("sharing.err.signed_up"))], 409)
        if taken >= s.capacity:
            raise SharingError([("session", Said("sharing.err.full", n=s.capacity))], 409)
        conn.execute(insert(session_signups).values(
            session_id=session_id, user_id=actor.user_id, created_at=stamp()))  # fmt: skip
        audit.record(conn, actor, "training.signup", "training", str(s.training_id), None,
                     {"session": session_id})  # fmt: skip
    return {"session_id": session_id, "places_left": s.capacity - taken - 1}


def my_trainings(store: Store, actor: Actor) -> dict[str, Any]:
    """The member's training sessions (with local times) and the trainings they hold."""
    require_member(actor, Said("sharing.what.see_trainings"), "read")
    if actor.user_id is None:
        return {"sessions": [], "records": []}
    with store.engine.connect() as conn:
        mine = q.member_trainings(conn, actor.user_id)
    now = datetime.now(UTC)
    for s in mine["sessions"]:
        zone = ZoneInfo(s["time_zone"])
        a, b = datetime.fromisoformat(s["starts_at"]), datetime.fromisoformat(s["ends_at"])
        s["local_start"] = a.astimezone(zone).isoformat(timespec="minutes")
        s["local_end"] = b.astimezone(zone).isoformat(timespec="minutes")
        s["upcoming"] = a > now
    return mine


def cancel_signup(store: Store, actor: Actor, session_id: int) -> dict[str, Any]:
    """A member gives back their place in a session that has not started (409 after)."""
    require_member(actor, Said("sharing.what.cancel_signup"))
    with q.locked(store) as conn:
        s = conn.execute(
            select(training_sessions).where(training_sessions.c.id == session_id)
        ).first()
        mine = s is not None and conn.execute(select(session_signups.c.user_id).where(
            session_signups.c.session_id == session_id,
            session_signups.c.user_id == actor.user_id)).first()  # fmt: skip
        if not mine:  # not signed up reads as no such session: nobody learns who is
            raise UnknownTraining(Said("sharing.err.no_signup", id=session_id))
        if q.utc(s.starts_at) <= datetime.now(UTC):
            raise SharingError([("session", Said("sharing.err.session_started"))], 409)
        conn.execute(delete(session_signups).where(
            session_signups.c.session_id == session_id,
            session_signups.c.user_id == actor.user_id))  # fmt: skip
        audit.record(conn, actor, "training.signup.cancel", "training", str(s.training_id),
                     {"session": session_id}, None)  # fmt: skip
    return {"session_id": session_id, "cancelled": True}


def sessions_of(store: Store, tid: int) -> list[dict[str, Any]]:
    taken = (select(session_signups.c.session_id, func.count().label("n"))
             .group_by(session_signups.c.session_id).subquery())  # fmt: skip
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(training_sessions, func.coalesce(taken.c.n, 0).label("taken"))
            .select_from(
                training_sessions.outerjoin(taken, taken.c.session_id == training_sessions.c.id)
            )  # fmt: skip
            .where(training_sessions.c.training_id == tid)
            .order_by(training_sessions.c.starts_at)
        ).all()
    return [
        {"id": r.id, "starts_at": q.utc(r.starts_at).isoformat(),
         "ends_at": q.utc(r.ends_at).isoformat(), "capacity": r.capacity,
         "places_left": r.capacity - r.taken}
        for r in rows
    ]  # fmt: skip


def missing_training(store: Store, resource: dict[str, Any], user_id: int,
                     starts_at: datetime) -> str | None:  # fmt: skip
    """The refusal sentence when the member lacks a required training on that day, else None."""
    if not resource["required_trainings"]:
        return None
    day = starts_at.date().isoformat()
    with store.engine.connect() as conn:
        held = q.valid_trainings(conn, user_id, day)
        for tid in resource["required_trainings"]:
            if tid in held:
                continue
            t = q.training_row(conn, tid)
            if t is None:
                raise UnknownResource(Said("sharing.err.training_gone", id=tid,
                                           name=resource["name"]))  # fmt: skip
            nxt = q.next_session(conn, tid, datetime.now(UTC))
            if nxt is None:
                return Said("sharing.err.untrained_no_session", name=resource["name"],
                            training=t["name"], day=day)  # fmt: skip
            zone = ZoneInfo(resource["time_zone"])
            return Said("sharing.err.untrained", name=resource["name"], training=t["name"],
                        day=day, id=nxt["id"], zone=zone.key,
                        when=f"{nxt['starts_at'].astimezone(zone):%Y-%m-%d %H:%M}")  # fmt: skip
    return None


def trainings_of(store: Store, facility_id: int) -> list[dict[str, Any]]:
    """The facility's trainings, each with its sessions (places left)."""
    from refaire.store.tables import trainings as table

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(table).where(table.c.facility_id == facility_id).order_by(table.c.id)
        ).all()
    return [{**dict(r._mapping), "sessions": sessions_of(store, r.id)} for r in rows]
