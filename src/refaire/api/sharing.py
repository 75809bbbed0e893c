"""/api/resources, /api/bookings, /api/trainings: shared machines, spaces and tools.

Thin: each route parses, calls one service of refaire.sharing and maps its errors — 401/403
with a sentence (who may do it), 404 unknown, 422 `[{field, message}]` for wrong values,
409 for a state that forbids it; a taken slot is a 409 whose body names the booking holding
it and offers the next free slots. Feeds are text/calendar, exports text/csv (UTF-8, BOM).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from refaire.api._deps import get_store
from refaire.contract.errors import ConflictBody, error_responses, problem
from refaire.contract.params import RowId
from refaire.people._common import NotAllowed as PeopleNotAllowed
from refaire.people._common import UnknownUser
from refaire.people.actor import Actor
from refaire.people.auth import current_actor
from refaire.sharing import calendar, export, listing, resources, service, trainings
from refaire.sharing.access import BookingConflict, SharingError
from refaire.store import Store

router = APIRouter(tags=["shared machines and bookings"])
StoreDep = Annotated[Store, Depends(get_store)]
ActorDep = Annotated[Actor, Depends(current_actor)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
ICS = "text/calendar; charset=utf-8"
CSV = "text/csv; charset=utf-8"
CONFLICT = error_responses(409, model=ConflictBody)


def answer(fn: Callable[[], Any]) -> Any:
    """Call a service; its refusals become the HTTP answers the module docstring names."""
    try:
        return fn()
    except BookingConflict as exc:
        body = exc.to_dict()
        raise problem(409, body.pop("detail"), **body) from None
    except PeopleNotAllowed as exc:
        raise HTTPException(getattr(exc, "status", 403), str(exc)) from None
    except (LookupError, UnknownUser) as exc:
        raise HTTPException(404, str(exc).strip("'\"")) from None
    except SharingError as exc:
        detail: Any = [{"field": f, "message": m} for f, m in exc.problems]
        raise HTTPException(exc.status, detail if exc.status == 422 else str(exc)) from None


class ResourceIn(BaseModel):
    """A facility's machine (its index in the equipment) or space (a capacity)."""

    kind: Literal["machine", "space"] = "machine"
    machine_index: int | None = Field(None, description="Index in the facility's equipment.")
    name: str | None = None
    description: str | None = None
    process: str | None = None
    units: int | None = Field(None, description="Capacity (default: the machine's quantity).")
    time_zone: str | None = Field(None, description="IANA zone (default: the facility's).")
    rules: dict[str, Any] | None = Field(None, description="See refaire.sharing.rules.")
    required_trainings: list[int] = []


class ToolIn(BaseModel):
    """A member's own tool or object, lent to others."""

    name: str
    pickup_place: str
    time_zone: str = Field(description="IANA time zone, e.g. Europe/Paris.")
    description: str | None = None
    lending_rules: str | None = None
    process: str | None = None
    rules: dict[str, Any] | None = None


class BookingIn(BaseModel):
    resource_id: int
    starts_at: str = Field(description="ISO date-time; without offset: the resource's time.")
    ends_at: str
    note: str | None = Field(None, max_length=1000)


class ChangeIn(BaseModel):
    starts_at: str
    ends_at: str


class BlockIn(ChangeIn):
    note: str | None = Field(None, max_length=1000)


class DecisionIn(BaseModel):
    decision: Literal["approve", "refuse", "no_show", "complete"]


class TrainingIn(BaseModel):
    name: str
    description: str | None = None
    valid_months: int | None = None


class RecordIn(BaseModel):
    user: str = Field(description="The member's e-mail or account id.")
    trained_on: str | None = None
    expires_on: str | None = None


class SessionIn(BaseModel):
    starts_at: datetime
    ends_at: datetime
    capacity: int


class TrainingsIn(BaseModel):
    trainings: list[int]


@router.get("/resources")
def list_resources(
    store: StoreDep,
    facility: str | None = None,
    owner: int | None = None,
    kind: Literal["machine", "space", "tool"] | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Bookable resources, optionally of one facility, one lender, or one kind."""
    return answer(lambda: resources.list_resources(
        store, facility=facility, owner=owner, kind=kind, limit=limit, offset=offset))  # fmt: skip


@router.post("/facilities/{ident}/resources", status_code=201)
def create_resource(ident: str, body: ResourceIn, store: StoreDep, actor: ActorDep) -> dict:
    """A manager makes one of the facility's machines or spaces bookable."""
    return answer(lambda: resources.create_resource(store, actor, ident, body.model_dump()))


@router.post("/resources", status_code=201)
def lend_tool(body: ToolIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """A member lists a tool of their own to lend."""
    return answer(lambda: resources.lend_tool(store, actor, body.model_dump()))


@router.get("/resources/{rid}")
def resource_detail(rid: RowId, store: StoreDep) -> dict[str, Any]:
    return answer(lambda: resources.resource_detail(store, rid))


@router.patch("/resources/{rid}/rules")
def set_rules(rid: RowId, rules: dict[str, Any], store: StoreDep, actor: ActorDep) -> dict:
    """Change some booking rules (the others are kept)."""
    return answer(lambda: resources.set_rules(store, actor, rid, rules))


@router.put("/resources/{rid}/trainings")
def set_trainings(rid: RowId, body: TrainingsIn, store: StoreDep, actor: ActorDep) -> dict:
    """The trainings a member must hold to book the resource."""
    return answer(lambda: trainings.require_trainings(store, actor, rid, body.trainings))


@router.get("/resources/{rid}/slots")
def slots(
    rid: RowId,
    store: StoreDep,
    start: Annotated[str | None, Query(alias="from", description="Date or date-time")] = None,
    days: Annotated[int, Query(ge=1, le=92)] = 7,
) -> dict[str, Any]:
    """The slot grid with the free units of each slot."""
    return answer(lambda: resources.free_slots(store, rid, start=start, days=days))


@router.get("/resources/{rid}/slots.csv", response_class=Response)
def slots_csv(
    rid: RowId,
    store: StoreDep,
    start: Annotated[str | None, Query(alias="from")] = None,
    days: Annotated[int, Query(ge=1, le=92)] = 7,
) -> Response:
    data = answer(lambda: resources.free_slots(store, rid, start=start, days=days))
    return Response(export.slots_csv(data), media_type=CSV)


@router.get("/resources/{rid}/calendar.ics", response_class=Response)
def resource_feed(rid: RowId, store: StoreDep) -> Response:
    """Availability and busy times (no personal data), RFC 5545."""
    return Response(answer(lambda: calendar.resource_feed(store, rid)), media_type=ICS)


@router.post("/resources/{rid}/blocks", status_code=201, responses=CONFLICT)
def block(rid: RowId, body: BlockIn, store: StoreDep, actor: ActorDep) -> Any:
    """A manager closes a slot on every unit without deleting anything (lift it by cancelling)."""
    return answer(lambda: service.block(store, actor, rid, body.starts_at, body.ends_at,
                                        body.note))  # fmt: skip


@router.get("/facilities/{ident}/calendar.ics", response_class=Response)
def facility_feed(ident: str, store: StoreDep) -> Response:
    """Busy times of all the facility's resources, named by resource only."""
    return Response(answer(lambda: calendar.facility_feed(store, ident)), media_type=ICS)


@router.post("/facilities/{ident}/trainings", status_code=201)
def add_training(ident: str, body: TrainingIn, store: StoreDep, actor: ActorDep) -> dict:
    return answer(lambda: resources.add_training(store, actor, ident, body.model_dump()))


@router.post("/trainings/{tid}/records", status_code=201)
def record_training(tid: RowId, body: RecordIn, store: StoreDep, actor: ActorDep) -> dict:
    """A manager records that a member is trained (date, optional expiry)."""
    return answer(lambda: trainings.record_training(
        store, actor, tid, body.user, body.trained_on, body.expires_on))  # fmt: skip


@router.post("/trainings/{tid}/sessions", status_code=201)
def add_session(tid: RowId, body: SessionIn, store: StoreDep, actor: ActorDep) -> dict:
    return answer(lambda: trainings.add_session(
        store, actor, tid, body.starts_at, body.ends_at, body.capacity))  # fmt: skip


@router.get("/trainings/{tid}/sessions")
def sessions(tid: RowId, store: StoreDep) -> list[dict[str, Any]]:
    return answer(lambda: trainings.sessions_of(store, tid))


@router.post("/training-sessions/{sid}/signups", status_code=201)
def sign_up(sid: RowId, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """Take a place in a training session (409 when full)."""
    return answer(lambda: trainings.sign_up(store, actor, sid))


@router.delete("/training-sessions/{sid}/signups")
def cancel_signup(sid: RowId, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """Give back your place in a session that has not started (404 when not signed up)."""
    return answer(lambda: trainings.cancel_signup(store, actor, sid))


@router.get("/training-signups")
def my_trainings(store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """Your training sessions (local times in the facility's zone) and the trainings you hold."""
    return answer(lambda: trainings.my_trainings(store, actor))


def _page(store: Store, actor: Actor, mine: bool, resource: int | None, facility: str | None,
          start: str | None, end: str | None, status: str | None, limit: int,
          offset: int) -> dict[str, Any]:  # fmt: skip
    a = resources.parse_start(start) if start else None
    b = resources.parse_start(end) if end else None
    return listing.list_bookings(
        store,
        actor,
        mine=mine,
        resource=resource,
        facility=facility,
        start=a,
        end=b,
        status=status,
        limit=limit,
        offset=offset,
    )


@router.post("/bookings", status_code=201, responses=CONFLICT)
def book(body: BookingIn, store: StoreDep, actor: ActorDep) -> Any:
    """Book a resource: confirmed, or pending when its managers approve each booking."""
    return answer(lambda: service.book(store, actor, body.resource_id, body.starts_at,
                                       body.ends_at, body.note))  # fmt: skip


@router.get("/bookings")
def list_bookings(
    store: StoreDep,
    actor: ActorDep,
    mine: bool = False,
    resource: int | None = None,
    facility: str | None = None,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    status: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """My bookings (`mine=true`), or a resource's / facility's bookings for its managers."""
    return answer(lambda: _page(store, actor, mine, resource, facility, start, end, status,
                                limit, offset))  # fmt: skip


@router.get("/bookings.csv", response_class=Response)
def bookings_csv(
    store: StoreDep,
    actor: ActorDep,
    mine: bool = False,
    resource: int | None = None,
    facility: str | None = None,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
) -> Response:
    page = answer(lambda: _page(store, actor, mine, resource, facility, start, end, None,
                                10_000, 0))  # fmt: skip
    return Response(export.bookings_csv(page["items"]), media_type=CSV)


@router.post("/bookings/feed", status_code=201)
def new_feed(store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """A new private calendar URL for my bookings (the previous one stops working)."""
    return answer(lambda: calendar.new_feed_token(store, actor))


@router.get("/bookings/feed/{token}.ics", response_class=Response)
def member_feed(token: Annotated[str, Path(max_length=100)], store: StoreDep) -> Response:
    data = calendar.member_feed(store, token)
    if data is None:
        raise HTTPException(404, "unknown or revoked calendar link: make a new one")
    return Response(data, media_type=ICS)


@router.get("/bookings/{bid}")
def booking_detail(bid: RowId, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    return answer(lambda: listing.booking_detail(store, actor, bid))


@router.patch("/bookings/{bid}", responses=CONFLICT)
def change(bid: RowId, body: ChangeIn, store: StoreDep, actor: ActorDep) -> Any:
    """Move a booking (before the cancellation deadline, unless a manager does it)."""
    return answer(lambda: service.change(store, actor, bid, body.starts_at, body.ends_at))


@router.post("/bookings/{bid}/cancel")
def cancel(bid: RowId, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """Cancel (the member before the deadline, a manager any time) or lift a block."""
    return answer(lambda: service.cancel(store, actor, bid))


@router.post("/bookings/{bid}/decision")
def decide(bid: RowId, body: DecisionIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """A manager approves or refuses a pending booking, or marks one no-show or completed."""
    return answer(lambda: service.decide(store, actor, bid, body.decision))
