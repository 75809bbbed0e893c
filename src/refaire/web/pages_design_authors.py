"""Pages: registering a design as its author (a manifest upload or the short form), claiming
an imported design, and the admins' list of claims on designs. The design page shows its
maintainers through the `design_authors_panel` template global."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refaire.contract.params import RowId
from refaire.manage import designs as authors
from refaire.manage.access import ManageError, UnknownItem
from refaire.people._common import NotAllowed as PeopleNotAllowed
from refaire.people.actor import Actor
from refaire.people.auth import current_actor, session_actor
from refaire.said import in_language
from refaire.web import render, templates
from refaire.web.i18n import choose_language
from refaire.web.pages_manage import _refused

router = APIRouter()
ActorDep = Annotated[Actor, Depends(current_actor)]
FORM_FIELDS = ("name", "function", "licence", "repo", "files", "parts")


def design_authors_panel(request: Request, design_id: int) -> dict[str, Any]:
    """Who maintains a design, and whether the reader may claim it."""
    actor = session_actor(request)
    maintainers = authors.maintainers_of(request.app.state.store, design_id)
    mine = any(m["user_id"] == actor.user_id for m in maintainers)
    return {"maintainers": maintainers, "mine": mine, "signed_in": not actor.is_anonymous}


templates.env.globals["design_authors_panel"] = design_authors_panel


def _register_page(request: Request, status: int = 200, **context: Any) -> Response:
    context.setdefault("form", {k: "" for k in FORM_FIELDS})
    context.setdefault("errors", [])
    context.setdefault("done", None)
    return render(request, "manage_design_new.html", status_code=status, **context)


@router.get("/manage/designs/new", response_class=HTMLResponse)
def register_page(request: Request, actor: ActorDep) -> Response:
    if actor.is_anonymous:
        return RedirectResponse(f"/login?next={quote(request.url.path, safe='')}", 303)
    return _register_page(request)


def _registered(request: Request, action: Any, form: dict[str, str]) -> Response:
    try:
        done = action()
    except ManageError as exc:
        if exc.status not in (413, 422):
            return _refused(request, exc)
        errors = [in_language(choose_language(request), m) for _, m in exc.problems]
        return _register_page(request, status=exc.status, errors=errors, form=form)
    except (PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    return _register_page(request, status=201, done=done, form=form)


@router.post("/manage/designs/new/upload", response_class=HTMLResponse)
async def register_upload(request: Request, actor: ActorDep) -> Response:
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        return _register_page(request, status=422, errors=["choose a manifest file"])
    data = await upload.read(authors.MAX_MANIFEST + 1)
    name = upload.filename or "manifest"
    store = request.app.state.store
    return _registered(request, lambda: authors.register_design(store, actor, name, data), {})


@router.post("/manage/designs/new/form", response_class=HTMLResponse)
async def register_form(request: Request, actor: ActorDep) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in FORM_FIELDS}
    store = request.app.state.store
    if not values["name"].strip():
        return _register_page(request, status=422, errors=["give the design a name"], form=values)
    text = authors.form_manifest(values).encode()
    return _registered(
        request, lambda: authors.register_design(store, actor, "form.toml", text), values
    )


@router.post("/manage/designs/{did}/claim", response_class=HTMLResponse)
def claim_design(
    request: Request, did: int, actor: ActorDep, message: Annotated[str, Form()] = ""
) -> Response:
    try:
        claim = authors.claim_design(request.app.state.store, actor, did, message)
    except (ManageError, PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    from refaire.web.i18n import choose_language, translate

    text = translate(choose_language(request), "manage.design.claimed", name=claim["name"])
    return render(request, "manage_message.html", message=text, facility_id=None)


@router.get("/manage/design-claims", response_class=HTMLResponse)
def design_claims_page(request: Request, actor: ActorDep, status: str = "pending") -> Response:
    if actor.is_anonymous:
        return RedirectResponse(f"/login?next={quote(request.url.path, safe='')}", 303)
    chosen = status if status in ("pending", "approved", "rejected") else None
    try:
        result = authors.list_design_claims(request.app.state.store, actor, status=chosen)
    except PeopleNotAllowed as exc:
        return _refused(request, exc)
    return render(request, "manage_design_claims.html", result=result, status=chosen or "")


@router.post("/manage/design-claims/{cid}/{decision}")
def design_claim_decide(request: Request, cid: RowId, decision: str, actor: ActorDep) -> Response:
    if decision not in ("approve", "reject"):
        return _refused(request, UnknownItem(f"no action {decision!r} on claims"))
    try:
        authors.decide_design_claim(request.app.state.store, actor, cid, decision == "approve")
    except (ManageError, PeopleNotAllowed, LookupError) as exc:
        return _refused(request, exc)
    return RedirectResponse("/manage/design-claims", status_code=303)
