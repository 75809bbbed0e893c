"""Helpers for tests that act as someone: accounts, signed-in clients, CSRF tokens."""

from __future__ import annotations

import re
from typing import Any

from refaire.people import OPERATOR
from refaire.people.sessions import COOKIE, create_session
from refaire.people.users import create_user

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(store: Any, email: str, *, admin: bool = False, password: str | None = None) -> dict:
    """A verified account made by the operator (no password unless given: hashing is slow)."""
    return create_user(store, email, password, by=OPERATOR, is_admin=admin, verified=True)


def sign_in(client: Any, store: Any, user: dict) -> None:
    """Give `client` a session cookie of `user`, as logging in would."""
    client.cookies.set(COOKIE, create_session(store, user["id"]))


def csrf_from(client: Any, path: str = "/quote") -> str:
    """The CSRF token a page at `path` puts in its forms, for this client's cookies."""
    page = client.get(path)
    found = _CSRF.search(page.text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)
