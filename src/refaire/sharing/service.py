"""Bookings: book, change, cancel, approve or refuse, block, no-show and completed.

Every write runs in `store.sharing.locked`: the conflict check and the write happen while
this transaction holds SQLite's write lock, and on PostgreSQL the exclusion constraint
refuses an overlapping active booking of the same unit even if two requests check at the
same instant; the loser retries once on a fresh view and is then told which booking holds
the slot (409) and offered the next free slots. Every change goes to the audit trail in
the same transaction; confirmation and change mails carry an .ics file and are sent after
the commit (a mail that cannot be sent never undoes a booking: the answer says so).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, OperationalError

from refaire.people import audit
from refaire.people._common import stamp
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.sharing.access import (
    BOOK_SCOPE,
    BookingConflict,
    NotAllowed,
    SharingError,
    UnknownBooking,
    manages_resource,
    require_member,
)
from refaire.sharing.availability import Calendar, open_intervals
from refaire.sharing.resources import get_resource, price_of
from refaire.store import Store
from refaire.store import sharing as q
from refaire.store.tables import bookings

RETRIES = 3
STATUSES = ("pending", "confirmed", "refused", "cancelled", "no_show", "completed")
# Which manager decision moves a booking from which state to which.
DECISIONS = {
    "approve": ("pending", "confirmed"),
    "refuse": ("pending", "refused"),
    "no_show": ("confirmed", "no_show"),
    "complete": ("confirmed", "completed"),
}


def now() -> datetime:
    return datetime.now(UTC)


def parse_time(value: str | datetime, zone: ZoneInfo, field: str) -> datetime:
    """An instant from ISO text; a time without offset is wall-clock time where the resource is."""
    if isinstance(value, datetime):
        when = value
    else:
        try:
            when = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise SharingError(
                [(field, Said("sharing.err.datetime", value=repr(value)))]
            ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    return when.astimezone(UTC)


def _local(when: datetime, zone: ZoneInfo) -> str:
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _span_text(a: datetime, b: datetime, zone: ZoneInfo) -> str:
    la, lb = a.astimezone(zone), b.astimezone(zone)
    end = lb.strftime("%H:%M") if la.date() == lb.date() else lb.strftime("%Y-%m-%d %H:%M")
    return f"{la:%Y-%m-%d %H:%M}–{end} ({zone.key})"


def _check_request(r: dict[str, Any], a: datetime, b: datetime, *, deadline: bool) -> None:
    """Every rule a requested interval breaks, at once (422)."""
    rules, zone = r["rules"], ZoneInfo(r["time_zone"])
    problems: list[tuple[str, str]] = []
    minutes = (b - a).total_seconds() / 60
    if b <= a:
        problems.append(("ends_at", Said("sharing.err.empty")))
    else:
        if minutes < rules["min_minutes"]:
            problems.append(("ends_at", Said("sharing.err.min", n=rules["min_minutes"])))
        if minutes > rules["max_minutes"]:
            problems.append(("ends_at", Said("sharing.err.max", n=rules["max_minutes"])))
        if minutes % rules["slot_minutes"]:
            problems.append(("ends_at", Said("sharing.err.step", n=rules["slot_minutes"])))
    t = now()
    if a < t:
        problems.append(("starts_at", Said("sharing.err.past", when=_local(a, zone))))
    elif deadline and a < t + timedelta(minutes=rules["book_before_minutes"]):
        problems.append(("starts_at", Said("sharing.err.book_before",
                                           n=rules["book_before_minutes"])))  # fmt: skip
    if a > t + timedelta(days=rules["horizon_days"]):
        problems.append(("starts_at", Said("sharing.err.horizon", n=rules["horizon_days"])))
    if problems:
        raise SharingError(problems)


def _calendar(store: Store, conn: Any, r: dict[str, Any], a: datetime, b: datetime,
              exclude: int | None = None) -> Calendar:  # fmt: skip
    # Every read goes through `conn`: on SQLite it holds the write lock, and asking the
    # pool for another connection meanwhile could wait on threads that wait on this lock.
    lo, hi = a - timedelta(days=1), b + timedelta(days=7)
    hours = q.facility_hours(conn, r["facility_id"])
    return Calendar(r, open_intervals(r, hours, lo, hi), q.busy_between(conn, r["id"], lo, hi,
                                                                        exclude))  # fmt: skip


def _place(cal: Calendar, r: dict[str, Any], a: datetime, b: datetime) -> int:
    """The unit to book, or the error saying why there is none."""
    zone = ZoneInfo(r["time_zone"])
    inside = cal.interval_of(a, b)
    if inside is None:
        day = [f"{_local(x, zone)[11:]}–{_local(y, zone)[11:]}" for x, y in cal.intervals
               if x.astimezone(zone).date() == a.astimezone(zone).date()]  # fmt: skip
        span, name = _span_text(a, b, zone), r["name"]
        raise SharingError([("starts_at", Said("sharing.err.outside", span=span, name=name,
                                               open=", ".join(day)) if day else
                             Said("sharing.err.outside_closed", span=span, name=name))])  # fmt: skip
    step = timedelta(minutes=r["rules"]["slot_minutes"])
    if (a - inside[0]) % step:
        raise SharingError([("starts_at", Said("sharing.err.grid", n=step.seconds // 60,
                                               first=_local(inside[0], zone)[11:]))])  # fmt: skip
    unit = cal.free_unit(a, b)
    if unit is None:
        raise _conflict(cal, r, a, b)
    return unit


def _conflict(cal: Calendar, r: dict[str, Any], a: datetime, b: datetime) -> BookingConflict:
    zone = ZoneInfo(r["time_zone"])
    first = cal.conflicts(a, b)[0]
    taken = _span_text(first.starts_at, first.ends_at, zone)
    free = [{"starts_at": x.isoformat(), "ends_at": y.isoformat(),
             "local": _span_text(x, y, zone)} for x, y in cal.next_free(a, b - a)]  # fmt: skip
    message = (Said("sharing.err.taken_next", name=r["name"], span=taken, id=first.booking_id,
                    free=", ".join(f["local"] for f in free)) if free else
               Said("sharing.err.taken", name=r["name"], span=taken, id=first.booking_id))  # fmt: skip
    conflict = {"booking_id": first.booking_id, "local": _span_text(first.starts_at, first.ends_at, zone),
                "starts_at": first.starts_at.isoformat(),
                "ends_at": first.ends_at.isoformat()}  # fmt: skip
    return BookingConflict(message, conflict, free)


def _price(store: Store, r: dict[str, Any], a: datetime, b: datetime) -> tuple[Any, Any]:
    p = price_of(store, r)
    if p["per_slot"] is not None:
        slots = (b - a) / timedelta(minutes=r["rules"]["slot_minutes"])
        return round(p["per_slot"] * slots, 2), p["currency"]
    if p["per_hour"] is not None:
        return round(p["per_hour"] * (b - a) / timedelta(hours=1), 2), p["currency"]
    return None, None


RETRY_STATES = ("40P01", "40001")  # PostgreSQL: deadlock detected, serialization failure


def _retrying(store: Store, work: Any, resource_id: int | None = None) -> Any:
    """Run `work(conn)` in a locked transaction; an exclusion violation (a concurrent
    booking won the unit on PostgreSQL) or a broken deadlock reruns it on a fresh view."""
    for attempt in range(RETRIES):
        try:
            with q.locked(store, resource_id) as conn:
                return work(conn)
        except (IntegrityError, OperationalError) as exc:
            state = getattr(exc.orig, "sqlstate", None)
            if attempt == RETRIES - 1 or (
                isinstance(exc, OperationalError) and state not in RETRY_STATES
            ):
                raise
    return None


def book(store: Store, actor: Actor, rid: int | str, starts_at: str | datetime,
         ends_at: str | datetime, note: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Book the resource for a member; pending when a manager must approve."""
    from refaire.sharing.trainings import missing_training

    require_member(actor, Said("sharing.what.book"))
    if actor.user_id is None:
        raise NotAllowed(Said("sharing.err.person_books"))
    r = get_resource(store, rid)
    zone = ZoneInfo(r["time_zone"])
    a, b = parse_time(starts_at, zone, "starts_at"), parse_time(ends_at, zone, "ends_at")
    _check_request(r, a, b, deadline=True)
    refusal = missing_training(store, r, actor.user_id, a)
    if refusal:
        raise NotAllowed(refusal)
    price, currency = _price(store, r, a, b)
    status = "pending" if r["rules"]["approval"] else "confirmed"

    def work(conn: Any) -> int:
        unit = _place(_calendar(store, conn, r, a, b), r, a, b)
        values = {
            "resource_id": r["id"],
            "unit": unit,
            "user_id": actor.user_id,
            "kind": "booking",
            "status": status,
            "starts_at": a,
            "ends_at": b,
            "note": (note or "").strip()[:1000] or None,
            "price": price,
            "currency": currency,
            "created_at": stamp(),
            "updated_at": stamp(),
        }
        bid = q.insert_booking(conn, values)
        audit.record(conn, actor, "booking.create", "booking", str(bid), None, _audit(values))
        return bid

    bid = _retrying(store, work, r["id"])
    return _after(store, bid, "created")


def _audit(values: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (v.isoformat() if isinstance(v, datetime) else v)
        for k, v in values.items()
        if k in ("resource_id", "unit", "kind", "status", "starts_at", "ends_at", "price")
    }


def _load(conn: Any, bid: int | str) -> dict[str, Any]:
    row = q.booking_row(conn, int(bid)) if str(bid).isdigit() else None
    if row is None:
        raise UnknownBooking(Said("sharing.err.no_booking", id=repr(bid)))
    return row


def _owner_or_manager(store: Store, actor: Actor, b: dict[str, Any], r: dict[str, Any],
                      what: str, scope: str = BOOK_SCOPE) -> bool:  # fmt: skip
    """True for a manager, False for the booking's member; NotAllowed for anyone else."""
    require_member(actor, what, scope)
    if manages_resource(store, actor, r):
        return True
    if b["user_id"] is not None and b["user_id"] == actor.user_id:
        return False
    raise NotAllowed(Said("sharing.err.not_party", name=r["name"], what=what))


def _cancel_deadline(r: dict[str, Any], b: dict[str, Any]) -> None:
    limit = b["starts_at"] - timedelta(minutes=r["rules"]["cancel_before_minutes"])
    if now() > limit:
        zone = ZoneInfo(r["time_zone"])
        raise SharingError([("booking", Said("sharing.err.cancel_deadline",
                                             when=_local(limit, zone), zone=zone.key))], 409)


def _before(store: Store, actor: Actor, bid: int | str, what: str) -> tuple[dict, dict, bool]:
    """The booking, its resource and whether `actor` manages it, read before taking the lock
    (permissions do not depend on the booking's state, which is read again under the lock)."""
    with store.engine.connect() as conn:
        b = _load(conn, bid)
    r = get_resource(store, b["resource_id"])
    return b, r, _owner_or_manager(store, actor, b, r, what)


def cancel(store: Store, actor: Actor, bid: int | str) -> dict[str, Any]:
    """Cancel a booking (the member, before the deadline; a manager, any time), or lift a
    block (every unit it holds)."""
    _, r, manager = _before(store, actor, bid, Said("sharing.what.cancel"))

    def work(conn: Any) -> int:
        b = _load(conn, bid)
        if b["status"] not in q.ACTIVE:
            raise SharingError([("booking", Said("sharing.err.already", id=b["id"],
                                                 status=Said(f"sharing.status.{b['status']}")))], 409)  # fmt: skip
        if not manager:
            _cancel_deadline(r, b)
        where = [bookings.c.id == b["id"]]
        if b["kind"] == "block":
            where = [bookings.c.resource_id == b["resource_id"], bookings.c.kind == "block",
                     bookings.c.starts_at == q.db_time(b["starts_at"]),
                     bookings.c.ends_at == q.db_time(b["ends_at"])]  # fmt: skip
        conn.execute(update(bookings).where(*where, bookings.c.status.in_(q.ACTIVE))
                     .values(status="cancelled", updated_at=stamp()))  # fmt: skip
        audit.record(conn, actor, "booking.cancel", "booking", str(b["id"]),
                     {"status": b["status"]}, {"status": "cancelled"})  # fmt: skip
        return b["id"]

    return _after(store, _retrying(store, work, r["id"]), "cancelled")


def change(store: Store, actor: Actor, bid: int | str, starts_at: str | datetime,
           ends_at: str | datetime) -> dict[str, Any]:  # fmt: skip
    """Move a booking (same deadlines as cancelling, same checks as booking)."""
    from refaire.sharing.trainings import missing_training

    first, r, manager = _before(store, actor, bid, Said("sharing.what.change"))
    zone = ZoneInfo(r["time_zone"])
    a, e = parse_time(starts_at, zone, "starts_at"), parse_time(ends_at, zone, "ends_at")
    _check_request(r, a, e, deadline=not manager)
    if first["user_id"] is not None:
        refusal = missing_training(store, r, first["user_id"], a)
        if refusal:
            raise NotAllowed(refusal)
    price, _currency = _price(store, r, a, e)

    def work(conn: Any) -> int:
        b = _load(conn, bid)
        if b["status"] not in q.ACTIVE or b["kind"] != "booking":
            raise SharingError([("booking", Said("sharing.err.unchangeable", id=b["id"],
                                                 status=Said(f"sharing.status.{b['status']}")))], 409)  # fmt: skip
        if not manager:
            _cancel_deadline(r, b)
        unit = _place(_calendar(store, conn, r, a, e, exclude=b["id"]), r, a, e)
        status = "pending" if r["rules"]["approval"] and not manager else b["status"]
        conn.execute(update(bookings).where(bookings.c.id == b["id"]).values(
            starts_at=q.db_time(a), ends_at=q.db_time(e), unit=unit, status=status,
            price=price, updated_at=stamp()))  # fmt: skip
        audit.record(
            conn,
            actor,
            "booking.change",
            "booking",
            str(b["id"]),
            {"starts_at": b["starts_at"].isoformat(), "ends_at": b["ends_at"].isoformat()},
            {"starts_at": a.isoformat(), "ends_at": e.isoformat(), "status": status},
        )
        return b["id"]

    return _after(store, _retrying(store, work, r["id"]), "changed")


def decide(store: Store, actor: Actor, bid: int | str, decision: str) -> dict[str, Any]:
    """A manager approves or refuses a pending booking, or marks a past one no-show/completed."""
    if decision not in DECISIONS:
        raise SharingError([("decision", Said("sharing.err.one_of", allowed=", ".join(DECISIONS)))])
    before, after = DECISIONS[decision]
    from refaire.sharing.access import check_manages

    require_member(actor, Said(f"sharing.what.decide.{decision}"), "read")
    with store.engine.connect() as conn:
        first = _load(conn, bid)
    r = get_resource(store, first["resource_id"])
    check_manages(store, actor, r, Said(f"sharing.what.decide_all.{decision}"))

    def work(conn: Any) -> int:
        b = _load(conn, bid)
        if b["status"] != before or b["kind"] != "booking":
            raise SharingError([("booking", Said("sharing.err.decision_state", id=b["id"],
                                                 status=b["status"], decision=decision,
                                                 before=before))], 409)  # fmt: skip
        if decision in ("no_show", "complete") and b["starts_at"] > now():
            raise SharingError([("booking", Said("sharing.err.not_started"))], 409)
        conn.execute(update(bookings).where(bookings.c.id == b["id"])
                     .values(status=after, updated_at=stamp()))  # fmt: skip
        audit.record(conn, actor, f"booking.{decision}", "booking", str(b["id"]),
                     {"status": before}, {"status": after})  # fmt: skip
        return b["id"]

    return _after(store, _retrying(store, work, r["id"]), after)


def block(store: Store, actor: Actor, rid: int | str, starts_at: str | datetime,
          ends_at: str | datetime, note: str | None = None) -> dict[str, Any]:  # fmt: skip
    """A manager closes a slot of every unit (maintenance, an event) without deleting anything."""
    from refaire.sharing.access import check_manages

    r = get_resource(store, rid)
    check_manages(store, actor, r, Said("sharing.what.block"))
    zone = ZoneInfo(r["time_zone"])
    a, b = parse_time(starts_at, zone, "starts_at"), parse_time(ends_at, zone, "ends_at")
    if b <= a:
        raise SharingError([("ends_at", Said("sharing.err.end_after_start"))])

    def work(conn: Any) -> int:
        cal = _calendar(store, conn, r, a, b)
        if cal.conflicts(a, b):
            raise _conflict(cal, r, a, b)
        first = None
        for unit in range(r["units"]):
            values = {
                "resource_id": r["id"],
                "unit": unit,
                "user_id": None,
                "kind": "block",
                "status": "confirmed",
                "starts_at": a,
                "ends_at": b,
                "note": (note or "").strip()[:1000] or None,
                "price": None,
                "currency": None,
                "created_at": stamp(),
                "updated_at": stamp(),
            }
            bid = q.insert_booking(conn, values)
            first = first or bid
        audit.record(
            conn,
            actor,
            "booking.block",
            "resource",
            str(r["id"]),
            None,
            {"starts_at": a.isoformat(), "ends_at": b.isoformat(), "note": note},
        )
        return first

    bid = _retrying(store, work, r["id"])
    with store.engine.connect() as conn:
        return as_dict(_load(conn, bid), r)


def as_dict(b: dict[str, Any], r: dict[str, Any] | None = None) -> dict[str, Any]:
    """A booking as the interfaces show it: UTC instants and wall-clock time where it is."""
    tz = (r or {}).get("time_zone") or b.get("time_zone") or "UTC"
    zone = ZoneInfo(tz)
    return {
        "id": b["id"], "resource_id": b["resource_id"],
        "resource_name": (r or {}).get("name") or b.get("resource_name"),
        "facility_id": (r or {}).get("facility_id", b.get("facility_id")),
        "unit": b["unit"], "user_id": b["user_id"], "kind": b["kind"], "status": b["status"],
        "starts_at": b["starts_at"].isoformat(), "ends_at": b["ends_at"].isoformat(),
        "time_zone": tz, "local_start": _local(b["starts_at"], zone),
        "local_end": _local(b["ends_at"], zone),
        "hours": round((b["ends_at"] - b["starts_at"]) / timedelta(hours=1), 2),
        "note": b["note"], "price": b["price"], "currency": b["currency"],
        "created_at": b["created_at"], "updated_at": b["updated_at"],
    }  # fmt: skip


def _after(store: Store, bid: int, what: str) -> dict[str, Any]:
    """The booking as it now is, with the member's mail sent (or why not)."""
    from refaire.sharing.calendar import mail_booking

    with store.engine.connect() as conn:
        b = _load(conn, bid)
    r = get_resource(store, b["resource_id"])
    out = as_dict(b, r)
    out["mail"] = mail_booking(store, out, r, what) if b["user_id"] is not None else None
    return out
