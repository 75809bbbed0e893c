"""Shared fixtures: the real data of ../shared/data, and small fixtures kept in the repo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SHARED_DATA = Path(os.environ.get("REFAIRE_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data beside the repository; tests that need all of it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (set REFAIRE_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


POSTGRES_URL = os.environ.get("REFAIRE_TEST_POSTGRES_URL")


def _postgres_store(schema: str):
    """A store in a fresh PostgreSQL schema of the CI database, dropped afterwards."""
    from sqlalchemy import create_engine, text

    from refaire.store import open_store

    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in POSTGRES_URL else "?"
    store = open_store(f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}")
    return store, admin


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request, tmp_path):
    """The same tests on the embedded default and on PostgreSQL (skipped without its URL)."""
    from refaire.store import open_store

    if request.param == "sqlite":
        store = open_store(str(tmp_path / "refaire.db"))
        yield store
        store.close()
        return
    if not POSTGRES_URL:
        pytest.skip("REFAIRE_TEST_POSTGRES_URL not set (.ci/run sets it)")
    schema = f"refaire_t_{os.getpid()}"
    store, admin = _postgres_store(schema)
    yield store
    store.close()
    from sqlalchemy import text

    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def sqlite_store(tmp_path):
    from refaire.store import open_store

    store = open_store(str(tmp_path / "refaire.db"))
    yield store
    store.close()
