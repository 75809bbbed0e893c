"""One error body for every API 4xx, declared in the OpenAPI description; HTML pages for the web.

Before, a 400/404 had a string `detail`, FastAPI's 422 a list of `{type, loc, msg}`, the
signal watch a list of `{field, message}`, pricing and quotes a `{message, problems}`
object, while the OpenAPI description promised FastAPI's shape only. Now every answer
is `{"detail": "one sentence", "errors": [{"field", "message"}, ...]}`: routes raise
`problem(...)` (or a plain `HTTPException` with a string), the handlers here normalise
it, and `error_responses(...)` declares it on the routes. A 405 lists in `Allow` the
methods of every route at that path, not just those of the first one matched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

API_PREFIX = "/api"

DESCRIPTION = """
**Errors.** Every 4xx answer has the same JSON body: `detail`, one sentence saying what
is wrong, and `errors`, a list of `{field, message}` naming each bad parameter or body
field (empty when the problem is not one field's). 400: a value the service cannot use
(unknown id in a filter, NUL character, bad coordinates); 401/403: missing or wrong token,
or writes disabled; 404: no such record; 405: the `Allow` header lists the methods the
path accepts; 413: upload too large; 422: parameters or body not of the declared type,
or a record refused by its service (every problem listed).
"""


class FieldProblem(BaseModel):
    """One bad parameter or body field."""

    field: str = Field(description="Parameter or body field name; dotted for nested fields.")
    message: str = Field(description="What is wrong with it.")


class ErrorBody(BaseModel):
    """The body of every 4xx answer of the API."""

    detail: str = Field(description="What is wrong, in one sentence.")
    errors: list[FieldProblem] = Field(
        default_factory=list, description="Each bad field; empty when no single field is at fault."
    )


class ConflictBody(ErrorBody):
    """A taken slot: the error body, with the booking that holds it and the next free slots."""

    conflict: dict[str, Any] | None = Field(default=None, description="The booking holding it.")
    next_free: list[dict[str, Any]] = Field(default_factory=list, description="Next free slots.")


class QuoteErrorBody(ErrorBody):
    """A refused quote: the error body, with the part's measurement when it was measured."""

    measurement: dict[str, Any] | None = Field(
        default=None, description="The measured part (size, volume), when measuring worked."
    )


_MEANINGS = {
    400: "A value the service cannot use (unknown id in a filter, NUL character, bad format).",
    401: "Missing or wrong token.",
    403: "Writes are disabled on this server, or not allowed with this token.",
    404: "No such record.",
    405: "Method not allowed; `Allow` lists the accepted ones.",
    409: "Conflicts with the record's state (a taken slot, a move its state does not allow).",
    413: "Upload too large.",
    422: "Parameters or body not as declared, or refused by the service; every problem listed.",
    429: "Too many attempts; `Retry-After` says when to try again.",
    503: "Busy; `Retry-After` says when to try again.",
}


def error_responses(*codes: int, model: type[ErrorBody] = ErrorBody) -> dict[int | str, Any]:
    """`responses=` for a route or router: these status codes answer with `model`."""
    return {code: {"model": model, "description": _MEANINGS[code]} for code in codes}


def problem(
    status: int,
    detail: str,
    errors: Iterable[tuple[str, str]] = (),
    **extra: Any,
) -> HTTPException:
    """An `HTTPException` whose body is the error body (raise it)."""
    body = {"detail": detail, "errors": [{"field": f, "message": m} for f, m in errors], **extra}
    return HTTPException(status, body)


def _body(detail: Any) -> dict[str, Any]:
    """The error body of an exception's detail, whatever shape a route gave it."""
    if isinstance(detail, dict) and isinstance(detail.get("detail"), str):
        return {"detail": detail["detail"], "errors": [], **detail}
    if isinstance(detail, dict) and isinstance(detail.get("message"), str):
        # the older `{message, problems}` shape of 422s
        body = _body(detail.get("problems") or [])
        extra = {k: v for k, v in detail.items() if k not in ("message", "problems")}
        return {**extra, "detail": detail["message"], "errors": body["errors"]}
    if isinstance(detail, list):
        # the older `[{field, message}]` shape of 422s
        errors = [
            {"field": str(e.get("field", "")), "message": str(e.get("message", e))}
            if isinstance(e, dict)
            else {"field": "", "message": str(e)}
            for e in detail
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return {"detail": summary or "invalid request", "errors": errors}
    # a `Said` (a str) stays one, so a page can word it in its reader's language
    return {"detail": detail if isinstance(detail, str) else str(detail), "errors": []}


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """`("query", "limit")` -> "limit", `("body", "files", 0)` -> "files.0", `("body",)` -> "body"."""
    parts = list(loc[1:]) if len(loc) > 1 else list(loc)
    return ".".join(str(p) for p in parts)


def _message(error: dict[str, Any]) -> str:
    # pydantic prefixes the text of a validator's ValueError; the field says enough
    return str(error.get("msg", "")).removeprefix("Value error, ")


def validation_body(exc: RequestValidationError) -> dict[str, Any]:
    errors = [{"field": _field(e.get("loc", ())), "message": _message(e)} for e in exc.errors()]
    detail = "invalid request: " + "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return {"detail": detail, "errors": errors}


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app accepts at this request's path.

    Starlette's own 405 names the methods of the first route whose path matched; the
    others at the same path (another router's POST beside a GET) were left out. Each
    method is tried against every route through the routes' public `matches`.
    """
    allowed = []
    for method in _METHODS:
        probe = {**request.scope, "method": method}
        for route in request.app.router.routes:
            if isinstance(route, Mount):
                continue  # static files: not a route of methods
            if route.matches(probe)[0] == Match.FULL:
                allowed.append(method)
                break
    return allowed


def _is_api(request: Request) -> bool:
    """The API, the federation endpoints and static files answer machines: JSON; every other
    address a page."""
    path = request.scope["path"]
    return path == API_PREFIX or path.startswith((API_PREFIX + "/", "/static/", "/federation/"))


def _respond(request: Request, status: int, body: dict[str, Any], headers: Any) -> Response:
    if _is_api(request):
        return JSONResponse(body, status_code=status, headers=headers)
    from refaire.contract.pages import error_page

    return error_page(request, status, body, headers)


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request)) or headers.get("Allow", "")
    body = _body(exc.detail)
    return _respond(request, exc.status_code, body, headers or None)


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    return _respond(request, 422, validation_body(exc), None)


def install(app: FastAPI) -> None:
    """Use the error body for every HTTP error and validation failure of `app`."""
    app.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
