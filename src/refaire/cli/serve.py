"""`refaire serve` and `refaire demo`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from refaire.cli._common import DbOption, console
from refaire.ingest.runner import import_sources
from refaire.store import open_store
from refaire.store.db import default_database_path

SAMPLE = Path(__file__).resolve().parent.parent / "sample"


def _serve(store_url: str, host: str, port: int, worker: bool = True, workers: int = 1) -> None:
    import os

    import uvicorn

    threads = 2 if worker else 0
    console.print(f"Refaire on [bold]http://{host}:{port}/[/bold]  (database: {escape(store_url)})")
    if workers > 1:
        # Each process builds its own app from the environment (uvicorn's factory); each
        # runs a consumer of the one queue, which hands every job to one of them.
        os.environ["REFAIRE_DATABASE_URL"] = store_url
        os.environ["REFAIRE_SERVE_JOB_THREADS"] = str(threads)
        uvicorn.run(
            "refaire.app:served_app", factory=True, host=host, port=port, workers=workers,
            log_level="warning",
            # uvicorn restarts a worker that misses a 5 s health check: on a busy machine a
            # starting worker (importing, opening the store) misses it again and again
            timeout_worker_healthcheck=120,
        )  # fmt: skip
        return
    from refaire.app import create_app

    app = create_app(database=store_url, prepare=True, jobs=True, job_workers=threads)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def serve_command(
    db: str | None = DbOption,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    worker: bool = typer.Option(
        True, "--worker/--no-worker",
        help="Run the job queue's consumer in this process (else run `refaire worker`).",
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64,
        help="Server processes (use PostgreSQL, and Redis for the queue, past one).",
    ),
) -> None:  # fmt: skip
    """Serve the web pages and the JSON API (OpenAPI at /api/openapi.json)."""
    store = open_store(db)
    _serve(store.url, host, port, worker=worker, workers=workers)


def demo_command(
    db: str | None = typer.Option(
        None,
        "--db",
        help="Where to build the demo database (default: demo.db beside the default one).",
    ),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the app once built."),
) -> None:
    """Build a SQLite database from the sample data bundled in the package, then serve it."""
    target = db or str(default_database_path().with_name("demo.db"))
    store = open_store(target)
    inputs = [str(p) for p in sorted(SAMPLE.iterdir()) if p.is_dir()]
    summary = import_sources(store, inputs)
    console.print(
        f"demo database {escape(store.url)}: {summary.designs} designs and {summary.facilities} "
        f"facilities ({summary.imported} new, {summary.updated} updated), "
        f"{summary.rejected} files rejected, {summary.skipped} skipped "
        f"(run `refaire import --json` on {escape(str(SAMPLE))} to see every problem)"
    )
    if serve:
        _serve(store.url, host, port)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
    app.command("demo")(demo_command)
