"""Pages: my account (/account): profile, facilities I manage, API tokens, export of all my
data, deletion of the account. Only for the signed-in person; anonymous visitors are sent
to the log-in page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from refaire.people import profile, tokens
from refaire.people._common import NotAllowed, PeopleError
from refaire.people.actor import Actor
from refaire.people.auth import clear_session_cookie, session_actor
from refaire.people.roles import facilities_managed_by
from refaire.people.users import get_user
from refaire.web import render
from refaire.web.i18n import choose_language, translate

router = APIRouter()


def _login_first(request: Request) -> RedirectResponse:
    return RedirectResponse("/login?next=/account", status_code=303)


def _page(request: Request, actor: Actor, status: int = 200, **extra: Any) -> HTMLResponse:
    store = request.app.state.store
    assert actor.user_id is not None
    context: dict[str, Any] = {
        "user": get_user(store, actor.user_id),
        "facilities": facilities_managed_by(store, actor.user_id),
        "tokens": tokens.list_tokens(store, actor.user_id)["items"],
        "scopes": [s for s in tokens.SCOPES if s != "admin" or actor.is_admin],
        "errors": {},
        "new_token": None,
        "saved": False,
    }
    context.update(extra)
    return render(request, "account.html", status_code=status, **context)


def _signed(request: Request) -> Actor | None:
    actor = session_actor(request)
    return None if actor.user_id is None else actor


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request) -> Response:
    actor = _signed(request)
    return _page(request, actor) if actor else _login_first(request)


@router.post("/account", response_class=HTMLResponse)
async def account_save(request: Request) -> Response:
    actor = _signed(request)
    if actor is None:
        return _login_first(request)
    form = await request.form()
    changes = {
        "display_name": str(form.get("display_name") or ""),
        "languages": str(form.get("languages") or ""),
        "town": str(form.get("town") or ""),
        "country": str(form.get("country") or ""),
        "public": form.get("public") == "on",
    }
    try:
        profile.update_profile(request.app.state.store, actor.user_id, changes, by=actor)
    except PeopleError as exc:
        lang = choose_language(request)
        errors = {f: m for f, m in zip([p[0] for p in exc.problems], exc.texts(lang), strict=True)}
        return _page(request, actor, 422, errors=errors)
    return _page(request, actor, saved=True)


@router.get("/account/export")
def account_export(request: Request) -> Response:
    actor = _signed(request)
    if actor is None:
        return _login_first(request)
    data = profile.export_data(request.app.state.store, actor.user_id)
    headers = {"Content-Disposition": 'attachment; filename="refaire-my-data.json"'}
    return JSONResponse(data, headers=headers)


@router.post("/account/tokens", response_class=HTMLResponse)
async def account_token_create(request: Request) -> Response:
    actor = _signed(request)
    if actor is None:
        return _login_first(request)
    form = await request.form()
    scopes = [str(s) for s in form.getlist("scopes")]
    try:
        made = tokens.create_token(
            request.app.state.store, actor.user_id, str(form.get("name") or ""), scopes, by=actor
        )
    except PeopleError as exc:
        return _page(
            request, actor, 422, errors={"token": "; ".join(exc.texts(choose_language(request)))}
        )
    return _page(request, actor, 201, new_token=made)


@router.post("/account/tokens/{token_id}/revoke")
def account_token_revoke(
    request: Request, token_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> Response:
    actor = _signed(request)
    if actor is None:
        return _login_first(request)
    try:
        tokens.revoke_token(request.app.state.store, token_id, by=actor)
    except (NotAllowed, LookupError):
        message = translate(choose_language(request), "people.denied")
        return render(request, "error.html", status_code=404, message=message)
    return RedirectResponse("/account#tokens", status_code=303)


@router.post("/account/delete", response_class=HTMLResponse)
async def account_delete(request: Request) -> Response:
    actor = _signed(request)
    if actor is None:
        return _login_first(request)
    form = await request.form()
    try:
        profile.delete_account(
            request.app.state.store, actor.user_id, str(form.get("password") or ""), by=actor
        )
    except PeopleError as exc:
        return _page(
            request, actor, 422, errors={"delete": "; ".join(exc.texts(choose_language(request)))}
        )
    response = RedirectResponse("/?deleted=1", status_code=303)
    clear_session_cookie(response)
    return response
