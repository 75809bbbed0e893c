"""Write generations: a token per kind of record that every write replaces.

In-process caches built from the store (the design facet index) remember the
generation they were built at and rebuild when it moved, so a cache is never
stale after an import, whichever process did the import. The token is random
rather than a counter so that a database dropped and re-created at the same URL
cannot present a cache with a generation it already saw.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Connection, insert, select, update

from refaire.store.tables import store_generations as table


def bump(conn: Connection, name: str) -> None:
    """Give `name` a new generation inside the caller's transaction."""
    token = secrets.randbits(31) or 1  # fits PostgreSQL's INTEGER; 0 means "never written"
    done = conn.execute(update(table).where(table.c.name == name).values(generation=token))
    if done.rowcount == 0:
        conn.execute(insert(table).values(name=name, generation=token))


def current(conn: Connection, name: str) -> int:
    return conn.execute(select(table.c.generation).where(table.c.name == name)).scalar() or 0
