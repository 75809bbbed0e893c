"""The web side of the error contract: an error page in the reader's language.

A page never answers JSON or a bare 500 for a bad address: the same statuses as the API,
with a sentence in French or English and, for a bad parameter, which one and why.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

# Generic reasons Starlette gives with no detail of their own, worded by the page instead.
_GENERIC = {
    "Not Found": "error.not_found",
    "Method Not Allowed": "error.method",
}
_TITLES = {404: "error.title", 405: "error.title_method"}


def error_page(
    request: Request, status: int, body: dict[str, Any], headers: Any = None
) -> HTMLResponse:
    from refaire.said import in_language
    from refaire.web import render
    from refaire.web.i18n import choose_language, translate

    lang = choose_language(request)
    key = _GENERIC.get(body["detail"])
    message = translate(lang, key) if key else in_language(lang, body["detail"])
    if body["errors"]:
        message = translate(lang, "error.bad_params")
    title = translate(lang, _TITLES.get(status, "error.title_request"))
    response = render(
        request,
        "error.html",
        status_code=status,
        title=title,
        message=message,
        problems=body["errors"],
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
