"""Pages for site admins: the audit trail (/admin/audit) and the accounts (/admin/users),
where an admin promotes or demotes. Others get 401 (sent to log in) or 403."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refaire.people._common import NotAllowed, PeopleError, UnknownUser
from refaire.people.actor import Actor
from refaire.people.audit import list_entries, parse_target
from refaire.people.auth import session_actor
from refaire.people.users import list_users, set_admin
from refaire.said import error_text
from refaire.web import render
from refaire.web.i18n import choose_language

router = APIRouter()
PAGE = 50


def _admin(request: Request) -> Actor:
    actor = session_actor(request)
    if actor.is_anonymous:
        raise HTTPException(401, "You need to be signed in as a site admin.")
    if not actor.is_admin:
        raise HTTPException(403, "Only a site admin can see this page.")
    return actor


@router.get("/admin/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    target: Annotated[str | None, Query(max_length=250)] = None,
    actor: Annotated[str | None, Query(max_length=60)] = None,
    page: Annotated[int, Query(ge=1, le=10**6)] = 1,
) -> HTMLResponse:
    _admin(request)
    error = None
    kind = ident = None
    if target:
        try:
            kind, ident = parse_target(target)
        except ValueError as exc:
            error = error_text(exc, choose_language(request))
    result = list_entries(
        request.app.state.store, target_type=kind, target_id=ident, actor=actor or None,
        limit=PAGE, offset=(page - 1) * PAGE,
    )  # fmt: skip
    return render(
        request, "admin_audit.html", status_code=400 if error else 200, result=result,
        target=target or "", actor=actor or "", page=page,
        pages=max(1, -(-result["total"] // PAGE)), error=error,
    )  # fmt: skip


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, page: Annotated[int, Query(ge=1, le=10**6)] = 1) -> HTMLResponse:
    me = _admin(request)
    result = list_users(request.app.state.store, limit=PAGE, offset=(page - 1) * PAGE)
    return render(
        request, "admin_users.html", result=result, me=me.user_id, page=page,
        pages=max(1, -(-result["total"] // PAGE)), error=None,
    )  # fmt: skip


@router.post("/admin/users/{user_id}/{change}")
def users_change(
    request: Request,
    user_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    change: Annotated[str, Path(pattern="^(promote|demote)$")],
) -> Response:
    actor = _admin(request)
    try:
        set_admin(request.app.state.store, user_id, change == "promote", by=actor)
    except (PeopleError, NotAllowed, UnknownUser) as exc:
        text = (
            "; ".join(exc.texts(choose_language(request)))
            if isinstance(exc, PeopleError)
            else error_text(exc, choose_language(request))
        )
        result = list_users(request.app.state.store, limit=PAGE)
        return render(request, "admin_users.html", status_code=422 if isinstance(exc, PeopleError) else 404,
                      result=result, me=actor.user_id, page=1, pages=1, error=text)  # fmt: skip
    return RedirectResponse("/admin/users", status_code=303)
