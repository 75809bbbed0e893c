"""/api/auth (sign up, verify, log in/out, password reset) and /api/me (profile, export,
deletion, personal API tokens).

Service refusals map to: 422 with `[{field, message}]` for bad input, 409 for an e-mail
already in use, 401 for wrong credentials (one answer whether or not the e-mail exists),
403 for an unverified address or a forbidden act, 429 with Retry-After when rate-limited.
"""

from __future__ import annotations

from typing import Annotated, Any, NoReturn

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from refaire.api._deps import get_store
from refaire.people import profile, signup, tokens
from refaire.people._common import NotAllowed, PeopleError, UnknownUser
from refaire.people.actor import Actor
from refaire.people.auth import (
    clear_session_cookie,
    client_address,
    limits_of,
    require,
    set_session_cookie,
)
from refaire.people.ratelimit import TooManyAttempts
from refaire.people.sessions import COOKIE, BadCredentials, NotVerified, end_session, log_in
from refaire.people.users import get_user
from refaire.store import Store

router = APIRouter(tags=["accounts"])
Signed = Annotated[Actor, Depends(require())]


def require_session(actor: Signed) -> Actor:
    """The account itself (profile, tokens, deletion) is managed from a browser session:
    a leaked API token must not be able to mint tokens or delete its owner's account."""
    if actor.via != "session":
        raise HTTPException(
            403, "Manage your account from a browser session (log in), not with a token."
        )
    return actor


Session = Annotated[Actor, Depends(require_session)]
StoreDep = Annotated[Store, Depends(get_store)]
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def refuse(exc: Exception) -> NoReturn:
    """The HTTP answer to a people service's refusal."""
    if isinstance(exc, PeopleError):
        if ("email", "people.error.email_taken") in exc.problems:
            raise HTTPException(409, str(exc)) from None
        raise HTTPException(422, exc.to_list()) from None
    if isinstance(exc, NotAllowed):
        raise HTTPException(403, f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None
    if isinstance(exc, LookupError):
        raise HTTPException(404, str(exc)) from None
    raise exc


class SignUpIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1000)
    display_name: str | None = Field(default=None, max_length=200)


class LogInIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=1000)


class TokenIn(BaseModel):
    token: str = Field(max_length=200)


class EmailIn(BaseModel):
    email: str = Field(max_length=320)


class ResetIn(BaseModel):
    token: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class ProfileIn(BaseModel):
    display_name: str | None = Field(default=None, max_length=200)
    languages: list[str] | None = Field(default=None, description="BCP-47 tags, e.g. fr, en-GB")
    town: str | None = Field(default=None, max_length=200, description="A town of `country`")
    country: str | None = Field(default=None, max_length=2, description="ISO 3166 alpha-2")
    public: bool | None = None


class DeleteIn(BaseModel):
    password: str | None = Field(default=None, max_length=1000)


class NewTokenIn(BaseModel):
    name: str = Field(max_length=200)
    scopes: list[str] = Field(description=f"Among: {', '.join(tokens.SCOPES)}")


@router.post("/auth/signup", status_code=201)
def sign_up(body: SignUpIn, request: Request, store: StoreDep) -> dict[str, Any]:
    """Create an account; a verification link is mailed to the address (needed to log in)."""
    limiter = limits_of(request.app).login_address
    wait = limiter.retry_after(client_address(request))
    if wait:
        raise HTTPException(
            429, f"Too many attempts: try again in {wait} s.", {"Retry-After": str(wait)}
        )
    try:
        return signup.sign_up(
            store, body.email, body.password, display_name=body.display_name,
            base=str(request.base_url), lang="en",
        )  # fmt: skip
    except PeopleError as exc:
        if ("email", "people.error.email_taken") in exc.problems:
            limiter.failure(client_address(request))  # probing for addresses is limited
        refuse(exc)


@router.post("/auth/verify")
def verify(body: TokenIn, store: StoreDep) -> dict[str, Any]:
    """Spend the link mailed at sign-up (its `token` parameter)."""
    try:
        return signup.verify_email(store, body.token)
    except PeopleError as exc:
        refuse(exc)


@router.post("/auth/login")
def log_in_route(body: LogInIn, request: Request, response: Response, store: StoreDep) -> dict:
    """Start a browser session (sets the cookie). Failed attempts are limited per account
    and per address; the answer is the same whether or not the e-mail has an account."""
    try:
        user, cookie = log_in(
            store, body.email, body.password,
            address=client_address(request), limits=limits_of(request.app),
        )  # fmt: skip
    except TooManyAttempts as exc:
        raise HTTPException(
            429, f"Too many failed attempts: try again in {exc.retry_after} s.",
            {"Retry-After": str(exc.retry_after)},
        ) from None  # fmt: skip
    except BadCredentials:
        raise HTTPException(401, "Wrong e-mail or password.") from None
    except NotVerified:
        raise HTTPException(
            403, "Verify your e-mail address first: follow the link we sent."
        ) from None
    set_session_cookie(request, response, cookie)
    return get_user(store, user["id"])


@router.post("/auth/logout", status_code=204)
def log_out(request: Request, store: StoreDep) -> Response:
    """End the current browser session."""
    end_session(store, request.cookies.get(COOKIE))
    response = Response(status_code=204)
    clear_session_cookie(response)
    return response


@router.post("/auth/reset-request", status_code=202)
def reset_request(body: EmailIn, request: Request, store: StoreDep) -> dict[str, str]:
    """Mail a password-reset link if the address has an account (the answer is the same)."""
    signup.request_reset(store, body.email, base=str(request.base_url), lang="en")
    return {"message": "If this address has an account, a reset link is on its way."}


@router.post("/auth/reset")
def reset(body: ResetIn, store: StoreDep) -> dict[str, Any]:
    """Set a new password with a mailed reset link; every session of the account ends."""
    try:
        return signup.reset_password(store, body.token, body.password)
    except PeopleError as exc:
        refuse(exc)


@router.get("/me")
def me(actor: Signed, store: StoreDep) -> dict[str, Any]:
    """The signed-in account, with the facilities it manages."""
    from refaire.people.roles import facilities_managed_by

    if actor.user_id is None:
        raise HTTPException(404, "The bootstrap admin token has no account.")
    return {
        **get_user(store, actor.user_id),
        "facilities": facilities_managed_by(store, actor.user_id),
    }


def _own_id(actor: Actor) -> int:
    if actor.user_id is None:
        raise HTTPException(404, "The bootstrap admin token has no account.")
    return actor.user_id


@router.patch("/me")
def update_me(body: ProfileIn, actor: Session, store: StoreDep) -> dict[str, Any]:
    """Change profile fields (only those sent). The town is checked against the gazetteer."""
    try:
        changes = body.model_dump(exclude_unset=True)
        return profile.update_profile(store, _own_id(actor), changes, by=actor)
    except (PeopleError, NotAllowed, UnknownUser) as exc:
        refuse(exc)


@router.get("/me/export")
def export_me(actor: Signed, store: StoreDep) -> JSONResponse:
    """All the data Refaire holds about you, as one JSON document."""
    data = profile.export_data(store, _own_id(actor))
    headers = {"Content-Disposition": 'attachment; filename="refaire-my-data.json"'}
    return JSONResponse(data, headers=headers)


@router.delete("/me", status_code=204)
def delete_me(body: DeleteIn, actor: Session, store: StoreDep) -> Response:
    """Delete your account (confirm with your password). What you did stays in the audit
    trail under an anonymised party."""
    try:
        profile.delete_account(store, _own_id(actor), body.password, by=actor)
    except (PeopleError, NotAllowed, LookupError) as exc:
        refuse(exc)
    response = Response(status_code=204)
    clear_session_cookie(response)
    return response


@router.get("/me/tokens")
def my_tokens(actor: Signed, store: StoreDep) -> dict[str, Any]:
    """Your API tokens (never their secrets), newest first, with their last use."""
    return tokens.list_tokens(store, _own_id(actor))


@router.post("/me/tokens", status_code=201)
def new_token(body: NewTokenIn, actor: Session, store: StoreDep) -> dict[str, Any]:
    """A new personal token; `token` in the answer is shown this once, keep it."""
    try:
        return tokens.create_token(store, _own_id(actor), body.name, body.scopes, by=actor)
    except (PeopleError, NotAllowed, UnknownUser) as exc:
        refuse(exc)


@router.delete("/me/tokens/{token_id}")
def revoke(token_id: RowId, actor: Session, store: StoreDep) -> dict[str, Any]:
    """Revoke one of your tokens: it stops working at once."""
    try:
        return tokens.revoke_token(store, token_id, by=actor)
    except (NotAllowed, LookupError) as exc:
        refuse(exc)
