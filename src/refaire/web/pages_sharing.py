"""Pages: bookable resources, a resource's week calendar and booking form, "my bookings",
a facility's day/week view for its managers, lending a tool, trainings.

Every form works without JavaScript: POST, then 303 to the page that shows the result; a
taken slot re-renders the resource page (409) with the booking holding it and the next
free slots as one-click booking forms.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from refaire.contract.params import RowId
from refaire.people._common import NotAllowed as PeopleNotAllowed
from refaire.people._common import PeopleError
from refaire.people.actor import Actor
from refaire.people.auth import current_actor
from refaire.said import error_text, in_language
from refaire.sharing import calendar, listing, resources, service, trainings
from refaire.sharing.access import BookingConflict, SharingError, manages_resource
from refaire.web import render
from refaire.web.i18n import choose_language
from refaire.web.rules_form import WEEKDAYS, exception_rows, rules_from_form, window_rows

router = APIRouter()
ActorDep = Annotated[Actor, Depends(current_actor)]
Text = Annotated[str, Form()]
OptText = Annotated[str, Form()]


def _store(request: Request) -> Any:
    return request.app.state.store


def _refused(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status", 403)
    if isinstance(exc, PeopleNotAllowed) and status == 401:
        return RedirectResponse(f"/login?next={quote(request.url.path, safe='')}", 303)
    if isinstance(exc, LookupError):
        status = 404
    elif isinstance(exc, PeopleError):
        status = 409
    return render(request, "error.html", status_code=status, message=error_text(exc, choose_language(request)))


def _attempt(request: Request, action: Callable[[], Any], done: Callable[[Any], str]) -> Response:
    try:
        result = action()
    except (PeopleNotAllowed, PeopleError, LookupError, SharingError) as exc:
        return _refused(request, exc)
    return RedirectResponse(done(result), status_code=303)


def _monday(text: str | None, zone: ZoneInfo) -> date:
    try:
        day = date.fromisoformat(text) if text else datetime.now(zone).date()
    except ValueError:
        day = datetime.now(zone).date()
    return day - timedelta(days=day.weekday())


def week_grid(slots: dict[str, Any], monday: date) -> dict[str, Any]:
    """The week as rows of local times × 7 days; each cell a slot's free units or None."""
    days = [monday + timedelta(days=i) for i in range(7)]
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for s in slots["slots"]:
        cells[(s["local_start"][:10], s["local_start"][11:16])] = s
    times = sorted({t for _, t in cells})
    rows = [{"time": t, "cells": [cells.get((d.isoformat(), t)) for d in days]} for t in times]
    return {"days": days, "rows": rows}


@router.get("/resources")
def resources_page(request: Request, actor: ActorDep, kind: str | None = None,
                   facility: str | None = None) -> Response:  # fmt: skip
    try:
        page = resources.list_resources(_store(request), facility=facility,
                                        kind=kind or None, limit=200)  # fmt: skip
    except (LookupError, SharingError) as exc:
        return _refused(request, exc)
    return render(request, "sharing_resources.html", page=page, kind=kind,
                  signed_in=not actor.is_anonymous)  # fmt: skip


def _resource_page(request: Request, actor: Actor, rid: int, week: str | None = None,
                   status_code: int = 200, **extra: Any) -> Response:  # fmt: skip
    store = _store(request)
    try:
        r = resources.resource_detail(store, rid)
    except LookupError as exc:
        return _refused(request, exc)
    zone = ZoneInfo(r["time_zone"])
    monday = _monday(week, zone)
    shown = extra.pop("rules_given", None) or r["rules"]  # what was typed, when it was refused
    slots = resources.free_slots(store, rid, start=monday.isoformat(), days=7)
    return render(
        request, "sharing_resource.html", status_code=status_code, r=r,
        grid=week_grid(slots, monday), monday=monday, prev=monday - timedelta(days=7),
        next=monday + timedelta(days=7), manager=manages_resource(store, actor, r),
        signed_in=not actor.is_anonymous, weekdays=WEEKDAYS,
        shown=shown, windows=window_rows(shown), exceptions=exception_rows(shown),
        sessions={t["id"]: trainings.sessions_of(store, t["id"]) for t in r["trainings"]},
        **extra,
    )  # fmt: skip


@router.get("/resources/{rid}")
def resource_page(request: Request, rid: RowId, actor: ActorDep, week: str | None = None,
                  booked: int | None = None, saved: str | None = None) -> Response:  # fmt: skip
    return _resource_page(request, actor, rid, week, booked=booked, saved=saved == "rules")


@router.post("/resources/{rid}/book")
def book_form(request: Request, rid: RowId, actor: ActorDep, day: Text, start: Text, end: Text,
              note: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    store = _store(request)
    try:
        b = service.book(store, actor, rid, f"{day}T{start}", f"{day}T{end}", note or None)
    except BookingConflict as exc:
        return _resource_page(request, actor, rid, day, status_code=409, conflict=exc,
                              form={"day": day, "start": start, "end": end})  # fmt: skip
    except SharingError as exc:
        lang = choose_language(request)
        errors = [{"field": f, "message": in_language(lang, m)} for f, m in exc.problems]
        return _resource_page(request, actor, rid, day, status_code=exc.status, errors=errors,
                              form={"day": day, "start": start, "end": end})  # fmt: skip
    except (PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    return RedirectResponse(f"/bookings/mine?booked={b['id']}", status_code=303)


@router.post("/resources/{rid}/block")
def block_form(request: Request, rid: RowId, actor: ActorDep, day: Text, start: Text, end: Text,
               note: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    return _attempt(request, lambda: service.block(
        _store(request), actor, rid, f"{day}T{start}", f"{day}T{end}", note or None),
        lambda b: f"/resources/{rid}?week={day}")  # fmt: skip


@router.post("/resources/{rid}/rules")
async def rules_form(request: Request, rid: RowId, actor: ActorDep) -> Response:
    given = rules_from_form(await request.form())

    def save() -> Response:
        try:
            resources.set_rules(_store(request), actor, rid, given)
        except SharingError as exc:
            lang = choose_language(request)
            errors = [{"field": f.removeprefix("rules."), "message": in_language(lang, m)}
                      for f, m in exc.problems]  # fmt: skip
            return _resource_page(request, actor, rid, status_code=exc.status,
                                  rules_errors=errors, rules_given=given)  # fmt: skip
        except (PeopleNotAllowed, LookupError) as exc:
            return _refused(request, exc)
        return RedirectResponse(f"/resources/{rid}?saved=rules", status_code=303)

    return await run_in_threadpool(save)


@router.get("/bookings/mine")
def my_bookings(request: Request, actor: ActorDep, booked: int | None = None,
                signup: str | None = None) -> Response:  # fmt: skip
    if actor.is_anonymous:
        return RedirectResponse("/login?next=%2Fbookings%2Fmine", status_code=303)
    return _mine(request, actor, booked=booked, signup_cancelled=signup == "cancelled")


def _mine(request: Request, actor: Actor, **extra: Any) -> Response:
    store = _store(request)
    start = datetime.now(UTC) - timedelta(days=30)
    page = listing.list_bookings(store, actor, mine=True, start=start, limit=200)
    return render(request, "sharing_mine.html", page=page, mine=trainings.my_trainings(store, actor),
                  **{"booked": None, "feed": None, **extra})  # fmt: skip


@router.post("/training-sessions/{sid}/cancel-signup")
def cancel_signup_form(request: Request, sid: RowId, actor: ActorDep) -> Response:
    return _attempt(request, lambda: trainings.cancel_signup(_store(request), actor, sid),
                    lambda r: "/bookings/mine?signup=cancelled")  # fmt: skip


@router.post("/bookings/feed")
def new_feed(request: Request, actor: ActorDep) -> Response:
    try:
        feed = calendar.new_feed_token(_store(request), actor)
    except PeopleNotAllowed as exc:
        return _refused(request, exc)
    return _mine(request, actor, feed=str(request.base_url).rstrip("/") + feed["path"])


@router.post("/bookings/{bid}/cancel")
def cancel_form(request: Request, bid: RowId, actor: ActorDep,
                back: Annotated[str, Form()] = "/bookings/mine") -> Response:  # fmt: skip
    target = back if back.startswith("/") and not back.startswith("//") else "/bookings/mine"
    return _attempt(request, lambda: service.cancel(_store(request), actor, bid),
                    lambda b: target)  # fmt: skip


@router.post("/bookings/{bid}/change")
def change_form(request: Request, bid: RowId, actor: ActorDep, day: Text, start: Text,
                end: Text) -> Response:  # fmt: skip
    try:
        service.change(_store(request), actor, bid, f"{day}T{start}", f"{day}T{end}")
    except BookingConflict as exc:
        return render(request, "error.html", status_code=409, message=exc.message)
    except (PeopleNotAllowed, PeopleError, LookupError, SharingError) as exc:
        return _refused(request, exc)
    return RedirectResponse("/bookings/mine", status_code=303)


@router.post("/bookings/{bid}/decide")
def decide_form(request: Request, bid: RowId, actor: ActorDep, decision: Text,
                back: Annotated[str, Form()] = "/bookings/mine") -> Response:  # fmt: skip
    target = back if back.startswith("/") and not back.startswith("//") else "/bookings/mine"
    return _attempt(request, lambda: service.decide(_store(request), actor, bid, decision),
                    lambda b: target)  # fmt: skip


@router.get("/manage/facilities/{fid}/bookings")
def facility_bookings(request: Request, fid: str, actor: ActorDep, view: str = "week",
                      day: str | None = None) -> Response:  # fmt: skip
    """The managers' day or week view of every booking at the facility."""
    from refaire.manage.access import find_facility

    store = _store(request)
    try:
        row_id, f = find_facility(store, fid)
        hours = (f.extra or {}).get("hours") or {}
        zone = ZoneInfo(hours.get("time_zone") or "UTC")
        first = _monday(day, zone) if view != "day" else _day(day, zone)
        length = 1 if view == "day" else 7
        start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
        page = listing.list_bookings(store, actor, facility=row_id, start=start,
                                     end=start + timedelta(days=length), limit=500)  # fmt: skip
        rs = resources.list_resources(store, facility=row_id, limit=200)["items"]
    except (PeopleNotAllowed, LookupError, SharingError) as exc:
        return _refused(request, exc)
    days = [first + timedelta(days=i) for i in range(length)]
    by_day = {d.isoformat(): [b for b in page["items"] if b["local_start"][:10] == d.isoformat()]
              for d in days}  # fmt: skip
    return render(request, "sharing_facility.html", f=f, fid=row_id, view=view, days=days,
                  by_day=by_day, resources=rs, first=first, prev_day=first - timedelta(days=length),
                  next_day=first + timedelta(days=length),
                  machines=list(enumerate(f.equipment)), time_zone=hours.get("time_zone") or "",
                  trainings=trainings.trainings_of(store, row_id))  # fmt: skip


def _day(text: str | None, zone: ZoneInfo) -> date:
    try:
        return date.fromisoformat(text) if text else datetime.now(zone).date()
    except ValueError:
        return datetime.now(zone).date()


@router.post("/manage/facilities/{fid}/resources")
def make_bookable(request: Request, fid: RowId, actor: ActorDep, kind: Text,
                  machine: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
                  units: Annotated[str, Form()] = "",
                  time_zone: Annotated[str, Form()] = "",
                  slot_minutes: Annotated[str, Form()] = "30",
                  approval: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    data = {"kind": kind, "name": name or None,
            "machine_index": int(machine) if machine.isdigit() else None,
            "units": int(units) if units.isdigit() else None,
            "time_zone": time_zone.strip() or None,
            "rules": {"slot_minutes": int(slot_minutes) if slot_minutes.isdigit() else 0,
                      "min_minutes": int(slot_minutes) if slot_minutes.isdigit() else 0,
                      "approval": bool(approval)}}  # fmt: skip
    return _attempt(request, lambda: resources.create_resource(_store(request), actor, fid, data),
                    lambda r: f"/resources/{r['id']}")  # fmt: skip


@router.post("/manage/facilities/{fid}/trainings")
def training_form(request: Request, fid: RowId, actor: ActorDep, name: Text) -> Response:
    return _attempt(request, lambda: resources.add_training(_store(request), actor, fid,
                                                            {"name": name}),
                    lambda t: f"/manage/facilities/{fid}/bookings")  # fmt: skip


@router.post("/trainings/{tid}/records")
def trained_form(request: Request, tid: RowId, actor: ActorDep, member: Text,
                 back: Annotated[str, Form()] = "/resources") -> Response:  # fmt: skip
    target = back if back.startswith("/") and not back.startswith("//") else "/resources"
    return _attempt(request, lambda: trainings.record_training(_store(request), actor, tid,
                                                               member.strip()),
                    lambda t: target)  # fmt: skip


@router.post("/trainings/{tid}/sessions")
def session_form(
    request: Request,
    tid: RowId,
    actor: ActorDep,
    day: Text,
    start: Text,
    end: Text,
    capacity: Text,
    time_zone: Annotated[str, Form()] = "UTC",
    back: Annotated[str, Form()] = "/resources",
) -> Response:
    """A manager schedules a training session (wall-clock times where the facility is)."""
    from zoneinfo import ZoneInfoNotFoundError

    target = back if back.startswith("/") and not back.startswith("//") else "/resources"
    try:
        zone = ZoneInfo(time_zone or "UTC")
        a = datetime.fromisoformat(f"{day}T{start}").replace(tzinfo=zone)
        b = datetime.fromisoformat(f"{day}T{end}").replace(tzinfo=zone)
    except (ValueError, ZoneInfoNotFoundError):
        return _refused(request, SharingError([("starts_at", "expected a date and times")]))
    places = int(capacity) if capacity.strip().isdigit() else 0
    return _attempt(
        request,
        lambda: trainings.add_session(_store(request), actor, tid, a, b, places),
        lambda t: target,
    )


@router.post("/training-sessions/{sid}/signup")
def signup_form(request: Request, sid: RowId, actor: ActorDep) -> Response:
    return _attempt(request, lambda: trainings.sign_up(_store(request), actor, sid),
                    lambda t: "/bookings/mine")  # fmt: skip


@router.post("/resources/lend")
def lend_form(request: Request, actor: ActorDep, name: Text, pickup_place: Text,
              time_zone: Text, lending_rules: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    data = {"name": name, "pickup_place": pickup_place, "time_zone": time_zone,
            "lending_rules": lending_rules or None}  # fmt: skip
    return _attempt(request, lambda: resources.lend_tool(_store(request), actor, data),
                    lambda r: f"/resources/{r['id']}")  # fmt: skip
