"""Sharing services on SQLite and PostgreSQL: trainings, bookings that never collide,
deadlines, approval, blocks, capacity, DST in Europe/Paris, feeds, mails, CSV, audit,
the observatory's figures, and bad input refused with nothing written.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from _sharing_scenario import build, person
from refaire.people.audit import list_entries
from refaire.sharing import calendar, export, listing, resources, service, trainings
from refaire.sharing.access import BookingConflict, NotAllowed, SharingError, UnknownBooking
from refaire.sharing.rules import MAX_OCCURRENCES, RulesError, check_rules
from refaire.store.tables import bookings

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def lab(any_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    lab = build(any_store, fixtures)
    lab.outbox = tmp_path / "outbox"
    return lab


def count_bookings(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(bookings)).scalar()


def q_time(store, when: datetime) -> datetime:
    """A time as the store writes it (naive UTC on SQLite)."""
    return when.replace(tzinfo=None) if store.dialect == "sqlite" else when


def at(day: date, hhmm: str) -> str:
    return f"{day.isoformat()}T{hhmm}"


def test_done_when_book_conflict_week_view_feed_cancel(lab) -> None:
    s, rid, tue = lab.store, lab.laser["id"], lab.tuesday
    mine = service.book(s, lab.ann, rid, at(tue, "14:00"), at(tue, "16:00"))
    assert mine["status"] == "confirmed" and mine["local_start"] == f"{tue} 14:00"
    offset = datetime.combine(tue, datetime.min.time(), PARIS).utcoffset()
    assert (
        datetime.fromisoformat(mine["starts_at"])
        == datetime.combine(tue, datetime.strptime("14:00", "%H:%M").time(), UTC) - offset
    )
    assert mine["price"] == 25.0 and mine["currency"] == "EUR"

    with pytest.raises(BookingConflict) as taken:
        service.book(s, lab.bob, rid, at(tue, "15:00"), at(tue, "17:00"))
    body = taken.value.to_dict()
    assert f"{tue} 14:00–16:00 (Europe/Paris)" in body["detail"]
    assert body["conflict"]["booking_id"] == mine["id"]
    # Offered: 16:00-18:00 that Tuesday, then Wednesday from 09:00.
    assert body["next_free"][0]["local"] == f"{tue} 16:00–18:00 (Europe/Paris)"
    wed = tue + timedelta(days=1)
    assert body["next_free"][1]["local"] == f"{wed} 09:00–11:00 (Europe/Paris)"
    second = service.book(s, lab.bob, rid, at(tue, "16:00"), at(tue, "18:00"))

    week = listing.list_bookings(s, lab.manager, facility=lab.fid)
    assert [b["id"] for b in week["items"]] == [mine["id"], second["id"]]
    assert {b["member"] for b in week["items"]} == {"ann@example.org", "bob@example.org"}
    with pytest.raises(NotAllowed):
        listing.list_bookings(s, lab.ann, facility=lab.fid)

    token = calendar.new_feed_token(s, lab.ann)
    renewed = list_entries(s, target_type="user", target_id=str(lab.ann.user_id))["items"]
    assert renewed[0]["action"] == "booking.feed.renew" and token["token"] not in str(renewed)
    feed = Calendar.from_ical(calendar.member_feed(s, token["token"]))
    events = feed.walk("VEVENT")
    assert len(events) == 1 and str(events[0]["status"]) == "CONFIRMED"
    assert events[0].decoded("dtstart") == datetime.fromisoformat(mine["starts_at"])

    cancelled = service.cancel(s, lab.ann, mine["id"])
    assert cancelled["status"] == "cancelled"
    assert listing.list_bookings(s, lab.ann, mine=True)["items"][0]["status"] == "cancelled"
    again = service.book(s, lab.bob, rid, at(tue, "14:00"), at(tue, "16:00"))
    assert again["status"] == "confirmed"  # the freed slot is bookable again
    actions = [e["action"] for e in list_entries(s, target_type="booking", limit=10)["items"]]
    assert actions.count("booking.create") == 3 and "booking.cancel" in actions


def test_training_refusal_names_training_and_next_session(lab) -> None:
    s, rid, tue = lab.store, lab.laser["id"], lab.tuesday
    with pytest.raises(NotAllowed) as no_session:
        service.book(s, lab.carl, rid, at(tue, "10:00"), at(tue, "11:00"))
    assert '"Laser safety"' in str(no_session.value) and "no session" in str(no_session.value)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    session = trainings.add_session(s, lab.manager, lab.training["id"], start,
                                    start + timedelta(hours=2), 1)  # fmt: skip
    with pytest.raises(NotAllowed) as refused:
        service.book(s, lab.carl, rid, at(tue, "10:00"), at(tue, "11:00"))
    local = start.astimezone(ZoneInfo("Europe/Paris"))  # the resource's zone, not UTC
    assert f"the next session is on {local:%Y-%m-%d %H:%M} Europe/Paris" in str(refused.value)
    trainings.sign_up(s, lab.carl, session["id"])
    with pytest.raises(SharingError) as full:
        trainings.sign_up(s, lab.ann, session["id"])
    assert full.value.status == 409 and "full" in str(full.value)
    # An expired training does not count.
    trainings.record_training(s, lab.manager, lab.training["id"], "carl@example.org",
                              trained_on="2020-01-01", expires_on="2021-01-01")  # fmt: skip
    with pytest.raises(NotAllowed):
        service.book(s, lab.carl, rid, at(tue, "10:00"), at(tue, "11:00"))
    trainings.record_training(s, lab.manager, lab.training["id"], "carl@example.org")
    assert (
        service.book(s, lab.carl, rid, at(tue, "10:00"), at(tue, "11:00"))["status"] == "confirmed"
    )


def test_bad_input_is_refused_and_nothing_is_written(lab) -> None:
    s, rid, tue = lab.store, lab.laser["id"], lab.tuesday
    cases = [
        ((at(tue, "14:00"), at(tue, "14:00")), "empty or negative"),
        ((at(tue, "15:00"), at(tue, "14:00")), "empty or negative"),
        (("2020-01-07T14:00", "2020-01-07T15:00"), "in the past"),
        ((at(tue, "07:00"), at(tue, "08:00")), "outside the opening hours"),
        ((at(tue, "17:00"), at(tue, "19:00")), "outside the opening hours"),
        ((at(tue, "10:10"), at(tue, "11:10")), "30-minute grid"),
        ((at(tue, "09:00"), at(tue, "09:10")), "at least 30 minutes"),
        ((at(tue, "09:00"), at(tue, "18:00")), "at most 240 minutes"),
        ((at(tue + timedelta(days=182), "10:00"), at(tue + timedelta(days=182), "11:00")),
         "at most 90 days ahead"),
        (("next tuesday", at(tue, "11:00")), "expected a date-time"),
    ]  # fmt: skip
    for (a, b), words in cases:
        with pytest.raises(SharingError) as refused:
            service.book(s, lab.ann, rid, a, b)
        assert words in str(refused.value), (a, b, str(refused.value))
        assert refused.value.status == 422
    assert count_bookings(s) == 0

    with pytest.raises(SharingError, match="unknown IANA time zone .Europe/Lyon."):
        resources.lend_tool(s, lab.ann, {"name": "Drill", "pickup_place": "Lyon 7e",
                                         "time_zone": "Europe/Lyon"})  # fmt: skip
    with pytest.raises(SharingError, match="time_zone"):
        resources.create_resource(
            s, lab.manager, lab.fid, {"kind": "space", "name": "Room", "time_zone": "Mars/Olympus"}
        )
    with pytest.raises(NotAllowed):  # a manager of another facility
        resources.create_resource(s, lab.manager, lab.other_fid, {"kind": "space", "name": "X"})
    with pytest.raises(NotAllowed):
        service.block(s, lab.ann, rid, at(tue, "10:00"), at(tue, "11:00"))
    assert resources.list_resources(s)["total"] == 1


def test_rrules_expand_within_bounds() -> None:
    never_ends = check_rules({"availability": [{"rrule": "FREQ=WEEKLY;BYDAY=TU", "start": "09:00",
                                                "end": "12:00"}]})  # fmt: skip
    assert never_ends["availability"][0]["rrule"] == "FREQ=WEEKLY;BYDAY=TU"
    with pytest.raises(RulesError, match="FREQ=DAILY"):
        check_rules(
            {"availability": [{"rrule": "FREQ=MINUTELY", "start": "09:00", "end": "10:00"}]}
        )
    many = "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=0,15,30,45"
    with pytest.raises(RulesError, match=f"more than {MAX_OCCURRENCES} windows"):
        check_rules(
            {
                "horizon_days": 365,
                "availability": [{"rrule": many, "start": "09:00", "end": "09:10"}],
            }
        )
    with pytest.raises(RulesError, match="not a valid RRULE"):
        check_rules({"availability": [{"rrule": "FREQ=WEEKLY;BYDAY=XX", "start": "09:00",
                                       "end": "10:00"}]})  # fmt: skip
    with pytest.raises(RulesError) as several:
        check_rules({"slot_minutes": 0, "horizon_days": 10_000, "colour": "red"})
    assert {f for f, _ in several.value.problems} == {"slot_minutes", "horizon_days", "colour"}


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def test_slots_and_bookings_across_dst_in_paris(lab) -> None:
    s = lab.store
    today = datetime.now(UTC).date()
    year = today.year if today < _last_sunday(today.year, 3) - timedelta(days=2) else today.year + 1
    spring, autumn = _last_sunday(year, 3), _last_sunday(year, 10)
    tool = resources.lend_tool(s, lab.ann, {
        "name": "Cargo bike", "pickup_place": "Place Bellecour", "time_zone": "Europe/Paris",
        "rules": {"horizon_days": 730, "max_minutes": 1440, "slot_minutes": 60,
                  "min_minutes": 60}})  # fmt: skip
    # 01:00 CET to 04:00 CEST is two hours, not three: 00:00Z to 02:00Z.
    b = service.book(s, lab.bob, tool["id"], at(spring, "01:00"), at(spring, "04:00"))
    assert (b["starts_at"], b["ends_at"]) == (
        f"{spring}T00:00:00+00:00",
        f"{spring}T02:00:00+00:00",
    )
    assert b["hours"] == 2.0 and b["local_end"] == f"{spring} 04:00"
    # 01:00 CEST to 04:00 CET on the autumn change is four hours.
    c = service.book(s, lab.bob, tool["id"], at(autumn, "01:00"), at(autumn, "04:00"))
    assert c["hours"] == 4.0

    # A weekly rule keeps its wall-clock time: 09:00 Paris is 08:00Z before, 07:00Z after.
    room = resources.create_resource(s, lab.manager, lab.fid, {
        "kind": "space", "name": "Meeting room", "units": 1,
        "rules": {"horizon_days": 730, "availability": [
            {"rrule": "FREQ=WEEKLY;BYDAY=SA,MO", "start": "09:00", "end": "10:00"}]}})  # fmt: skip
    # The facility opens Tuesday and Wednesday only: the intersection is empty on weekends.
    empty = resources.free_slots(s, room["id"], start=str(spring - timedelta(days=1)), days=3)
    assert empty["slots"] == []
    lent = resources.lend_tool(s, lab.ann, {
        "name": "Sewing machine", "pickup_place": "Croix-Rousse", "time_zone": "Europe/Paris",
        "rules": {"horizon_days": 730, "slot_minutes": 60, "availability": [
            {"rrule": "FREQ=WEEKLY;BYDAY=SA,MO", "start": "09:00", "end": "10:00"}]}})  # fmt: skip
    grid = resources.free_slots(s, lent["id"], start=str(spring - timedelta(days=1)), days=3)
    starts = [x["starts_at"] for x in grid["slots"]]
    monday = spring + timedelta(days=1)
    assert starts == [f"{spring - timedelta(days=1)}T08:00:00+00:00", f"{monday}T07:00:00+00:00"]
    assert [x["local_start"][11:] for x in grid["slots"]] == ["09:00+01:00", "09:00+02:00"]


def test_capacity_n_accepts_n(lab) -> None:
    s, tue = lab.store, lab.tuesday
    room = resources.create_resource(s, lab.manager, lab.fid, {"kind": "space",
                                     "name": "Coworking", "units": 3})  # fmt: skip
    people = [person(s, f"p{i}@example.org")[1] for i in range(4)]
    made = [service.book(s, p, room["id"], at(tue, "10:00"), at(tue, "12:00")) for p in people[:3]]
    assert sorted(b["unit"] for b in made) == [0, 1, 2]
    with pytest.raises(BookingConflict):
        service.book(s, people[3], room["id"], at(tue, "11:00"), at(tue, "12:00"))
    slots = resources.free_slots(s, room["id"], start=str(tue), days=1)["slots"]
    assert {x["local_start"][11:16]: x["free_units"] for x in slots}["10:30"] == 0
    assert {x["local_start"][11:16]: x["free_units"] for x in slots}["12:00"] == 3


def test_change_deadline_approval_block(lab) -> None:
    s, rid, tue = lab.store, lab.laser["id"], lab.tuesday
    b = service.book(s, lab.ann, rid, at(tue, "09:00"), at(tue, "10:00"))
    other = service.book(s, lab.bob, rid, at(tue, "11:00"), at(tue, "12:00"))
    with pytest.raises(BookingConflict):
        service.change(s, lab.ann, b["id"], at(tue, "10:30"), at(tue, "11:30"))
    moved = service.change(s, lab.ann, b["id"], at(tue, "10:00"), at(tue, "11:00"))
    assert moved["local_start"] == f"{tue} 10:00"
    with pytest.raises(NotAllowed):
        service.cancel(s, lab.ann, other["id"])  # someone else's booking
    with pytest.raises(UnknownBooking):
        service.cancel(s, lab.ann, 999_999)
    # The cancellation deadline (120 min before the start) has passed: 409 for the member.
    with s.engine.begin() as conn:
        soon = datetime.now(UTC) + timedelta(minutes=30)
        conn.execute(update(bookings).where(bookings.c.id == other["id"]).values(
            starts_at=soon.replace(tzinfo=None) if s.dialect == "sqlite" else soon,
            ends_at=(soon + timedelta(hours=1)).replace(tzinfo=None) if s.dialect == "sqlite"
            else soon + timedelta(hours=1)))  # fmt: skip
    with pytest.raises(SharingError) as late:
        service.cancel(s, lab.bob, other["id"])
    assert late.value.status == 409 and "deadline to cancel" in str(late.value)
    assert service.cancel(s, lab.manager, other["id"])["status"] == "cancelled"
    with pytest.raises(SharingError, match="already cancelled"):
        service.cancel(s, lab.manager, other["id"])

    resources.set_rules(s, lab.manager, rid, {"approval": True})
    pending = service.book(s, lab.bob, rid, at(tue, "14:00"), at(tue, "15:00"))
    assert pending["status"] == "pending"
    with pytest.raises(NotAllowed):
        service.decide(s, lab.bob, pending["id"], "approve")
    assert service.decide(s, lab.manager, pending["id"], "approve")["status"] == "confirmed"
    with pytest.raises(SharingError, match="once it has started"):
        service.decide(s, lab.manager, pending["id"], "no_show")
    with s.engine.begin() as conn:  # the booking's time has come
        past = datetime.now(UTC) - timedelta(hours=1)
        conn.execute(
            update(bookings)
            .where(bookings.c.id == pending["id"])
            .values(starts_at=q_time(s, past), ends_at=q_time(s, past + timedelta(hours=1)))
        )
    assert service.decide(s, lab.manager, pending["id"], "complete")["status"] == "completed"
    with pytest.raises(SharingError, match="needs a confirmed booking"):
        service.decide(s, lab.manager, pending["id"], "no_show")

    blocked = service.block(s, lab.manager, rid, at(tue, "16:00"), at(tue, "18:00"), "maintenance")
    with pytest.raises(BookingConflict, match=f"booking {blocked['id']}"):
        service.book(s, lab.ann, rid, at(tue, "16:30"), at(tue, "17:00"))
    service.cancel(s, lab.manager, blocked["id"])  # lifted, not deleted
    assert service.book(s, lab.ann, rid, at(tue, "16:30"), at(tue, "17:00"))["status"] == "pending"
    with s.engine.connect() as conn:
        kinds = conn.execute(select(bookings.c.kind, bookings.c.status)
                             .where(bookings.c.id == blocked["id"])).one()  # fmt: skip
    assert tuple(kinds) == ("block", "cancelled")


def test_no_overlap_is_enforced_by_the_database(lab) -> None:
    """Below the service: on PostgreSQL the exclusion constraint refuses an overlapping
    active booking of the same unit; a cancelled one or another unit is fine."""
    s = lab.store
    if s.dialect != "postgresql":
        pytest.skip("SQLite has no exclusion constraint: the service locks before checking")
    start = datetime.combine(lab.tuesday, datetime.min.time(), UTC) + timedelta(hours=10)
    row = {"resource_id": lab.laser["id"], "unit": 0, "user_id": 1, "kind": "booking",
           "status": "confirmed", "starts_at": start, "ends_at": start + timedelta(hours=2),
           "created_at": "x", "updated_at": "x"}  # fmt: skip
    with s.engine.begin() as conn:
        conn.execute(insert(bookings).values(**row))
        conn.execute(insert(bookings).values(**{**row, "status": "cancelled"}))
        conn.execute(insert(bookings).values(**{**row, "unit": 1}))
        conn.execute(
            insert(bookings).values(
                **{
                    **row,
                    "starts_at": start + timedelta(hours=2),
                    "ends_at": start + timedelta(hours=3),
                }
            )
        )
    with pytest.raises(IntegrityError, match="bookings_no_overlap"), s.engine.begin() as conn:
        conn.execute(
            insert(bookings).values(
                **{**row, "starts_at": start + timedelta(hours=1), "status": "pending"}
            )
        )
    with pytest.raises(IntegrityError, match="ck_bookings_positive"), s.engine.begin() as conn:
        conn.execute(insert(bookings).values(**{**row, "ends_at": start, "status": "refused"}))


def test_feeds_mail_and_csv(lab) -> None:
    s, rid, tue = lab.store, lab.laser["id"], lab.tuesday
    b = service.book(s, lab.ann, rid, at(tue, "14:00"), at(tue, "16:00"),
                     note='=HYPERLINK("http://evil.example","Prix")')  # fmt: skip
    assert b["mail"] == "sent"
    public = calendar.resource_feed(s, rid)
    assert b"ann@example.org" not in public and b"HYPERLINK" not in public
    events = Calendar.from_ical(public).walk("VEVENT")
    busy = [e for e in events if str(e["summary"]).endswith("busy")]
    assert [e.decoded("dtstart") for e in busy] == [datetime.fromisoformat(b["starts_at"])]
    open_ = [e for e in events if str(e["transp"]) == "TRANSPARENT"]
    tuesday_open = [e for e in open_ if e.decoded("dtstart").astimezone(PARIS).date() == tue]
    assert [e.decoded("dtstart").astimezone(PARIS).strftime("%H:%M") for e in tuesday_open] == [
        "09:00"
    ]
    facility = Calendar.from_ical(calendar.facility_feed(s, lab.fid)).walk("VEVENT")
    assert [str(e["summary"]) for e in facility] == ["Trotec Speedy 400: busy"]

    first = calendar.new_feed_token(s, lab.ann)
    calendar.new_feed_token(s, lab.ann)
    assert calendar.member_feed(s, first["token"]) is None  # revoked by the new one

    mails = sorted(lab.outbox.glob("*.eml"))
    assert len(mails) == 1
    msg = BytesParser(policy=policy.default).parsebytes(mails[0].read_bytes())
    assert msg["To"] == "ann@example.org" and "Trotec Speedy 400" in msg["Subject"]
    (ics,) = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert event.decoded("dtend") == datetime.fromisoformat(b["ends_at"])
    service.cancel(s, lab.ann, b["id"])
    cancel_mail = sorted(lab.outbox.glob("*.eml"))
    assert len(cancel_mail) == 2

    data = export.bookings_csv(listing.list_bookings(s, lab.manager, facility=lab.fid)["items"])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["note"].startswith("'=HYPERLINK") and rows[0]["status"] == "cancelled"
    slots = export.slots_csv(resources.free_slots(s, rid, start=str(tue), days=1))
    lines = slots.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("resource_id,name,local_start") and len(lines) == 1 + 18


def test_member_lends_a_tool(lab) -> None:
    s, tue = lab.store, lab.tuesday
    drill = resources.lend_tool(
        s,
        lab.carl,
        {
            "name": "Perceuse à percussion",
            "pickup_place": "Lyon 7e, près du métro Jean Macé",
            "time_zone": "Europe/Paris",
            "lending_rules": "Rendre propre",
            "rules": {"approval": True},
        },
    )
    assert drill["kind"] == "tool" and drill["facility"] is None
    b = service.book(s, lab.ann, drill["id"], at(tue, "10:00"), at(tue, "12:00"))
    assert b["status"] == "pending"
    with pytest.raises(NotAllowed):
        service.decide(s, lab.manager, b["id"], "approve")  # not the lab's: the lender's
    assert service.decide(s, lab.carl, b["id"], "approve")["status"] == "confirmed"
    assert resources.list_resources(s, kind="tool")["items"][0]["pickup_place"].startswith("Lyon")


def test_observatory_counts_booked_hours(lab) -> None:
    from refaire.observatory.figures import dashboard

    s, rid, tue = lab.store, lab.laser["id"], lab.tuesday
    service.book(s, lab.ann, rid, at(tue, "09:00"), at(tue, "11:00"))
    service.book(s, lab.bob, rid, at(tue, "11:00"), at(tue, "12:30"))
    gone = service.book(s, lab.bob, rid, at(tue, "14:00"), at(tue, "15:00"))
    service.cancel(s, lab.bob, gone["id"])
    d = dashboard(s, with_coverage=False)
    practice = {p["practice"]: p for p in d["practices"]}["bookings"]
    assert practice == {"practice": "bookings", "count": 2, "not_computed": None}
    assert d["bookings"]["booked_hours"] == 3.5
    assert d["bookings"]["by_process"] == [{"process": "laser-cutting", "hours": 3.5}]
    assert d["bookings"]["by_country"] == [{"country": "FR", "hours": 3.5}]
    assert d["bookings"]["by_month"][0]["hours"] == 3.5
    assert d["bookings"]["shared"][0] == {
        "country": "FR",
        "machine": 1,
        "space": 0,
        "tool": 0,
        "total": 1,
    }
    assert "cancelled" in d["methods"]["bookings"]


def test_feed_lines_are_escaped_and_folded() -> None:
    name = "Découpeuse laser; Trotec, atelier « Les Fabriqueurs » " * 3 + "\nsecond line"
    feed = calendar.Feed("Atelier")
    start = datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    feed.event("b1", name, start, start + timedelta(hours=2), description=name)
    data = feed.to_ical()
    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    assert str(event["summary"]) == name and str(event["description"]) == name
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(hours=2)
