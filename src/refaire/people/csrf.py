"""CSRF protection of the web forms: a per-session token in every form that posts.

The token is an HMAC, under the site secret, of the visitor's session id, or, before
logging in, of a random `refaire_anon` cookie (so the log-in and sign-up forms are covered
too). `csrf_input()` in a template renders the hidden field; `verify_csrf`, a dependency
of every web route, refuses an unsafe request whose token is missing or wrong. JavaScript
sends the same token in an `X-CSRF-Token` header (the page carries it in a meta tag).
Session cookies are also SameSite=Lax; the token is what protects browsers and set-ups
where that is not enough.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from markupsafe import Markup, escape
from starlette.responses import Response

from refaire.people.secret import site_secret
from refaire.people.sessions import COOKIE, unsigned_id

ANON_COOKIE = "refaire_anon"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


class CsrfRejected(Exception):
    """An unsafe request without the right token (forged, or a form older than the session)."""


def _basis(request: Request) -> str | None:
    store = request.app.state.store
    session_id = unsigned_id(store, request.cookies.get(COOKIE))
    if session_id is not None:
        return f"s|{session_id}"
    anon = request.cookies.get(ANON_COOKIE) or getattr(request.state, "csrf_anon", None)
    if anon and 20 <= len(anon) <= 64:
        return f"a|{anon}"
    return None


def _token(request: Request, basis: str) -> str:
    key = site_secret(request.app.state.store)
    return hmac.new(key, f"csrf|{basis}".encode(), hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """This visitor's token; starts an anonymous basis (set as a cookie by `attach_cookie`)."""
    basis = _basis(request)
    if basis is None:
        request.state.csrf_anon = secrets.token_urlsafe(24)
        basis = f"a|{request.state.csrf_anon}"
    return _token(request, basis)


def csrf_input(request: Request) -> Markup:
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(csrf_token(request))}">')


def attach_cookie(request: Request, response: Response) -> None:
    """Set the anonymous basis cookie if rendering this response created one."""
    anon = getattr(request.state, "csrf_anon", None)
    if anon and request.cookies.get(ANON_COOKIE) != anon:
        response.set_cookie(
            ANON_COOKIE,
            anon,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )


def token_matches(request: Request, given: str | None) -> bool:
    basis = _basis(request)
    if not given or basis is None:
        return False
    return hmac.compare_digest(given.encode(), _token(request, basis).encode())


async def verify_csrf(request: Request) -> None:
    """Dependency of the web routes: unsafe methods need the form field or the header."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(HEADER)
    if not given and request.headers.get("content-type", "").startswith(_FORMS):
        # Starlette keeps the parsed form on the request: the route reads the same one.
        value = (await request.form()).get(FIELD)
        given = value if isinstance(value, str) else None
    if not token_matches(request, given):
        raise CsrfRejected()
