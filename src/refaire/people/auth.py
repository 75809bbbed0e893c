"""Who is making a request, as FastAPI dependencies: `current_actor`, `require`, `require_admin`.

One actor per request (Datasette's model): a personal API token (`Authorization: Bearer
rf_…`), the bootstrap admin token (REFAIRE_ADMIN_TOKEN, for setting up a server before any
admin account exists), or the browser's session cookie; anonymous otherwise. A wrong bearer
token is a 401, never a silent anonymous read, and counts toward the per-address limit.
"""

from __future__ import annotations

import hmac
import os
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, Response

from refaire.people.actor import ANONYMOUS, Actor
from refaire.people.csrf import HEADER, SAFE_METHODS, token_matches
from refaire.people.ratelimit import RateLimits
from refaire.people.roles import managed_ids
from refaire.people.sessions import COOKIE, LIFETIME, session_user
from refaire.people.tokens import token_owner
from refaire.store.db import Store

LOGIN_NEEDED = (
    "You need to be signed in for this: log in, or send 'Authorization: Bearer <token>' "
    "with a personal API token."
)


def limits_of(app: FastAPI) -> RateLimits:
    """The app's rate limiters (created on first use, kept on `app.state.rate_limits`)."""
    limits = getattr(app.state, "rate_limits", None)
    if limits is None:
        limits = app.state.rate_limits = RateLimits()
    return limits


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def actor_for_user(
    store: Store, user: dict[str, Any], *, via: str, scopes: list[str] | None = None
) -> Actor:
    with store.engine.connect() as conn:
        managed = managed_ids(conn, user["id"])
    return Actor(
        user_id=user["id"],
        email=user["email"],
        display_name=user.get("display_name"),
        is_admin=bool(user["is_admin"]),
        scopes=frozenset(scopes) if scopes is not None else None,
        via=via,
        managed_facilities=managed,
    )


def session_actor(request: Request) -> Actor:
    """The actor of the browser session alone (web pages, templates); cached per request."""
    cached = getattr(request.state, "session_actor", None)
    if cached is not None:
        return cached
    store = request.app.state.store
    user = session_user(store, request.cookies.get(COOKIE)) if COOKIE in request.cookies else None
    actor = actor_for_user(store, user, via="session") if user else ANONYMOUS
    request.state.session_actor = actor
    return actor


def _bearer_actor(request: Request, header: str) -> Actor:
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        raise HTTPException(
            401,
            "Unsupported Authorization header: send 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    limiter = limits_of(request.app).token_address
    address = client_address(request)
    wait = limiter.retry_after(address)
    if wait:
        raise HTTPException(
            429,
            f"Too many wrong tokens from your address: try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    bootstrap = os.environ.get("REFAIRE_ADMIN_TOKEN")
    if bootstrap and hmac.compare_digest(value.encode(), bootstrap.encode()):
        return Actor(is_admin=True, via="bootstrap")
    store = request.app.state.store
    found = token_owner(store, value)
    if found is None:
        limiter.failure(address)
        raise HTTPException(
            401,
            "Unknown or revoked token: send 'Authorization: Bearer <token>' with a live token.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    owner, scopes = found
    return actor_for_user(store, owner, via="token", scopes=scopes)


def current_actor(request: Request) -> Actor:
    """FastAPI dependency: the request's actor (see the module docstring)."""
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    header = request.headers.get("authorization")
    if header is not None:
        actor = _bearer_actor(request, header)
    else:
        actor = session_actor(request)
        if (
            not actor.is_anonymous
            and request.method not in SAFE_METHODS
            and request.url.path.startswith("/api/")
            and not token_matches(request, request.headers.get(HEADER))
        ):
            # A cookie rides along with any cross-site request; the API accepts it for a
            # write only with the page's CSRF token in a header.
            raise HTTPException(403, f"A write with a session cookie needs the {HEADER} header.")
    request.state.actor = actor
    return actor


def require(scope: str | None = None):  # noqa: ANN201 (a FastAPI dependency)
    """Dependency factory: a signed-in actor whose credentials allow `scope` (401 / 403)."""

    def dependency(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if actor.is_anonymous:
            raise HTTPException(401, LOGIN_NEEDED, headers={"WWW-Authenticate": "Bearer"})
        if scope is not None and not actor.has_scope(scope):
            raise HTTPException(403, f"This token does not have the '{scope}' scope.")
        return actor

    return dependency


def require_admin(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
    """Dependency: a site admin (an admin's session, an admin-scoped token, the bootstrap token)."""
    if actor.is_anonymous:
        raise HTTPException(401, LOGIN_NEEDED, headers={"WWW-Authenticate": "Bearer"})
    if not actor.is_admin:
        raise HTTPException(403, "Only a site admin can do this.")
    if not actor.has_scope("admin"):
        raise HTTPException(403, "This token does not have the 'admin' scope.")
    return actor


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure when the request came over https."""
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")
