"""Refusing NUL characters in paths and query strings, for every route at once.

PostgreSQL rejects a NUL inside a text parameter ("A string literal cannot contain NUL"),
so `%00` in an id or a tag used to answer 500 there and a plain "not found" on SQLite.
One app-wide dependency answers 400 before any route looks the value up, on both stores.
Bodies are the routes' to read (a dependency reading every form would parse uploads
before the route checks who may send them): API form and JSON fields use `NoNul`, the
pages' forms call `refuse_nul_in_form` once they have read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import HTTPException, Request
from pydantic import AfterValidator


class NulRefused(HTTPException):
    """400 for a NUL in the request line or a page's form; `where` names the path or field."""

    def __init__(self, where: str) -> None:
        message = "the NUL character (%00) is not allowed"
        body = {"detail": f"{where}: {message}", "errors": [{"field": where, "message": message}]}
        super().__init__(400, body)
        self.where = where


def refuse_nul(request: Request) -> None:
    """A dependency of the whole app: NUL in the path or in any query name or value is a 400."""
    if "\x00" in request.scope["path"]:
        raise NulRefused("path")
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            raise NulRefused(name.replace("\x00", "\\x00"))


def refuse_nul_in_form(items: Iterable[tuple[str, Any]]) -> None:
    """400 for a NUL in a text field of a read form (`form.multi_items()`); files are data."""
    for name, value in items:
        if isinstance(value, str) and ("\x00" in value or "\x00" in name):
            raise NulRefused(name.replace("\x00", "\\x00"))


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("the NUL character is not allowed")
    return value


NoNul = Annotated[str, AfterValidator(_no_nul)]
"""A text field of a body or form that refuses NUL (a 422 naming the field)."""


def has_nul(value: object) -> bool:
    """Whether a decoded JSON value (or a form value) holds a NUL in any string, key included."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_nul(v) for v in value)
    return False
