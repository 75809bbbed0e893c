"""iCalendar (RFC 5545) feeds and the .ics attached to booking mails.

Values are encoded with `icalendar`'s types and every feed is parsed back by `icalendar` in
the tests; the lines are written by `Feed`, which renders 10,000 events in a fraction of
the time an `icalendar.Event` per booking takes.

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

from icalendar import vText
from sqlalchemy import delete, insert, select

from refaire.people import audit
from refaire.people._common import digest, stamp
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.sharing.access import NotAllowed, require_member
from refaire.store import Store
from refaire.store import sharing as q
from refaire.store.tables import feed_tokens, users

PRODID = "-//Refaire//shared machines//EN"
FEED_DAYS = 366
PAST_DAYS = 7
FEED_LIMIT = 20_000
LINE_OCTETS = 75


def _fold(line: str) -> str:
    """RFC 5545 §3.1: lines of at most 75 octets, continued after CRLF + space, never
    splitting a UTF-8 sequence."""
    data = line.encode()
    if len(data) <= LINE_OCTETS:
        return line
    parts, current, size, limit = [], [], 0, LINE_OCTETS
    for ch in line:
        n = len(ch.encode())
        if size + n > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, LINE_OCTETS - 1
        current.append(ch)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _text(value: str) -> str:
    return vText(value).to_ical().decode()


def _utc(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


class Feed:
    """An iCalendar object written line by line: values are encoded by `icalendar`'s types
    (TEXT escaping), lines folded here. Building an `icalendar.Event` per booking costs
    about a millisecond; a facility's feed holds thousands (benchmarks/bookings.py)."""

    def __init__(self, name: str, method: str | None = None) -> None:
        self.stamp = _utc(datetime.now(UTC))
        self.lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
        if method:
            self.lines.append(f"METHOD:{method}")
        self.lines.append(_fold(f"X-WR-CALNAME:{_text(name)}"))

    def event(self, uid: str, summary: str, start: datetime, end: datetime, *,
              busy: bool = True, status: str | None = None,
              description: str | None = None) -> None:  # fmt: skip
        add = self.lines.append
        add("BEGIN:VEVENT")
        add(_fold(f"UID:{_text(uid)}@refaire"))
        add(f"DTSTAMP:{self.stamp}")
        add(f"DTSTART:{_utc(start)}")
        add(f"DTEND:{_utc(end)}")
        add(_fold(f"SUMMARY:{_text(summary)}"))
        add("TRANSP:OPAQUE" if busy else "TRANSP:TRANSPARENT")
        if status:
            add(f"STATUS:{status}")
        if description:
            add(_fold(f"DESCRIPTION:{_text(description)}"))
        add("END:VEVENT")

    def to_ical(self) -> bytes:
        return ("\r\n".join([*self.lines, "END:VCALENDAR"]) + "\r\n").encode()


def _window(days: int) -> tuple[datetime, datetime]:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=PAST_DAYS)
    return start, start + timedelta(days=min(days, FEED_DAYS) + PAST_DAYS)


def resource_feed(store: Store, rid: int | str) -> bytes:
    """Availability and busy times of one resource (public: no personal data)."""
    from refaire.sharing.resources import calendar_for, get_resource

    r = get_resource(store, rid)
    a, b = _window(r["rules"]["horizon_days"])
    cal_data = calendar_for(store, r, a, b)
    cal = Feed(r["name"])
    for x, y in cal_data.intervals:
        cal.event(f"r{r['id']}-open-{x:%Y%m%dT%H%M}", f"{r['name']}: available", x, y,
                  busy=False)  # fmt: skip
    for bz in cal_data.busy:
        cal.event(f"r{r['id']}-b{bz.booking_id}", f"{r['name']}: busy", bz.starts_at, bz.ends_at)
    return cal.to_ical()


def facility_feed(store: Store, facility: int | str) -> bytes:
    """Busy times of every resource of a facility (public: resource names only)."""
    from refaire.manage.access import find_facility
    from refaire.sharing.resources import list_resources

    fid, f = find_facility(store, facility)
    rs = {r["id"]: r for r in list_resources(store, facility=fid, limit=10_000)["items"]}
    a, b = _window(FEED_DAYS)
    cal = Feed(f.name)
    with store.engine.connect() as conn:
        page = q.bookings_where(conn, resource_ids=list(rs), start=a, end=b, kind=None,
                                limit=FEED_LIMIT)  # fmt: skip
    for bk in page["items"]:
        if bk["status"] in q.ACTIVE:
            cal.event(f"b{bk['id']}", f"{bk['resource_name']}: busy", bk["starts_at"],
                      bk["ends_at"])  # fmt: skip
    return cal.to_ical()


def _member_event(cal: Feed, bk: dict[str, Any]) -> None:
    status = {"pending": "TENTATIVE", "confirmed": "CONFIRMED"}.get(bk["status"], "CANCELLED")
    cal.event(
        f"b{bk['id']}",
        f"{bk['resource_name']} ({bk['status']})",
        bk["starts_at"],
        bk["ends_at"],
        status=status,
        description=f"Refaire booking {bk['id']} of {bk['resource_name']}",
    )


def member_feed_of(store: Store, user_id: int) -> bytes:
    a, b = _window(FEED_DAYS)
    with store.engine.connect() as conn:
        page = q.bookings_where(conn, user_id=user_id, start=a, end=b, limit=FEED_LIMIT)
    cal = Feed("My bookings (Refaire)")
    for bk in page["items"]:
        _member_event(cal, bk)
    return cal.to_ical()


def new_feed_token(store: Store, actor: Actor) -> dict[str, Any]:
    """A new private feed URL for the member (revokes the previous one); shown only now."""
    require_member(actor, Said("sharing.what.feed"), "read")
    if actor.user_id is None:
        raise NotAllowed(Said("sharing.err.person_feed"))
    token = "cal_" + secrets.token_urlsafe(24)
    with store.engine.begin() as conn:
        conn.execute(delete(feed_tokens).where(feed_tokens.c.user_id == actor.user_id))
        conn.execute(insert(feed_tokens).values(user_id=actor.user_id, token_hash=digest(token),
                                                created_at=stamp()))  # fmt: skip
        audit.record(conn, actor, "booking.feed.renew", "user", str(actor.user_id), None,
                     {"feed": "new private calendar address"})  # fmt: skip
    return {"token": token, "path": f"/api/bookings/feed/{token}.ics"}


def member_feed(store: Store, token: str) -> bytes | None:
    """The feed of the member whose token this is, or None (unknown or revoked)."""
    with store.engine.connect() as conn:
        user_id = conn.execute(
            select(feed_tokens.c.user_id).where(feed_tokens.c.token_hash == digest(token))
        ).scalar()
    return None if user_id is None else member_feed_of(store, user_id)


def booking_ics(bk: dict[str, Any], cancelled: bool = False) -> bytes:
    cal = Feed("Refaire booking", method="CANCEL" if cancelled else "PUBLISH")
    raw = {**bk, "starts_at": datetime.fromisoformat(bk["starts_at"]),
           "ends_at": datetime.fromisoformat(bk["ends_at"])}  # fmt: skip
    _member_event(cal, raw)
    return cal.to_ical()


def mail_booking(store: Store, bk: dict[str, Any], r: dict[str, Any], what: str) -> str:
    """Mail the member about their booking with an .ics attached; says whether it was sent."""
    from refaire.people.mail import deliver

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
        job = deliver(store, email, f"Refaire: booking {bk['id']} {what} — {r['name']}", text,
                      attachments=[(f"booking-{bk['id']}.ics",
                                    booking_ics(bk, cancelled=bk["status"] == "cancelled"),
                                    "text/calendar")])  # fmt: skip
    except (OSError, ValueError) as exc:
        return f"not sent: {exc}"
    return "sent" if job is None else f"queued as job {job}"
