"""Dependencies shared by the API routes: the store, and the write token."""

from __future__ import annotations

import hmac
import os

from fastapi import Header, HTTPException, Request

from refaire.store import Store


def get_store(request: Request) -> Store:
    return request.app.state.store


def require_admin(authorization: str | None = Header(default=None)) -> None:
    """Writes need `Authorization: Bearer $REFAIRE_ADMIN_TOKEN` until accounts exist."""
    expected = os.environ.get("REFAIRE_ADMIN_TOKEN")
    if not expected:
        raise HTTPException(
            403, "writes are disabled: start the server with REFAIRE_ADMIN_TOKEN set"
        )
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "missing or wrong token: send 'Authorization: Bearer <token>'")
