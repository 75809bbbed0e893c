"""Pages: sign up, log in / log out, verify the e-mail address, reset a forgotten password.

Every form carries the CSRF token (`csrf_input()`); each answer is the matching service of
`refaire.people` worded in the reader's language. A failed log-in says the same whether or
not the e-mail has an account; a rate-limited one answers 429 with Retry-After.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refaire.people import signup
from refaire.people._common import PeopleError
from refaire.people.auth import (
    clear_session_cookie,
    client_address,
    limits_of,
    set_session_cookie,
)
from refaire.people.passwords import MIN_LENGTH
from refaire.people.ratelimit import TooManyAttempts
from refaire.people.sessions import COOKIE, BadCredentials, NotVerified, end_session, log_in
from refaire.web import render
from refaire.web.i18n import choose_language, translate

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only a path of this site: never `//host` or `https://elsewhere` (open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/account"


def _field(name: str, kind: str, *, value: str = "", auto: str = "", required: bool = True) -> dict:
    return {"name": name, "type": kind, "value": value, "autocomplete": auto, "required": required}


FORMS: dict[str, dict[str, Any]] = {
    "signup": {"action": "/signup", "fields": [
        _field("email", "email", auto="email"),
        _field("password", "password", auto="new-password"),
        _field("display_name", "text", auto="nickname", required=False),
    ]},
    "login": {"action": "/login", "fields": [
        _field("email", "email", auto="email"),
        _field("password", "password", auto="current-password"),
    ]},
    "reset": {"action": "/reset", "fields": [_field("email", "email", auto="email")]},
    "reset_confirm": {"action": "/reset/confirm", "fields": [
        _field("password", "password", auto="new-password"),
    ]},
    "verify": {"action": "/verify", "fields": []},
}  # fmt: skip


def _form_page(
    request: Request,
    form: str,
    *,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: list[str] | None = None,
    hidden: dict[str, str] | None = None,
    notice: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    spec = FORMS[form]
    filled = [{**f, "value": (values or {}).get(f["name"], "")} for f in spec["fields"]]
    for f in filled:
        if f["type"] == "password":
            f["value"] = ""  # never echoed back
    response = render(
        request, "people_form.html", status_code=status, form=form, action=spec["action"],
        fields=filled, errors=errors or [], hidden=hidden or {}, notice=notice,
        min_length=MIN_LENGTH,
    )  # fmt: skip
    response.headers.update(headers or {})
    return response


def _notice(request: Request, key: str, status: int = 200, **values: Any) -> HTMLResponse:
    lang = choose_language(request)
    return render(
        request, "people_notice.html", status_code=status, key=key,
        message=translate(lang, f"people.{key}.notice", **values),
    )  # fmt: skip


async def _values(request: Request, *names: str) -> dict[str, str]:
    form = await request.form()
    return {n: str(form.get(n) or "")[:1000] for n in names}


@router.get("/signup", response_class=HTMLResponse)
def signup_page(request: Request) -> HTMLResponse:
    return _form_page(request, "signup")


@router.post("/signup", response_class=HTMLResponse)
async def signup_submit(request: Request) -> HTMLResponse:
    lang = choose_language(request)
    values = await _values(request, "email", "password", "display_name")
    limiter = limits_of(request.app).login_address
    wait = limiter.retry_after(client_address(request))
    if wait:
        error = translate(lang, "people.error.too_many", seconds=wait)
        return _form_page(request, "signup", status=429, values=values, errors=[error],
                          headers={"Retry-After": str(wait)})  # fmt: skip
    try:
        signup.sign_up(
            request.app.state.store, values["email"], values["password"],
            display_name=values["display_name"], base=str(request.base_url), lang=lang,
        )  # fmt: skip
    except PeopleError as exc:
        taken = ("email", "people.error.email_taken") in exc.problems
        if taken:
            limiter.failure(client_address(request))
        return _form_page(request, "signup", status=409 if taken else 422, values=values,
                          errors=exc.texts(lang))  # fmt: skip
    return _notice(request, "signup", status=201, email=values["email"].strip().lower())


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:  # noqa: A002
    return _form_page(request, "login", hidden={"next": safe_next(next)})


@router.post("/login", response_class=HTMLResponse)
async def login_submit(request: Request) -> Response:
    lang = choose_language(request)
    values = await _values(request, "email", "password", "next")
    hidden = {"next": safe_next(values["next"])}
    try:
        _user, cookie = log_in(
            request.app.state.store, values["email"], values["password"],
            address=client_address(request), limits=limits_of(request.app),
        )  # fmt: skip
    except TooManyAttempts as exc:
        error = translate(lang, "people.error.too_many", seconds=exc.retry_after)
        return _form_page(request, "login", status=429, values=values, errors=[error],
                          hidden=hidden, headers={"Retry-After": str(exc.retry_after)})  # fmt: skip
    except BadCredentials:
        error = translate(lang, "people.error.credentials")
        return _form_page(
            request, "login", status=401, values=values, errors=[error], hidden=hidden
        )
    except NotVerified:
        error = translate(lang, "people.error.not_verified")
        return _form_page(
            request, "login", status=403, values=values, errors=[error], hidden=hidden
        )
    response = RedirectResponse(hidden["next"], status_code=303)
    set_session_cookie(request, response, cookie)
    return response


@router.post("/logout")
def logout_submit(request: Request) -> Response:
    end_session(request.app.state.store, request.cookies.get(COOKIE))
    response = RedirectResponse("/", status_code=303)
    clear_session_cookie(response)
    return response


@router.get("/verify", response_class=HTMLResponse)
def verify_page(request: Request, token: str = "") -> HTMLResponse:
    # Following the mailed link shows a button: a mail scanner fetching the link must not
    # spend it; the person's click (a POST) does.
    return _form_page(request, "verify", hidden={"token": token[:200]})


@router.post("/verify", response_class=HTMLResponse)
async def verify_submit(request: Request) -> HTMLResponse:
    values = await _values(request, "token")
    try:
        signup.verify_email(request.app.state.store, values["token"])
    except PeopleError as exc:
        lang = choose_language(request)
        return _form_page(request, "verify", status=400, errors=exc.texts(lang), hidden=values)
    return _notice(request, "verified")


@router.get("/reset", response_class=HTMLResponse)
def reset_page(request: Request) -> HTMLResponse:
    return _form_page(request, "reset")


@router.post("/reset", response_class=HTMLResponse)
async def reset_submit(request: Request) -> HTMLResponse:
    values = await _values(request, "email")
    lang = choose_language(request)
    signup.request_reset(
        request.app.state.store, values["email"], base=str(request.base_url), lang=lang
    )
    return _notice(request, "reset_sent", status=202)


@router.get("/reset/confirm", response_class=HTMLResponse)
def reset_confirm_page(request: Request, token: str = "") -> HTMLResponse:
    return _form_page(request, "reset_confirm", hidden={"token": token[:200]})


@router.post("/reset/confirm", response_class=HTMLResponse)
async def reset_confirm_submit(request: Request) -> Response:
    values = await _values(request, "token", "password")
    lang = choose_language(request)
    try:
        signup.reset_password(request.app.state.store, values["token"], values["password"])
    except PeopleError as exc:
        status = 400 if exc.problems[0][0] == "token" else 422
        return _form_page(request, "reset_confirm", status=status, errors=exc.texts(lang),
                          hidden={"token": values["token"]})  # fmt: skip
    response = _notice(request, "reset_done")
    if COOKIE in request.cookies:
        clear_session_cookie(response)  # the reset ended every session, this one too
    return response
