"""The server's secret key: signs session cookies and CSRF tokens.

REFAIRE_SECRET_KEY gives it (several servers over one database then agree without a
database round-trip); otherwise one is generated on first use and kept in the database,
so every process over the same store shares it and restarts do not log everybody out.
"""

from __future__ import annotations

import os
import secrets
import threading

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from refaire.store.db import Store
from refaire.store.tables import site_secrets

_cache: dict[str, bytes] = {}
_lock = threading.Lock()


def site_secret(store: Store) -> bytes:
    given = os.environ.get("REFAIRE_SECRET_KEY")
    if given:
        return given.encode()
    with _lock:
        if store.url not in _cache:
            _cache[store.url] = _load_or_create(store).encode()
        return _cache[store.url]


def _load_or_create(store: Store) -> str:
    query = select(site_secrets.c.value).where(site_secrets.c.name == "signing")
    with store.engine.connect() as conn:
        found = conn.execute(query).scalar()
    if found:
        return found
    try:
        with store.engine.begin() as conn:
            conn.execute(insert(site_secrets).values(name="signing", value=secrets.token_hex(32)))
    except IntegrityError:
        pass  # another process created it first: use theirs
    with store.engine.connect() as conn:
        return conn.execute(query).scalar_one()
