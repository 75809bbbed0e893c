"""Write generations: a token per kind of record that every write replaces.

In-process caches built from the store (the design facet index) remember the
generation they were built at and rebuild when it moved, so a cache is never
stale after an import, whichever process did the import. The token is random
rather than a counter so that a database dropped and re-created at the same URL
cannot present a cache with a generation it already saw.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from refaire.store.tables import store_generations as table

if TYPE_CHECKING:
    from refaire.store.db import Store

# Moved, beside "designs", by writes that change designs already stored (not by those that
# only add new ones): a cache that takes in added designs alone must then be built anew.
DESIGNS_REWRITTEN = "designs-rewritten"


def bump(conn: Connection, name: str) -> None:
    """Give `name` a new generation inside the caller's transaction."""
    token = secrets.randbits(31) or 1  # fits PostgreSQL's INTEGER; 0 means "never written"
    done = conn.execute(update(table).where(table.c.name == name).values(generation=token))
    if done.rowcount == 0:
        conn.execute(insert(table).values(name=name, generation=token))


def current(conn: Connection, name: str) -> int:
    return conn.execute(select(table.c.generation).where(table.c.name == name)).scalar() or 0


class _Probe:
    """One DB-API connection kept aside for reading generations, shared under a lock.

    A cache asks for the generation on every query; through the pool that is a checkout,
    a SQLAlchemy statement, a reset (and on PostgreSQL a pre-ping round trip): most of the
    time of a query answered from memory. This connection sees every commit: SQLite's
    driver opens no transaction for a SELECT, and PostgreSQL's runs in autocommit.
    """

    def __init__(self, store: Store) -> None:
        fairy = store.engine.raw_connection()
        self.conn: Any = fairy.dbapi_connection
        fairy.detach()  # ours for good, never handed out by the pool
        if store.dialect == "postgresql":
            self.conn.rollback()  # the pool's pre-ping may have opened a transaction
            self.conn.autocommit = True
        mark = "?" if store.dialect == "sqlite" else "%s"
        self.sql = f"SELECT generation FROM store_generations WHERE name = {mark}"
        self.pid = os.getpid()
        self.lock = threading.Lock()

    def read(self, name: str) -> int:
        with self.lock:
            cur = self.conn.cursor()
            try:
                cur.execute(self.sql, (name,))
                row = cur.fetchone()
            finally:
                cur.close()
        return int(row[0]) if row else 0


_PROBES: dict[str, _Probe] = {}
_PROBES_LOCK = threading.Lock()


def current_fast(store: Store, name: str) -> int:
    """`current`, read on the store's kept-aside connection (see `_Probe`)."""
    probe = _PROBES.get(store.url)
    if probe is None or probe.pid != os.getpid():
        with _PROBES_LOCK:
            probe = _PROBES.get(store.url)
            if probe is None or probe.pid != os.getpid():
                probe = _PROBES[store.url] = _Probe(store)
    try:
        return probe.read(name)
    except Exception:
        # A dropped connection (server restart, database replaced): open a new one next
        # time, and answer this time through the pool.
        with _PROBES_LOCK:
            if _PROBES.get(store.url) is probe:
                del _PROBES[store.url]
        with contextlib.suppress(Exception):
            probe.conn.close()
        with store.engine.connect() as conn:
            return current(conn, name)


def drop_probe(url: str) -> None:
    """Close the kept-aside connection of a store (closed, or opened anew at this URL)."""
    with _PROBES_LOCK:
        probe = _PROBES.pop(url, None)
    if probe is not None:
        with contextlib.suppress(Exception):
            probe.conn.close()
