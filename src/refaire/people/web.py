"""What the web layer needs from people/: template globals and HTML answers to refusals.

- Jinja global `csrf_input()` (the hidden CSRF field of a form) and `csrf_token()`.
- `current_user` in every template context: None, or {id, name, is_admin} for the header.
- `install(app)`: a refused CSRF check, and a 401/403 raised by `require…` on a page
  (outside /api), are answered with the error page in the reader's language instead of
  JSON; a 401 for a GET leads to the log-in page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from jinja2 import pass_context
from markupsafe import Markup
from starlette.exceptions import HTTPException as StarletteHTTPException

from refaire.contract.errors import http_error
from refaire.people.auth import session_actor
from refaire.people.csrf import CsrfRejected, csrf_input, csrf_token


def current_user(request: Request) -> dict[str, Any] | None:
    actor = session_actor(request)
    if actor.is_anonymous:
        return None
    return {
        "id": actor.user_id,
        "name": actor.display_name or actor.email,
        "is_admin": actor.is_admin,
    }


def home_place(request: Request) -> str:
    """The signed-in person's town from their profile ("Lyon, FR"), the default place of the
    match, quote and facility-search forms; "" for visitors and profiles without a town."""
    actor = session_actor(request)
    if actor.is_anonymous or actor.user_id is None:
        return ""
    cached = getattr(request.state, "home_place", None)
    if cached is not None:
        return cached
    from refaire.people.users import UnknownUser, get_user

    try:
        user = get_user(request.app.state.store, actor.user_id)
    except UnknownUser:
        user = {}
    town, country = user.get("town"), user.get("country")
    place = f"{town}, {country}" if town and country else (town or "")
    request.state.home_place = place
    return place


def context_processor(request: Request) -> dict[str, Any]:
    return {"current_user": current_user(request), "home_place": home_place(request)}


@pass_context
def _csrf_input(ctx: Any) -> Markup:
    return csrf_input(ctx["request"])


@pass_context
def _csrf_token(ctx: Any) -> str:
    return csrf_token(ctx["request"])


def template_globals() -> dict[str, Any]:
    return {"csrf_input": _csrf_input, "csrf_token": _csrf_token}


def install(app: FastAPI) -> None:
    """Register the HTML answers to refused page requests."""

    async def csrf_refused(request: Request, exc: Exception) -> Response:
        from refaire.web import render
        from refaire.web.i18n import choose_language, translate

        message = translate(choose_language(request), "people.csrf.refused")
        return render(request, "error.html", status_code=403, message=message)

    async def http_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        path = request.url.path
        if path.startswith(("/api/", "/static/")) or exc.status_code not in (401, 403):
            return await http_error(request, exc)  # the API's one error body, or its page
        if exc.status_code == 401 and request.method == "GET":
            target = path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        from refaire.said import Said
        from refaire.web import render
        from refaire.web.i18n import choose_language, translate

        lang = choose_language(request)
        # The dependencies word their refusals in English; a French page says it generically.
        # (a `Said` detail is worded in the page's language)
        message = (exc.detail.text(lang) if isinstance(exc.detail, Said) else str(exc.detail)
                   if lang == "en" else translate(lang, "people.denied"))
        return render(request, "error.html", status_code=exc.status_code, message=message)

    app.add_exception_handler(CsrfRejected, csrf_refused)
    app.add_exception_handler(StarletteHTTPException, http_refused)
