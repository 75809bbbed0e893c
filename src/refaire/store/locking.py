"""One writer at a time: imports in several processes take turns instead of colliding.

An import reads what is stored (is this key known? which facility is this?) and
then writes; two imports doing that at once both decide "new" and one dies on a
uniqueness error, or both rewrite a word-index row and one's postings are lost.
Every write transaction of the import path therefore starts by taking the store's
write lock: on SQLite `BEGIN IMMEDIATE` (the database's own write lock, waited for
up to the connection's busy timeout), on PostgreSQL a transaction-scoped advisory
lock per schema. Readers are never blocked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

# First half of PostgreSQL's two-key advisory lock: "refa"; the second is the schema's hash.
_PG_LOCK_CLASS = 0x72656661


def take_write_lock(conn: Connection) -> None:
    """Take the write lock in `conn`'s transaction; must be its first statement on SQLite."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(:cls, hashtext(current_schema()))"),
            {"cls": _PG_LOCK_CLASS},
        )


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """`engine.begin()` holding the store's write lock until commit or rollback."""
    with engine.begin() as conn:
        take_write_lock(conn)
        yield conn
