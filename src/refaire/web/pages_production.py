"""Pages: production requests, quotes side by side, orders, the inbox, offers, storefronts.

Every form works without JavaScript: POST, then 303 to the page that shows the result;
refusals re-render with the service's sentence and the right status (401 leads to the
log-in page; a private request or someone else's order is a 404). The order thread's
attachment form is multipart and read only after the sender was found to be a party
(`upload_gate`); the attachment's type is checked in a worker process. No payment is
processed: pages say so wherever a price is agreed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from refaire.contract.params import RowId
from refaire.people._common import NotAllowed as PeopleNotAllowed
from refaire.people.actor import Actor
from refaire.people.auth import current_actor, session_actor
from refaire.places import PlaceError, resolve_place
from refaire.production import messages, offers, orders, quotes, reviews
from refaire.production import requests as prequests
from refaire.production.access import ProductionError, managed_facility_ids
from refaire.said import Said, error_text, in_language
from refaire.web import render, templates
from refaire.web.gated_form import upload_cap, upload_gate
from refaire.web.i18n import choose_language

router = APIRouter()
ActorDep = Annotated[Actor, Depends(current_actor)]
Opt = Annotated[str, Form()]


def _store(request: Request) -> Any:
    return request.app.state.store


def _refused(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status", 403)
    if isinstance(exc, PeopleNotAllowed) and status == 401:
        return RedirectResponse(f"/login?next={quote(request.url.path, safe='')}", 303)
    if isinstance(exc, LookupError):
        status = 404
    lang = choose_language(request)
    problems = (_worded(lang, exc.problems) if isinstance(exc, ProductionError) else None)
    return render(request, "error.html", status_code=status, message=error_text(exc, lang),
                  problems=problems)  # fmt: skip


def _worded(lang: str, problems: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """A service's (field, message) problems with each message in the page's language."""
    return [{"field": f, "message": in_language(lang, m)} for f, m in problems]


def _attempt(request: Request, action: Callable[[], Any], done: Callable[[Any], str]) -> Response:
    try:
        result = action()
    except (PeopleNotAllowed, LookupError, ProductionError) as exc:
        return _refused(request, exc)
    return RedirectResponse(done(result), status_code=303)


def _show(request: Request, template: str, load: Callable[[], Any], **extra: Any) -> Response:
    try:
        data = load()
    except (PeopleNotAllowed, LookupError, ProductionError) as exc:
        return _refused(request, exc)
    return render(request, template, data=data, **extra)


# --- template globals: panels on design and facility pages -----------------------------------

def production_offers_for(request: Request, design_id: int) -> dict[str, Any]:
    return offers.search_offers(_store(request), design=design_id, limit=20)


def production_reviews_of(request: Request, facility_id: int) -> dict[str, Any]:
    return reviews.summary(_store(request), facility_id=facility_id, items=5)


templates.env.globals["production_offers_for"] = production_offers_for
templates.env.globals["production_reviews_of"] = production_reviews_of


# --- requests ---------------------------------------------------------------------------------

@router.get("/production")
def production_home(request: Request, actor: ActorDep) -> Response:
    store = _store(request)
    mine = None
    if not actor.is_anonymous:
        mine = prequests.list_requests(store, actor, mine=True, limit=100)
    return render(request, "production_home.html", public=prequests.list_requests(
        store, actor, limit=100), mine=mine, signed_in=not actor.is_anonymous)  # fmt: skip


@router.get("/production/requests/new")
def request_form(request: Request, actor: ActorDep, design: str = "") -> Response:
    if actor.is_anonymous:
        return RedirectResponse(f"/login?next={quote(str(request.url.path), safe='')}", 303)
    return render(request, "production_request_new.html", form={"design": design,
                  "quantity": "1", "radius_km": "50", "visibility": "public",
                  "parts_visibility": "recipients"})  # fmt: skip


@router.post("/production/requests")
def request_create(request: Request, actor: ActorDep, design: Opt = "", quantity: Opt = "",
                   material: Opt = "", place: Opt = "", radius_km: Opt = "50",
                   deadline: Opt = "", budget: Opt = "", currency: Opt = "",
                   visibility: Opt = "public", note: Opt = "") -> Response:  # fmt: skip
    form = {k: v for k, v in locals().items() if k not in ("request", "actor")}
    data = {**form, "materials": material}
    try:
        r = prequests.create_request(_store(request), actor, data, choose_language(request))
    except ProductionError as exc:
        return render(request, "production_request_new.html", status_code=exc.status, form=form,
                      errors=_worded(choose_language(request), exc.problems))  # fmt: skip
    except (PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    return RedirectResponse(f"/production/requests/{r['id']}", 303)


def _member_only(request: Request) -> None:
    """Before a byte of a part file is read: the sender must be a signed-in member."""
    if session_actor(request).is_anonymous:
        raise HTTPException(401, Said("manage.err.sign_in", what=Said("prod.what.request")))


@router.post("/production/requests/parts")
@upload_gate(_member_only)
async def request_create_parts(request: Request, actor: ActorDep) -> Response:
    """A request for the member's own part files: each measured in a worker process."""
    from refaire.jobs import JobsBusy
    from refaire.jobs.uploads import measure_off_loop
    from refaire.production.part_files import MAX_PARTS

    form = await request.form()  # already read by the CSRF check, behind `_member_only`
    fields = {k: str(form.get(k) or "") for k in ("quantity", "material", "place", "radius_km",
              "deadline", "budget", "currency", "visibility", "note", "title")}  # fmt: skip
    lang = choose_language(request)

    def again(status: int, problems: list[tuple[str, str]]) -> Response:
        return render(request, "production_request_new.html", status_code=status,
                      form={"design": "", **fields, "parts_visibility": fields["visibility"]},
                      errors=_worded(lang, problems))  # fmt: skip

    nul = sorted({k for k, v in form.multi_items() if isinstance(v, str) and "\x00" in v})
    if nul:  # PostgreSQL refuses NUL in text
        return again(422, [(k, Said("prod.err.nul")) for k in nul])
    uploads = [u for u in form.getlist("files") if not isinstance(u, str) and u.filename]
    if len(uploads) > MAX_PARTS:
        return again(413, [("files", Said("prod.err.too_many_parts", n=len(uploads), max=MAX_PARTS))])
    measured = []
    for upload in uploads:
        blob = await upload.read(upload_cap())
        if len(blob) >= upload_cap():
            return again(413, [("files", Said("prod.err.over_limit", name=upload.filename))])
        try:  # in a worker process: never in this event loop
            measured.append(await measure_off_loop(upload.filename, blob))
        except JobsBusy:
            return again(503, [("files", Said("prod.err.busy"))])
    data = {**fields, "materials": fields["material"], "measured": measured,
            "visibility": fields["visibility"] or "recipients"}  # fmt: skip
    try:
        r = await run_in_threadpool(prequests.create_request, _store(request), actor, data, lang)
    except ProductionError as exc:
        return again(exc.status, exc.problems)
    except (PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    return RedirectResponse(f"/production/requests/{r['id']}", 303)


@router.get("/production/requests/{rid}")
def request_page(request: Request, rid: RowId, actor: ActorDep) -> Response:
    store = _store(request)
    lang = choose_language(request)
    try:
        data = prequests.request_detail(store, actor, rid, lang)
    except (PeopleNotAllowed, LookupError, ProductionError) as exc:
        return _refused(request, exc)
    drafts = []
    if not data["is_requester"] and not actor.is_anonymous and data["status"] == "open":
        sent_to = {r["facility_id"] for r in data["recipients"]}
        for fid in sorted(managed_facility_ids(store, actor)):
            if data["visibility"] == "public" or fid in sent_to:
                drafts.append({"facility": fid, **quotes.suggest(store, actor, rid, fid, lang)})
        if data["visibility"] == "public" or any(
                r["maker_user_id"] == actor.user_id for r in data["recipients"]):
            drafts.append({"facility": None, **quotes.suggest(store, actor, rid, None, lang)})
    return render(request, "production_request.html", data=data, drafts=drafts)


@router.post("/production/requests/{rid}/send")
async def request_send(request: Request, rid: RowId, actor: ActorDep) -> Response:
    form = await request.form()
    targets: Any = "all" if form.get("all") else [str(x) for x in form.getlist("to")]
    return await run_in_threadpool(_attempt, request, lambda: prequests.send_request(
        _store(request), actor, rid, targets, choose_language(request)),
        lambda r: f"/production/requests/{rid}")  # fmt: skip


@router.post("/production/requests/{rid}/quotes")
async def quote_create(request: Request, rid: RowId, actor: ActorDep) -> Response:
    form = await request.form()
    lines = []
    for i in range(quotes.MAX_LINES):
        item, amount = form.get(f"item_{i}"), form.get(f"amount_{i}")
        if item is None and amount is None:
            break
        if str(item or "").strip() or str(amount or "").strip():
            lines.append({"item": str(item or ""), "amount": str(amount or "")})
    data = {"facility": form.get("facility") or None, "lines": lines,
            "currency": form.get("currency"), "lead_days": form.get("lead_days"),
            "valid_until": form.get("valid_until"), "conditions": form.get("conditions")}  # fmt: skip
    return await run_in_threadpool(_attempt, request, lambda: quotes.submit_quote(
        _store(request), actor, rid, data), lambda q: f"/production/requests/{rid}#quote-{q['id']}")


@router.post("/production/quotes/{qid}/accept")
def quote_accept(request: Request, qid: RowId, actor: ActorDep) -> Response:
    return _attempt(request, lambda: orders.accept_quote(_store(request), actor, qid),
                    lambda o: f"/orders/{o['id']}")  # fmt: skip


# --- orders -----------------------------------------------------------------------------------

@router.get("/orders")
def orders_page(request: Request, actor: ActorDep) -> Response:
    return _show(request, "production_orders.html",
                 lambda: orders.list_orders(_store(request), actor, 200))  # fmt: skip


@router.get("/orders/{oid}")
def order_page(request: Request, oid: RowId, actor: ActorDep) -> Response:
    return _show(request, "production_order.html",
                 lambda: orders.order_detail(_store(request), actor, oid))  # fmt: skip


@router.get("/orders/{oid}/print")
def order_print(request: Request, oid: RowId, actor: ActorDep) -> Response:
    return _show(request, "production_order_print.html",
                 lambda: orders.order_detail(_store(request), actor, oid))  # fmt: skip


@router.post("/orders/{oid}/move")
def order_move(request: Request, oid: RowId, actor: ActorDep, to: Opt = "",
               note: Opt = "") -> Response:  # fmt: skip
    try:
        orders.transition(_store(request), actor, oid, to, note)
    except ProductionError as exc:
        if exc.status == 409:
            lang = choose_language(request)
            return render(request, "error.html", status_code=409, message=error_text(exc, lang),
                          problems=[{"field": m["to"], "message": m["by"]}
                                    for m in exc.allowed or []])  # fmt: skip
        return _refused(request, exc)
    except (PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    return RedirectResponse(f"/orders/{oid}", 303)


@router.post("/orders/{oid}/review")
def order_review(request: Request, oid: RowId, actor: ActorDep, rating: Opt = "",
                 text: Opt = "") -> Response:  # fmt: skip
    return _attempt(request, lambda: reviews.review(_store(request), actor, oid, rating, text),
                    lambda r: f"/orders/{oid}#reviews")  # fmt: skip


def _party_only(request: Request) -> None:
    """Before a byte of an attachment is read: the sender must be a party of the order."""
    actor = session_actor(request)
    if actor.is_anonymous:
        raise HTTPException(401, Said("manage.err.sign_in", what=Said("prod.what.write_order")))
    oid = request.path_params.get("oid", "")
    try:
        orders.order_detail(_store(request), actor, int(oid))
    except (LookupError, ValueError):
        raise HTTPException(404, Said("err.no_order", id=oid)) from None


@router.post("/orders/{oid}/messages")
@upload_gate(_party_only)
async def order_message(request: Request, oid: RowId, actor: ActorDep) -> Response:
    from refaire.jobs import JobError, JobsBusy, run_job
    from refaire.production.attachments import attachment_type

    form = await request.form()  # already read by the CSRF check, behind `_party_only`
    body = str(form.get("body") or "")
    upload = form.get("file")
    attachment = None
    if upload is not None and not isinstance(upload, str) and upload.filename:
        data = await upload.read(upload_cap())
        if len(data) >= upload_cap():
            return render(request, "error.html", status_code=413, message=Said(
                "prod.err.over_limit", name=upload.filename).text(choose_language(request)))
        try:
            mime = await run_job(attachment_type, upload.filename, data)
        except JobsBusy:
            return render(request, "error.html", status_code=503,
                          message=Said("prod.err.busy").text(choose_language(request)))
        except (JobError, ValueError) as exc:
            return render(request, "error.html", status_code=422,
                          message=error_text(exc, choose_language(request)))
        attachment = (upload.filename, data, mime)
    return await run_in_threadpool(_attempt, request, lambda: messages.post_message(
        _store(request), actor, oid, body, attachment), lambda m: f"/orders/{oid}#messages")


@router.get("/orders/{oid}/messages/{mid}/file")
def order_file(request: Request, oid: RowId, mid: RowId, actor: ActorDep) -> Response:
    try:
        name, mime, data = messages.attachment(_store(request), actor, oid, mid)
    except LookupError as exc:
        return _refused(request, exc)
    safe = "".join(c for c in name if c.isalnum() or c in "._-")[:100] or "attachment"
    return Response(data, media_type=mime, headers={
        "Content-Disposition": f'attachment; filename="{safe}"'})  # fmt: skip


@router.get("/inbox")
def inbox_page(request: Request, actor: ActorDep) -> Response:
    return _show(request, "production_inbox.html",
                 lambda: messages.inbox(_store(request), actor, 100))  # fmt: skip


@router.post("/inbox/read")
def inbox_read(request: Request, actor: ActorDep) -> Response:
    return _attempt(request, lambda: messages.mark_read(_store(request), actor),
                    lambda r: "/inbox")  # fmt: skip


# --- offers -----------------------------------------------------------------------------------

@router.get("/offers")
def offers_page(request: Request, q: str = "", sector: str = "", near: str = "",
                radius_km: float = offers.DEFAULT_NEAR_KM) -> Response:  # fmt: skip
    point, place_error = None, None
    if near.strip():
        try:
            point = resolve_place(near).point
        except PlaceError as exc:
            place_error = exc.text(choose_language(request))
    radius = min(max(radius_km, 1.0), 20000.0)
    page = offers.search_offers(_store(request), q or None, sector or None, point, radius,
                                limit=100)  # fmt: skip
    return render(request, "production_offers.html", page=page, q=q, sector=sector, near=near,
                  radius_km=radius, place_error=place_error,
                  status_code=400 if place_error else 200)  # fmt: skip


@router.get("/offers/new")
def offer_form(request: Request, actor: ActorDep, design: str = "") -> Response:
    if actor.is_anonymous:
        return RedirectResponse(f"/login?next={quote(str(request.url.path), safe='')}", 303)
    return render(request, "production_offer_new.html", form={"design": design,
                  "currency": "EUR", "radius_km": "50", "lead_days": "7", "shipping": "0"},
                  facilities=sorted(managed_facility_ids(_store(request), actor)))  # fmt: skip


@router.post("/offers")
def offer_create(request: Request, actor: ActorDep, facility: Opt = "", design: Opt = "",
                 title: Opt = "", description: Opt = "", okh_url: Opt = "", material: Opt = "",
                 colour: Opt = "", size: Opt = "", price: Opt = "", break_qty: Opt = "",
                 break_price: Opt = "", currency: Opt = "", lead_days: Opt = "",
                 place: Opt = "", radius_km: Opt = "50", countries: Opt = "",
                 shipping: Opt = "0") -> Response:  # fmt: skip
    form = {k: v for k, v in locals().items() if k not in ("request", "actor")}
    breaks = [{"min_qty": 1, "unit_price": price}]
    if break_qty.strip() or break_price.strip():
        breaks.append({"min_qty": break_qty, "unit_price": break_price})
    variant = {"material": material, "colour": colour, "size": size}
    data = {**form, "variants": [variant] if any(v.strip() for v in variant.values()) else [],
            "price_breaks": breaks, "countries": [c for c in countries.replace(";", ",")
                                                  .split(",") if c.strip()]}  # fmt: skip
    try:
        o = offers.create_offer(_store(request), actor, data)
    except ProductionError as exc:
        return render(request, "production_offer_new.html", status_code=exc.status, form=form,
                      facilities=sorted(managed_facility_ids(_store(request), actor)),
                      errors=[{"field": f, "message": m} for f, m in exc.problems])  # fmt: skip
    except (PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    return RedirectResponse(f"/offers/{o['id']}", 303)


@router.get("/offers/{oid}")
def offer_page(request: Request, oid: RowId) -> Response:
    return _show(request, "production_offer.html", lambda: offers.offer_detail(_store(request), oid))


@router.post("/offers/{oid}/order")
def offer_order(request: Request, oid: RowId, actor: ActorDep, quantity: Opt = "",
                variant: Opt = "0", place: Opt = "") -> Response:  # fmt: skip
    return _attempt(request, lambda: offers.order_offer(_store(request), actor, oid, {
        "quantity": quantity, "variant": variant, "place": place}), lambda o: f"/orders/{o['id']}")


@router.post("/offers/{oid}/withdraw")
def offer_withdraw(request: Request, oid: RowId, actor: ActorDep) -> Response:
    return _attempt(request, lambda: offers.withdraw_offer(_store(request), actor, oid),
                    lambda o: f"/offers/{oid}")  # fmt: skip


@router.get("/makers/{uid}")
def storefront(request: Request, uid: RowId) -> Response:
    store = _store(request)
    return render(request, "production_maker.html", uid=uid,
                  page=offers.search_offers(store, maker=uid, limit=200),
                  reviews=reviews.summary(store, user_id=uid, items=20))  # fmt: skip
