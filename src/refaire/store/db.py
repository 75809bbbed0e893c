"""Opening the store: one URL chooses SQLite (default, a file) or PostgreSQL.

Migrations are applied automatically the first time a store is opened, so a fresh
machine needs no set-up step; `refaire db upgrade` runs the same function.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event

from refaire.store.locking import writing

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported where it is used: a command that only reads an up-to-date store
# should not pay for loading the migration machinery at start-up (see `is_current`).

MIGRATIONS = Path(__file__).parent / "migrations"
# How long a SQLite writer waits for another one's transaction before giving up.
BUSY_TIMEOUT_S = 120.0


def default_database_path() -> Path:
    """`$XDG_DATA_HOME/refaire/refaire.db`, i.e. `~/.local/share/refaire/refaire.db` by default."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "refaire" / "refaire.db"


def demo_database_path() -> Path:
    """Where `refaire demo` builds its database: `demo.db` beside `default_database_path()`."""
    return default_database_path().with_name("demo.db")


def default_database_choice() -> tuple[str, str]:
    """(URL, why) of the database used when no `--db` is given.

    `$REFAIRE_DATABASE_URL` if set; else your own `refaire.db` if it exists; else the demo's
    `demo.db` if `refaire demo` built it (so `refaire demo` then `refaire designs list`
    shows the demo's designs); else `refaire.db`, created by the first command that writes.
    """
    env = os.environ.get("REFAIRE_DATABASE_URL")
    if env:
        return env, "$REFAIRE_DATABASE_URL"
    own, demo = default_database_path(), demo_database_path()
    if own.exists():
        return f"sqlite:///{own}", "the user data file"
    if demo.exists():
        return f"sqlite:///{demo}", "the demo database (no refaire.db yet)"
    return f"sqlite:///{own}", "the user data file (not created yet)"


def default_database_url() -> str:
    """The URL of `default_database_choice()`."""
    return default_database_choice()[0]


def normalise_url(url_or_path: str | None) -> str:
    """Accept a SQLAlchemy URL or a plain file path (taken as SQLite)."""
    if not url_or_path:
        return default_database_url()
    if "://" in url_or_path:
        if url_or_path.startswith("postgresql://"):
            # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
            return "postgresql+psycopg://" + url_or_path[len("postgresql://") :]
        return url_or_path
    return f"sqlite:///{Path(url_or_path).expanduser().resolve()}"


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001 (DB-API objects)
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    # 64 MiB of page cache: imports write to several indexes at once, and the
    # default 2 MiB makes SQLite re-read the same index pages over and over.
    cur.execute("PRAGMA cache_size=-65536")
    cur.close()


def create_store_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Writers queue on the database lock (see store.locking): a second import
        # waits for the first one's transaction instead of failing at once.
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*(None|\"[^\"]*\"|'[^']*')\s*$", re.M)


def _scanned_head() -> str | None:
    """The head revision read from the migration files' `revision = "…"` lines, without
    alembic; None when the files do not make one plain chain (alembic then decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict((k, v.strip("\"'")) for k, v in _REVISION.findall(path.read_text()))
        if "revision" not in found or "down_revision" not in found:
            return None
        revisions.add(found["revision"])
        if found["down_revision"] != "None":
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(engine: Engine) -> str | None:
    """The one revision in the version table, read with a plain query; None if there is
    no table or not exactly one row."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except DBAPIError:
        return None
    return rows[0][0] if len(rows) == 1 else None


def is_current(engine: Engine) -> bool:
    """Whether the database is at the head revision, decided without importing alembic
    when it plainly is (the common case: every start of a command or the server)."""
    stored = _stored_revision(engine)
    if stored is not None and stored == _scanned_head():
        return True
    return current_revision(engine) == head_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` on this engine's database.

    Under the write lock: two processes opening a new store at once must not both
    create its tables; the second finds the work done.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    cfg = _alembic_config()
    with writing(engine) as conn:
        if revision == "head" and MigrationContext.configure(conn).get_current_revision() == (
            head_revision()
        ):
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@dataclass
class Store:
    """An open database: the engine plus the URL it was opened with."""

    url: str
    engine: Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        from refaire.store.generations import drop_probe

        drop_probe(self.url)
        self.engine.dispose()


def open_store(url_or_path: str | None = None, migrate: bool = True) -> Store:
    """Open (and, unless told not to, migrate) the store at a URL or SQLite path."""
    url = normalise_url(url_or_path)
    engine = create_store_engine(url)
    if migrate and not is_current(engine):
        upgrade(engine)
    store = Store(url=url, engine=engine)
    # A probe kept from an earlier store at this URL may read a file since replaced.
    from refaire.store.generations import drop_probe

    drop_probe(url)
    if migrate:
        # A killed import may have left designs whose words are not indexed yet.
        from refaire.store.index_queue import catch_up

        catch_up(store)
    return store
