"""iCalendar (RFC 5545) feeds and the .ics attached to booking mails, with `icalendar`.

- A resource's feed: when it is available and when it is busy, never who booked.
- A facility's feed: the busy times of all its resources, named by resource only.
- A member's feed: their own bookings, at a private URL whose secret token is shown once
  and stored as a digest (a new one revokes the old).
Feeds cover a bounded window (the past week to the booking horizon, at most FEED_DAYS).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event
from sqlalchemy import delete, insert, select

from refaire.people._common import digest, stamp
from refaire.people.actor import Actor
from refaire.sharing.access import NotAllowed, require_member
from refaire.store import Store
from refaire.store import sharing as q
from refaire.store.tables import feed_tokens, users

PRODID = "-//Refaire//shared machines//EN"
FEED_DAYS = 366
PAST_DAYS = 7
FEED_LIMIT = 20_000


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def _event(uid: str, summary: str, start: datetime, end: datetime, *, busy: bool = True,
           status: str | None = None, description: str | None = None) -> Event:  # fmt: skip
    ev = Event()
    ev.add("uid", f"{uid}@refaire")
    ev.add("dtstamp", datetime.now(UTC).replace(microsecond=0))
    ev.add("dtstart", start)
    ev.add("dtend", end)
    ev.add("summary", summary)
    ev.add("transp", "OPAQUE" if busy else "TRANSPARENT")
    if status:
        ev.add("status", status)
    if description:
        ev.add("description", description)
    return ev


def _window(days: int) -> tuple[datetime, datetime]:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=PAST_DAYS)
    return start, start + timedelta(days=min(days, FEED_DAYS) + PAST_DAYS)


def resource_feed(store: Store, rid: int | str) -> bytes:
    """Availability and busy times of one resource (public: no personal data)."""
    from refaire.sharing.resources import calendar_for, get_resource

    r = get_resource(store, rid)
    a, b = _window(r["rules"]["horizon_days"])
    cal_data = calendar_for(store, r, a, b)
    cal = _calendar(r["name"])
    for x, y in cal_data.intervals:
        cal.add_component(_event(f"r{r['id']}-open-{x:%Y%m%dT%H%M}", f"{r['name']}: available",
                                 x, y, busy=False))  # fmt: skip
    for bz in cal_data.busy:
        cal.add_component(_event(f"r{r['id']}-b{bz.booking_id}", f"{r['name']}: busy",
                                 bz.starts_at, bz.ends_at))  # fmt: skip
    return cal.to_ical()


def facility_feed(store: Store, facility: int | str) -> bytes:
    """Busy times of every resource of a facility (public: resource names only)."""
    from refaire.manage.access import find_facility
    from refaire.sharing.resources import list_resources

    fid, f = find_facility(store, facility)
    rs = {r["id"]: r for r in list_resources(store, facility=fid, limit=10_000)["items"]}
    a, b = _window(FEED_DAYS)
    cal = _calendar(f.name)
    with store.engine.connect() as conn:
        page = q.bookings_where(conn, resource_ids=list(rs), start=a, end=b, kind=None,
                                limit=FEED_LIMIT)  # fmt: skip
    for bk in page["items"]:
        if bk["status"] in q.ACTIVE:
            cal.add_component(_event(f"b{bk['id']}", f"{bk['resource_name']}: busy",
                                     bk["starts_at"], bk["ends_at"]))  # fmt: skip
    return cal.to_ical()


def _member_event(bk: dict[str, Any]) -> Event:
    status = {"pending": "TENTATIVE", "confirmed": "CONFIRMED"}.get(bk["status"], "CANCELLED")
    return _event(f"b{bk['id']}", f"{bk['resource_name']} ({bk['status']})", bk["starts_at"],
                  bk["ends_at"], status=status,
                  description=f"Refaire booking {bk['id']} of {bk['resource_name']}")


def member_feed_of(store: Store, user_id: int) -> bytes:
    a, b = _window(FEED_DAYS)
    with store.engine.connect() as conn:
        page = q.bookings_where(conn, user_id=user_id, start=a, end=b, limit=FEED_LIMIT)
    cal = _calendar("My bookings (Refaire)")
    for bk in page["items"]:
        cal.add_component(_member_event(bk))
    return cal.to_ical()


def new_feed_token(store: Store, actor: Actor) -> dict[str, Any]:
    """A new private feed URL for the member (revokes the previous one); shown only now."""
    require_member(actor, "get a calendar feed", "read")
    if actor.user_id is None:
        raise NotAllowed("a calendar feed belongs to a member account (--as EMAIL)")
    token = "cal_" + secrets.token_urlsafe(24)
    with store.engine.begin() as conn:
        conn.execute(delete(feed_tokens).where(feed_tokens.c.user_id == actor.user_id))
        conn.execute(insert(feed_tokens).values(user_id=actor.user_id, token_hash=digest(token),
                                                created_at=stamp()))  # fmt: skip
    return {"token": token, "path": f"/api/bookings/feed/{token}.ics"}


def member_feed(store: Store, token: str) -> bytes | None:
    """The feed of the member whose token this is, or None (unknown or revoked)."""
    with store.engine.connect() as conn:
        user_id = conn.execute(
            select(feed_tokens.c.user_id).where(feed_tokens.c.token_hash == digest(token))
        ).scalar()
    return None if user_id is None else member_feed_of(store, user_id)


def booking_ics(bk: dict[str, Any], cancelled: bool = False) -> bytes:
    cal = _calendar("Refaire booking")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    raw = {**bk, "starts_at": datetime.fromisoformat(bk["starts_at"]),
           "ends_at": datetime.fromisoformat(bk["ends_at"])}  # fmt: skip
    cal.add_component(_member_event(raw))
    return cal.to_ical()


def mail_booking(store: Store, bk: dict[str, Any], r: dict[str, Any], what: str) -> str:
    """Mail the member about their booking with an .ics attached; says whether it was sent."""
    from refaire.people.mail import send_mail

    with store.engine.connect() as conn:
        email = conn.execute(
            select(users.c.email).where(users.c.id == bk["user_id"], users.c.deleted_at.is_(None))
        ).scalar()
    if not email:
        return "not sent: the member has no address"
    where = f" — pick-up: {r['pickup_place']}" if r.get("pickup_place") else ""
    text = (f"Your booking {bk['id']} of {r['name']} from {bk['local_start']} to "
            f"{bk['local_end']} ({bk['time_zone']}) is {bk['status']} ({what}){where}.\n\n"
            "The attached .ics file adds it to your calendar.\n")  # fmt: skip
    try:
        send_mail(email, f"Refaire: booking {bk['id']} {what} — {r['name']}", text,
                  attachments=[(f"booking-{bk['id']}.ics",
                                booking_ics(bk, cancelled=bk["status"] == "cancelled"),
                                "text/calendar")])  # fmt: skip
    except (OSError, ValueError) as exc:
        return f"not sent: {exc}"
    return "sent"
