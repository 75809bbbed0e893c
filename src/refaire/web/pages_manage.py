"""Pages: managing a facility (edit, machines, capabilities, co-managers), claims and
suggestions. Every form works without JavaScript: POST, then 303 back to the page.

The facility page shows the `_facility_manage.html` panel through the
`facility_manage_panel` template global (hours, prices, who stated what, history).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refaire.contract.params import RowId
from refaire.manage import claims, editing, suggestions
from refaire.manage.access import ManageError, UnknownItem, find_facility
from refaire.people._common import NotAllowed as PeopleNotAllowed
from refaire.people._common import PeopleError
from refaire.people.actor import Actor
from refaire.people.auth import current_actor, session_actor
from refaire.said import Said, error_text, in_language
from refaire.web import render, templates
from refaire.web.i18n import choose_language, translate

router = APIRouter()
ActorDep = Annotated[Actor, Depends(current_actor)]
PRICE_FIELDS = ("hourly_rate_fdm", "hourly_rate_sla", "hourly_rate_laser", "material_price_per_g",
                "setup_fee", "minimum_order", "currency")  # fmt: skip


def facility_manage_panel(request: Request, facility_id: int) -> dict[str, Any] | None:
    """The management panel of a facility page, for whoever is reading it."""
    from refaire.manage.panel import management

    # a page is read with the browser's session (templates cannot await current_actor)
    actor = getattr(request.state, "actor", None) or session_actor(request)
    try:
        return management(request.app.state.store, actor, facility_id, history_limit=10)
    except LookupError:
        return None


templates.env.globals["facility_manage_panel"] = facility_manage_panel


def _refused(request: Request, exc: Exception) -> Response:
    """The answer to a refused or failed action, as a page in the reader's language."""
    from refaire.registry.facilities import UnknownFacility

    status = getattr(exc, "status", 403)
    if isinstance(exc, PeopleNotAllowed) and status == 401 and request.method == "GET":
        target = quote(request.url.path, safe="")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    if isinstance(exc, UnknownFacility | UnknownItem | LookupError):
        status = 404
    elif isinstance(exc, PeopleError):
        status = 409
    # a service's Said refusal, worded in the reader's language (the API keeps the English)
    message = error_text(exc, choose_language(request))
    if isinstance(exc, PeopleError):
        message = "; ".join(exc.texts(choose_language(request)))
    return render(request, "error.html", status_code=status, message=message)


def _attempt(request: Request, action: Callable[[], Any], done: str) -> Response:
    try:
        action()
    except (PeopleNotAllowed, PeopleError, LookupError, ManageError) as exc:
        return _refused(request, exc)
    return RedirectResponse(done, status_code=303)


def _location_text(f: Any) -> str:
    """The pair a manager may confirm or correct: the stated one, else the doubtful one."""
    if f.latitude is not None and f.location_origin == "stated":
        return f"{f.latitude:.6f},{f.longitude:.6f}"
    doubtful = f.extra.get("doubtful_location") or {}
    if doubtful.get("latitude") is not None:
        return f"{doubtful['latitude']:.6f},{doubtful['longitude']:.6f}"
    return ""


def _page(request: Request, actor: Actor, fid: str, errors: Any = None, **extra: Any) -> Response:
    from refaire.manage.access import check_manager
    from refaire.manage.hours import closures_text, weekly_text
    from refaire.registry.facilities import facility_detail

    store = request.app.state.store
    try:
        rid, f = find_facility(store, fid)
        check_manager(store, actor, rid, f.name)
    except (PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    detail = facility_detail(store, rid)
    hours = f.extra.get("hours") or {}
    pricing = f.pricing or {}
    form = {
        "description": f.description or "", "email": f.email or "",
        "phone": f.extra.get("phone") or "", "url": f.url or "",
        "access_type": f.access_type or "", "time_zone": hours.get("time_zone", ""),
        "weekly": weekly_text(hours), "closures": closures_text(hours),
        "location": _location_text(f), **_price_form(pricing),
    }  # fmt: skip
    form.update(extra.pop("form", {}))
    from refaire.people.roles import managers_of

    pending = suggestions.list_suggestions(store, actor, rid, limit=100)["items"]
    return render(
        request,
        "manage_facility.html",
        status_code=422 if errors else 200,
        f=detail,
        form=form,
        errors=errors or [],
        managers=managers_of(store, rid),
        pending=pending,
        access_types=editing.ACCESS_TYPES,
        **extra,
    )


def _price_form(pricing: dict[str, Any]) -> dict[str, str]:
    def by(key: str, sub: str) -> str:
        v = pricing.get(key)
        v = v.get(sub) if isinstance(v, dict) else v
        return "" if v is None else f"{v:g}"

    per_g = pricing.get("material_price_per_g")
    if isinstance(per_g, dict):
        per_g_text = ", ".join(f"{k}={v:g}" for k, v in per_g.items())
    else:
        per_g_text = "" if per_g is None else f"{per_g:g}"
    return {
        "hourly_rate_fdm": by("hourly_rate", "fdm"),
        "hourly_rate_sla": by("hourly_rate", "sla"),
        "hourly_rate_laser": by("hourly_rate", "laser"),
        "material_price_per_g": per_g_text,
        "setup_fee": by("setup_fee", ""),
        "minimum_order": by("minimum_order", ""),
        "currency": pricing.get("currency") or "",
    }


def _number(text: str) -> Any:
    text = text.strip().replace(",", ".") if "=" not in text else text
    try:
        return float(text)
    except ValueError:
        return text  # check_pricing names the field and what it expected


def _pricing_from(values: dict[str, str], old: dict[str, Any]) -> dict[str, Any]:
    """The quote prices the form gives; keys the form does not show are kept."""
    out: dict[str, Any] = {k: v for k, v in old.items() if k == "quantity_breaks"}
    hourly = {p: _number(values[f"hourly_rate_{p}"]) for p in ("fdm", "sla", "laser")
              if values.get(f"hourly_rate_{p}", "").strip()}  # fmt: skip
    if hourly:
        out["hourly_rate"] = hourly
    per_g = values.get("material_price_per_g", "").strip()
    if "=" in per_g:
        pairs = (x.partition("=") for x in per_g.split(",") if x.strip())
        out["material_price_per_g"] = {k.strip(): _number(v) for k, _, v in pairs}
    elif per_g:
        out["material_price_per_g"] = _number(per_g)
    for key in ("setup_fee", "minimum_order"):
        if values.get(key, "").strip():
            out[key] = _number(values[key])
    if values.get("currency", "").strip():
        out["currency"] = values["currency"].strip().upper()
    return out


@router.get("/manage/facilities/{fid}", response_class=HTMLResponse)
def manage_page(request: Request, fid: str, actor: ActorDep, saved: str | None = None) -> Response:
    return _page(request, actor, fid, saved=bool(saved))


@router.post("/manage/facilities/{fid}", response_class=HTMLResponse)
async def manage_save(request: Request, fid: str, actor: ActorDep) -> Response:
    from refaire.manage.hours import parse_closures, parse_weekly

    form = await request.form()
    values = {k: str(form.get(k) or "") for k in (
        "description", "email", "phone", "url", "access_type", "time_zone", "weekly",
        "closures", "location", *PRICE_FIELDS)}  # fmt: skip
    store = request.app.state.store
    try:
        _, f = find_facility(store, fid)
    except LookupError as exc:
        return _refused(request, exc)
    changes: dict[str, Any] = {k: values[k] for k in
                               ("description", "email", "phone", "url", "access_type")}  # fmt: skip
    if values["time_zone"].strip() or values["weekly"].strip() or values["closures"].strip():
        changes["hours"] = {
            "time_zone": values["time_zone"],
            "weekly": parse_weekly(values["weekly"]),
            "closures": parse_closures(values["closures"]),
        }
    elif f.extra.get("hours"):
        changes["hours"] = None
    changes["pricing"] = _pricing_from(values, f.pricing or {})
    confirm = str(form.get("confirm_location") or "") == "1"
    typed = values["location"].strip()
    if typed and (confirm or typed != _location_text(f)):
        changes["location"] = values["location"]
    try:
        editing.edit_facility(store, actor, fid, changes)
    except ManageError as exc:
        errors = [{"field": fld, "message": in_language(choose_language(request), m)} for fld, m in exc.problems]
        return _page(request, actor, fid, errors=errors, form=values)
    except (PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    return RedirectResponse(f"/manage/facilities/{fid}?saved=1", status_code=303)


@router.get("/manage/facilities/{fid}/machines/new", response_class=HTMLResponse)
def machine_new(request: Request, fid: str, actor: ActorDep, text: str = "") -> Response:
    """The proposals for the typed machine, in a form the manager confirms or corrects."""
    from refaire.manage.machines import propose_machine
    from refaire.web.pages_facilities import _options

    lang = choose_language(request)
    proposal = propose_machine(text[:200], lang) if text.strip() else None
    return _page(
        request, actor, fid, proposal=proposal, text=text[:200],
        process_options=_options("process", lang),
    )  # fmt: skip


def _sizes(value: Any) -> str:
    return " x ".join(f"{v:g}" for v in value) if value else ""


templates.env.globals["manage_sizes"] = _sizes


@router.post("/manage/facilities/{fid}/machines", response_class=HTMLResponse)
async def machine_add(request: Request, fid: str, actor: ActorDep) -> Response:
    form = await request.form()
    fields = {k: str(form.get(k) or "") for k in (
        "make", "model", "equipment_type", "process", "materials", "build_volume_mm",
        "bed_size_mm", "laser_power_w", "quantity", "catalogue", "text")}  # fmt: skip
    try:
        editing.add_machine(request.app.state.store, actor, fid, fields)
    except ManageError as exc:
        errors = [{"field": fld, "message": in_language(choose_language(request), m)} for fld, m in exc.problems]
        return _page(request, actor, fid, errors=errors, proposal=fields, text=fields["text"])
    except (PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    return RedirectResponse(f"/manage/facilities/{fid}?saved=1#machines", status_code=303)


@router.post("/manage/facilities/{fid}/machines/{index}/remove")
def machine_remove(
    request: Request, fid: str, index: Annotated[int, Path(ge=0, le=10_000)], actor: ActorDep
) -> Response:
    store = request.app.state.store
    return _attempt(
        request,
        lambda: editing.remove_machine(store, actor, fid, index),
        f"/manage/facilities/{fid}?saved=1#machines",
    )


@router.post("/manage/facilities/{fid}/capabilities")
def capability_post(
    request: Request,
    fid: str,
    actor: ActorDep,
    kind: Annotated[str, Form()],
    cap_id: Annotated[str, Form()],
    action: Annotated[str, Form()],
) -> Response:
    store = request.app.state.store
    return _attempt(
        request,
        lambda: editing.set_capability(store, actor, fid, kind, cap_id, action == "confirm"),
        f"/manage/facilities/{fid}?saved=1#capabilities",
    )


@router.post("/manage/facilities/{fid}/managers")
def invite_post(
    request: Request, fid: str, actor: ActorDep, email: Annotated[str, Form()]
) -> Response:
    store = request.app.state.store
    return _attempt(
        request,
        lambda: claims.invite_manager(store, actor, fid, email),
        f"/manage/facilities/{fid}?saved=1#managers",
    )


@router.get("/manage/facilities/{fid}/claim", response_class=HTMLResponse)
def claim_page(request: Request, fid: str, actor: ActorDep) -> Response:
    store = request.app.state.store
    if actor.is_anonymous:
        return RedirectResponse(f"/login?next={quote(request.url.path, safe='')}", 303)
    try:
        rid, f = find_facility(store, fid)
    except LookupError as exc:
        return _refused(request, exc)
    return render(
        request, "manage_claim.html", f={"id": rid, "name": f.name, "url": f.url},
        domain=claims.website_domain(f.url), sent=None, errors=[],
    )  # fmt: skip


@router.post("/manage/facilities/{fid}/claim", response_class=HTMLResponse)
def claim_post(
    request: Request,
    fid: str,
    actor: ActorDep,
    method: Annotated[str, Form()] = "admin",
    email: Annotated[str, Form()] = "",
    message: Annotated[str, Form()] = "",
) -> Response:
    store = request.app.state.store
    lang = choose_language(request)
    try:
        rid, f = find_facility(store, fid)
        claim = claims.claim_facility(
            store, actor, rid, method=method, email=email, message=message,
            base_url=str(request.base_url), lang=lang,
        )  # fmt: skip
    except ManageError as exc:
        if exc.status != 422:
            return _refused(request, exc)
        return render(
            request, "manage_claim.html", status_code=422,
            f={"id": rid, "name": f.name, "url": f.url}, domain=claims.website_domain(f.url),
            sent=None, errors=[in_language(choose_language(request), m) for _, m in exc.problems],
        )  # fmt: skip
    except (PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    return render(
        request, "manage_claim.html", f={"id": rid, "name": f.name, "url": f.url},
        domain=claims.website_domain(f.url), sent=claim, errors=[],
    )  # fmt: skip


@router.get("/manage/claims/confirm", response_class=HTMLResponse)
def claim_confirm_page(request: Request, token: str = "") -> Response:
    """The mailed link shows a button: a mail scanner fetching it must not spend it."""
    return render(request, "manage_message.html", confirm_token=token[:200], message=None,
                  facility_id=None)  # fmt: skip


@router.post("/manage/claims/confirm", response_class=HTMLResponse)
def claim_confirm(request: Request, token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """The person's click: following the link proves the address at the facility's domain."""
    lang = choose_language(request)
    try:
        claim = claims.confirm_by_mail(request.app.state.store, token)
    except (ManageError, PeopleError, PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    message = translate(lang, "manage.claim.confirmed", name=claim["name"])
    return render(request, "manage_message.html", message=message, facility_id=claim["facility_id"])


@router.get("/manage/claims", response_class=HTMLResponse)
def claims_page(
    request: Request, actor: ActorDep, status: str = "pending", mine: bool = False
) -> Response:
    store = request.app.state.store
    if actor.is_anonymous:
        return RedirectResponse(f"/login?next={quote('/manage/claims', safe='')}", 303)
    chosen = status if status in claims.STATUSES else None
    try:
        result = claims.list_claims(store, actor, status=chosen, mine=mine, limit=200)
    except (PeopleNotAllowed, ManageError) as exc:
        return _refused(request, exc)
    return render(request, "manage_claims.html", result=result, status=chosen or "", mine=mine)


@router.post("/manage/claims/{cid}/{decision}")
def claim_decide(request: Request, cid: RowId, decision: str, actor: ActorDep) -> Response:
    store = request.app.state.store
    if decision not in ("approve", "reject"):
        return _refused(request, UnknownItem(Said("err.no_claim_action", action=decision)))
    return _attempt(
        request,
        lambda: claims.decide_claim(store, actor, cid, decision == "approve"),
        "/manage/claims",
    )


@router.get("/manage/facilities/{fid}/suggest", response_class=HTMLResponse)
def suggest_page(request: Request, fid: str, actor: ActorDep) -> Response:
    if actor.is_anonymous:
        return RedirectResponse(f"/login?next={quote(request.url.path, safe='')}", 303)
    try:
        rid, f = find_facility(request.app.state.store, fid)
    except LookupError as exc:
        return _refused(request, exc)
    return render(
        request, "manage_suggest.html", f={"id": rid, "name": f.name}, errors=[], sent=None,
        form={"description": f.description or "", "email": f.email or "", "url": f.url or "",
              "note": ""},
        access_types=editing.ACCESS_TYPES,
    )  # fmt: skip


@router.post("/manage/facilities/{fid}/suggest", response_class=HTMLResponse)
async def suggest_post(request: Request, fid: str, actor: ActorDep) -> Response:
    store = request.app.state.store
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in
              ("description", "email", "url", "access_type", "note")}  # fmt: skip
    try:
        rid, f = find_facility(store, fid)
    except LookupError as exc:
        return _refused(request, exc)
    old = {"description": f.description or "", "email": f.email or "", "url": f.url or "",
           "access_type": f.access_type or ""}  # fmt: skip
    changes = {k: v for k, v in values.items() if k in old and v.strip() != old[k]}
    if not values["access_type"]:  # "—" means "no opinion", not "clear it"
        changes.pop("access_type", None)
    try:
        sent = suggestions.suggest_change(store, actor, rid, changes, values["note"])
    except ManageError as exc:
        return render(
            request, "manage_suggest.html", status_code=422, f={"id": rid, "name": f.name},
            errors=[in_language(choose_language(request), m) for _, m in exc.problems], sent=None, form=values,
            access_types=editing.ACCESS_TYPES,
        )  # fmt: skip
    except (PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    return render(
        request, "manage_suggest.html", f={"id": rid, "name": f.name}, errors=[], sent=sent,
        form=values, access_types=editing.ACCESS_TYPES,
    )  # fmt: skip


@router.post("/manage/suggestions/{sid}/{decision}")
def suggestion_decide(request: Request, sid: RowId, decision: str, actor: ActorDep) -> Response:
    store = request.app.state.store
    if decision not in ("accept", "reject"):
        return _refused(request, UnknownItem(Said("err.no_suggestion_action", action=decision)))
    try:
        fid = suggestions.get_suggestion(store, sid)["facility_id"]
    except LookupError as exc:
        return _refused(request, exc)
    return _attempt(
        request,
        lambda: suggestions.decide_suggestion(store, actor, sid, decision == "accept"),
        f"/manage/facilities/{fid}?saved=1#suggestions",
    )
