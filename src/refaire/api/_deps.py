"""Dependencies shared by the API routes: the store.

Who may write is decided by `refaire.people.auth` (`current_actor`, `require`,
`require_admin`), the one actor check of the API and the web pages.
"""

from __future__ import annotations

from fastapi import Request

from refaire.store import Store


def get_store(request: Request) -> Store:
    return request.app.state.store
