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


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory):
    """A SQLite store holding the sample data bundled in the package (what `refaire demo` loads)."""
    from refaire.cli.serve import SAMPLE
    from refaire.ingest.runner import import_sources
    from refaire.store import open_store

    store = open_store(str(tmp_path_factory.mktemp("sample") / "sample.db"))
    summary = import_sources(store, [str(p) for p in sorted(SAMPLE.iterdir()) if p.is_dir()])
    store.import_summary = summary  # kept for tests that check what the demo reports
    yield store
    store.close()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def serve_in_thread(store):
    """Start the real app with uvicorn on a free loopback port; returns (base_url, stop)."""
    import socket
    import threading
    import time

    import uvicorn

    from refaire.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(store=store), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=5)

    return f"http://127.0.0.1:{port}", stop


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; skips when either is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def sample_server(sample_store):
    url, stop = serve_in_thread(sample_store)
    yield url
    stop()


# --- people: a real SMTP server for the mail tests -----------------------------------------


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free loopback port; yields (url, received raw messages)."""
    import socket

    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            received.append(envelope.original_content or envelope.content)
            return "250 OK"

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", received
    controller.stop()
