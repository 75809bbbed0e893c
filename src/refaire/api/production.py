"""/api/production/requests, /api/production/quotes, /api/orders, /api/inbox.

Thin: each route parses, calls one service of refaire.production and maps its refusals —
401/403 with a sentence, 404 for what does not exist or what the reader may not see (a
private request, someone else's order: existence does not leak), 422 `{detail, errors}`
for wrong values, 409 for a state that forbids it; a transition out of order is a 409
whose body lists `allowed` moves (and who may make each). No payment is processed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from refaire.api._deps import get_store
from refaire.contract.errors import error_responses, problem
from refaire.contract.params import RowId
from refaire.people._common import NotAllowed as PeopleNotAllowed
from refaire.people.actor import Actor
from refaire.people.auth import current_actor
from refaire.production import messages, orders, quotes, reviews
from refaire.production import requests as prequests
from refaire.production.access import ProductionError
from refaire.production.attachments import attachment_type
from refaire.said import Said
from refaire.store import Store

router = APIRouter(tags=["production requests, quotes and orders"])
StoreDep = Annotated[Store, Depends(get_store)]
ActorDep = Annotated[Actor, Depends(current_actor)]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
CONFLICT = error_responses(409, 413, 503)
MEMBERS = error_responses(403)  # reads that need a member (not the bootstrap token)


def answer(fn: Callable[[], Any]) -> Any:
    """Call a service; its refusals become the HTTP answers the module docstring names."""
    try:
        return fn()
    except PeopleNotAllowed as exc:
        raise HTTPException(getattr(exc, "status", 403), str(exc)) from None
    except LookupError as exc:
        raise HTTPException(404, str(exc).strip("'\"")) from None
    except ProductionError as exc:
        extra = {"allowed": exc.allowed} if exc.allowed is not None else {}
        raise problem(exc.status, str(exc), exc.problems, **extra) from None


class RequestIn(BaseModel):
    design: str = Field(description="Registry design id or key.")
    quantity: int
    materials: dict[str, str] | str = Field(
        {}, description="Material id per part name, or one material for every part ('*').")
    place: str = Field(description="Delivery or pick-up place: a town or 'LAT,LON'.")
    radius_km: float = 50
    deadline: str | None = Field(None, description="YYYY-MM-DD")
    budget: str | None = Field(None, description="Decimal amount, e.g. '120.00'.")
    currency: str | None = Field(None, description="ISO 4217 code, with a budget.")
    visibility: Literal["public", "recipients"] = "public"
    note: str | None = Field(None, max_length=5000)
    send_to: list[str] | Literal["all"] | None = Field(
        None, description="'all' capable within the radius, or ['facility:ID', 'maker:ID'].")


class SendIn(BaseModel):
    send_to: list[str] | Literal["all"]


class Line(BaseModel):
    item: str
    amount: str = Field(description="Decimal amount, e.g. '48.90'.")


class QuoteIn(BaseModel):
    facility: int | None = Field(None, description="A facility you manage; omit as a maker.")
    lines: list[Line]
    currency: str = Field(description="ISO 4217 code, e.g. EUR.")
    lead_days: int
    valid_until: str | None = Field(None, description="YYYY-MM-DD (default: 30 days).")
    conditions: str | None = Field(None, max_length=5000)


class MoveIn(BaseModel):
    to: Literal[tuple(orders.STATES)]  # type: ignore[valid-type]
    note: str | None = Field(None, max_length=2000, description="Why (needed to cancel/dispute).")


class ReviewIn(BaseModel):
    rating: int = Field(ge=1, le=5)
    text: str | None = Field(None, max_length=3000)


@router.post("/production/requests", status_code=201, responses=CONFLICT)
def create_request(body: RequestIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """Ask for a registry design to be made near a place; optionally send it at once."""
    return answer(lambda: prequests.create_request(store, actor, body.model_dump()))


PART_FIELDS = {
    "files": {"type": "array", "items": {"type": "string", "format": "binary"},
              "description": "The part files: STL, 3MF, OBJ (3D printed) or SVG, DXF (laser cut)."},
    "quantity": {"type": "integer"}, "place": {"type": "string"},
    "material": {"type": "string", "description": "One material for every part."},
    "materials": {"type": "string", "description": "JSON object: material per file name."},
    "radius_km": {"type": "number"}, "title": {"type": "string"},
    "deadline": {"type": "string"}, "budget": {"type": "string"}, "currency": {"type": "string"},
    "visibility": {"type": "string", "enum": ["recipients", "public"],
                   "description": "Default: recipients (only those it is sent to)."},
    "note": {"type": "string"},
    "send_to": {"type": "string", "description": "'all', or comma-separated 'facility:ID'."},
}  # fmt: skip


@router.post("/production/requests/parts", status_code=201,
             responses={**CONFLICT, **error_responses(400)},
             openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {
                 "schema": {"type": "object", "required": ["files", "quantity", "place"],
                            "properties": PART_FIELDS}}}}})  # fmt: skip
async def create_parts_request(request: Request, store: StoreDep, actor: ActorDep) -> Any:
    """Ask for your own part files to be made near a place: each file is measured in a
    worker process (bounding box, area, volume or cut length), stored with the process its
    material needs, and routed on those measurements. Private to you and its recipients
    unless `visibility=public`. Files the geometry module cannot measure are refused, every
    one named, and nothing is written."""
    import json

    from refaire import limits
    from refaire.api._uploads import busy_as_503, form_files, too_large
    from refaire.jobs.uploads import measure_off_loop
    from refaire.production.access import require_member
    from refaire.production.part_files import MAX_PARTS

    await run_in_threadpool(answer, lambda: require_member(actor, Said("prod.what.request")))
    cap = limits.max_upload_bytes()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_PARTS * (cap + 2**16):
        raise HTTPException(413, f"over {MAX_PARTS} files of {cap // 2**20} MB: refused unread")
    files = await form_files(request, "files", MAX_PARTS)
    for name, data in files:
        if len(data) > cap:
            raise problem(413, too_large(name), [("files", too_large(name))])
    form = await request.form()  # parsed once already: Starlette keeps it
    nul = sorted({k for k, v in form.multi_items() if isinstance(v, str) and "\x00" in v})
    if nul:  # PostgreSQL refuses NUL in text: a 422 naming the field, not a 500
        raise problem(422, "NUL character in the form", [(k, "NUL character") for k in nul])
    data: dict[str, Any] = {k: str(form.get(k) or "") or None for k in (
        "quantity", "place", "radius_km", "title", "deadline", "budget", "currency",
        "visibility", "note")}  # fmt: skip
    try:
        per_file = json.loads(str(form.get("materials") or "{}"))
        if not isinstance(per_file, dict):
            raise ValueError
    except ValueError:
        raise problem(422, "materials: a JSON object of file name to material",
                      [("materials", "a JSON object of file name to material")]) from None
    data["materials"] = {**per_file, **({"*": form["material"]} if form.get("material") else {})}
    targets = str(form.get("send_to") or "").strip()
    data["send_to"] = "all" if targets == "all" else [t.strip() for t in targets.split(",")
                                                       if t.strip()] or None  # fmt: skip
    measured = []
    with busy_as_503():
        for name, blob in files:  # in a worker each: never in this event loop
            measured.append(await measure_off_loop(name, blob))
    data["measured"] = measured
    return await run_in_threadpool(
        answer, lambda: prequests.create_request(store, actor, data))


@router.get("/production/requests", responses=MEMBERS)
def list_requests(store: StoreDep, actor: ActorDep, mine: bool = False, limit: Limit = 50,
                  offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """Open public requests, or (`mine`) those I made or that were sent to me."""
    return answer(lambda: prequests.list_requests(store, actor, mine, limit, offset))


@router.get("/production/requests/{rid}")
def request_detail(rid: RowId, store: StoreDep, actor: ActorDep,
                   lang: Literal["en", "fr"] = "en") -> dict[str, Any]:  # fmt: skip
    """The request, whom it was sent to, its quotes compared; for its requester, the
    capable facilities and makers (basis stated or probable)."""
    return answer(lambda: prequests.request_detail(store, actor, rid, lang))


@router.post("/production/requests/{rid}/send", responses=CONFLICT)
def send_request(rid: RowId, body: SendIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """Send the request to chosen capable facilities/makers, or to all; each is notified."""
    return answer(lambda: prequests.send_request(store, actor, rid, body.send_to))


@router.get("/production/requests/{rid}/quote-draft")
def quote_draft(rid: RowId, store: StoreDep, actor: ActorDep,
                facility: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
                lang: Literal["en", "fr"] = "en") -> dict[str, Any]:  # fmt: skip
    """Price lines from the instant-quote engine with the facility's prices, to edit."""
    return answer(lambda: quotes.suggest(store, actor, rid, facility, lang))


@router.post("/production/requests/{rid}/quotes", status_code=201, responses=CONFLICT)
def submit_quote(rid: RowId, body: QuoteIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """A facility manager's or maker's quote on an open request."""
    return answer(lambda: quotes.submit_quote(store, actor, rid, body.model_dump()))


@router.post("/production/quotes/{qid}/accept", status_code=201, responses=CONFLICT)
def accept_quote(qid: RowId, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """The requester accepts one quote: an order (the other quotes are declined)."""
    return answer(lambda: orders.accept_quote(store, actor, qid))


@router.get("/orders", responses=MEMBERS)
def list_orders(store: StoreDep, actor: ActorDep, limit: Limit = 50,
                offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    return answer(lambda: orders.list_orders(store, actor, limit, offset))


@router.get("/orders/{oid}")
def order_detail(oid: RowId, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """An order for its parties: state, events, messages, the moves I may make, reviews."""
    return answer(lambda: orders.order_detail(store, actor, oid))


@router.post("/orders/{oid}/transition", responses=CONFLICT)
def move(oid: RowId, body: MoveIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """Move the order; 409 names the moves its state allows and who may make them."""
    return answer(lambda: orders.transition(store, actor, oid, body.to, body.note))


@router.post("/orders/{oid}/reviews", status_code=201, responses=CONFLICT)
def review(oid: RowId, body: ReviewIn, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """Once received, each party reviews the other once."""
    return answer(lambda: reviews.review(store, actor, oid, body.rating, body.text))


@router.post("/orders/{oid}/messages", status_code=201, responses=CONFLICT,
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {"schema": {
                 "type": "object", "properties": {
                     "body": {"type": "string"},
                     "file": {"type": "string", "format": "binary"}}}}}}})  # fmt: skip
async def post_message(oid: RowId, request: Request, store: StoreDep, actor: ActorDep) -> Any:
    """A message on the order thread, with an optional attachment (PDF, PNG, JPEG, STL or
    text; checked by its bytes in a worker process; the size limit applies before reading)."""
    from refaire import limits
    from refaire.jobs import JobError, JobsBusy, run_job
    from refaire.production.access import require_member

    def party() -> Any:  # who may write is known before a byte of the body is read
        require_member(actor, Said("prod.what.write_order"))
        return orders.order_detail(store, actor, oid)

    await run_in_threadpool(answer, party)
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise HTTPException(400, "send the message as multipart/form-data (body, file)")
    form = await request.form(max_files=1, max_fields=5)
    body = str(form.get("body") or "")
    upload = form.get("file")
    attachment = None
    if upload is not None and not isinstance(upload, str) and upload.filename:
        cap = limits.max_upload_bytes()
        data = await upload.read(cap + 1)
        if len(data) > cap:
            raise problem(413, f"{upload.filename}: over the {cap // 2**20} MB limit",
                          [("file", "too large")])  # fmt: skip
        try:
            mime = await run_job(attachment_type, upload.filename, data)
        except JobsBusy:
            raise HTTPException(503, "busy: try again shortly") from None
        except JobError as exc:
            raise problem(422, str(exc), [("file", str(exc))]) from None
        except ValueError as exc:
            raise problem(422, str(exc), [("file", str(exc))]) from None
        attachment = (upload.filename, data, mime)
    return await run_in_threadpool(
        answer, lambda: messages.post_message(store, actor, oid, body, attachment))


@router.get("/orders/{oid}/messages/{mid}/file", response_class=Response)
def attachment(oid: RowId, mid: RowId, store: StoreDep, actor: ActorDep) -> Response:
    """An attachment, for the order's parties; served as a download, never rendered."""
    name, mime, data = answer(lambda: messages.attachment(store, actor, oid, mid))
    safe = "".join(c for c in name if c.isalnum() or c in "._-")[:100] or "attachment"
    return Response(data, media_type=mime, headers={
        "Content-Disposition": f'attachment; filename="{safe}"',
        "X-Content-Type-Options": "nosniff"})  # fmt: skip


@router.get("/inbox", responses=MEMBERS)
def inbox(store: StoreDep, actor: ActorDep, limit: Limit = 50, offset: Offset = 0) -> dict:
    """My notices: requests sent to me, quotes, order moves, messages."""
    return answer(lambda: messages.inbox(store, actor, limit, offset))


@router.post("/inbox/read")
def inbox_read(store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    return answer(lambda: messages.mark_read(store, actor))
