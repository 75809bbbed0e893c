"""`refaire serve` and `refaire demo`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from refaire.cli import _commands
from refaire.cli._common import DbOption, console, esc, fail, open_db

if TYPE_CHECKING:
    from refaire.store.db import Store

SAMPLE = Path(__file__).resolve().parent.parent / "sample"


def check_port(host: str, port: int) -> None:
    """Exit 2 with a `--port` hint if nothing can listen on host:port.

    Checked before anything is built or opened: a busy port found after a minute of
    rebuilding the demo would waste that minute. SO_REUSEADDR as uvicorn sets it, so a
    port left in TIME_WAIT by a server just stopped is not taken for a busy one.
    """
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        fail(f"--host: cannot listen on {host!r}: {exc.strerror or exc}", 2)
    family, kind, proto, _name, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"port {port} on {host} is already in use (another Refaire?); "
                     f"choose another with --port, e.g. --port {port + 1}", 2)  # fmt: skip
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc} (see --host, --port)", 2)


def _freeze_heap() -> None:
    """Collect once, then leave what the start built (imports, the demo's import, vocabularies)
    out of later collections. Why: a full collection walks every live object; over this
    heap, full collections while the demo served its first /observatory took 0.5-1.4 s of
    wall time each on a loaded 2-core machine (gc.callbacks), every request stopped
    meanwhile. Frozen objects are never walked again."""
    import gc

    gc.collect()
    gc.freeze()


def _serve(store: Store, host: str, port: int, worker: bool = True, workers: int = 1) -> None:
    import contextlib
    import os
    import threading
    import time

    import uvicorn

    store_url = store.url
    threads = 2 if worker else 0
    console.print(
        f"Refaire on [bold]http://{host}:{port}/[/bold]  (database: {esc(store_url)})",
        soft_wrap=True,
    )
    if workers > 1:
        # Each process builds its own app from the environment (uvicorn's factory); none
        # runs jobs: one consumer process beside them does (see jobs.consumer_process).
        from refaire.jobs import consumer_process

        os.environ["REFAIRE_DATABASE_URL"] = store_url
        os.environ["REFAIRE_SERVE_JOB_THREADS"] = "0"
        consumer = consumer_process.start(store_url, workers=threads) if worker else None
        try:
            uvicorn.run(
                "refaire.app:served_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning",
                # uvicorn restarts a worker that misses a 5 s health check: on a busy machine
                # a starting worker (importing, opening the store) misses it again and again
                timeout_worker_healthcheck=120,
            )  # fmt: skip
        finally:
            if consumer is not None:
                consumer_process.stop(consumer)
        return
    from refaire.app import create_app

    # the store just opened (and migrated) by the command, not a second one
    listening = threading.Event()
    app = create_app(
        store=store, prepare=True, jobs=True, job_workers=threads, listening=listening,
        job_process=True,  # the consumer in a child process: see jobs.consumer_process
    )  # fmt: skip
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))

    def watch() -> None:
        # uvicorn sets `started` once its socket listens: the app's jobs may start then
        while not (server.started or server.should_exit):
            time.sleep(0.01)
        listening.set()

    threading.Thread(target=watch, name="refaire-listening", daemon=True).start()
    _freeze_heap()
    with contextlib.suppress(KeyboardInterrupt):  # as uvicorn.run: Ctrl-C stops it
        server.run()
    if not server.started:
        raise SystemExit(3)  # uvicorn.run's exit code when the server could not start


def serve_command(
    db: str | None = DbOption,
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    worker: bool = typer.Option(
        True, "--worker/--no-worker",
        help="Run the job queue's consumer in this process (else run `refaire worker`).",
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64,
        help="Server processes (use PostgreSQL, and Redis for the queue, past one).",
    ),
) -> None:  # fmt: skip
    # its help is its line in _commands.COMMANDS, written once
    check_port(host, port)
    store = open_db(db)
    _serve(store, host, port, worker=worker, workers=workers)


def demo_command(
    db: str | None = typer.Option(
        None,
        "--db",
        help="Where to build the demo database (default: ~/.local/share/refaire/demo.db, "
        "which the other commands then read while you have no refaire.db of your own).",
    ),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the app once built."),
) -> None:
    # its help is its line in _commands.COMMANDS, written once
    from refaire.ingest.runner import import_sources
    from refaire.store.db import default_database_url, demo_database_path

    if serve:
        check_port(host, port)
    target = db or str(demo_database_path())
    store = open_db(target, create=True)
    inputs = [str(p) for p in sorted(SAMPLE.iterdir()) if p.is_dir()]
    summary = import_sources(store, inputs)
    console.print(
        f"demo database {esc(store.url)}: {summary.designs} designs and {summary.facilities} "
        f"facilities ({summary.imported} new, {summary.updated} updated), "
        f"{summary.rejected} files rejected, {summary.skipped} skipped "
        f"(run `refaire import --json` on {esc(str(SAMPLE))} to see every problem)"
    )
    if default_database_url() == store.url:
        console.print(
            "The other commands read this database by default: try `refaire designs list`.",
            soft_wrap=True,
        )
    else:
        console.print(
            f"The other commands read {esc(default_database_url())} by default; add "
            f"`--db {esc(target)}` to read the demo (`refaire db info` says which is used).",
            soft_wrap=True,
        )
    if serve:
        _serve(store, host, port)


def register(app: typer.Typer) -> None:
    app.command("serve", help=_commands.summary("serve"))(serve_command)
    app.command("demo", help=_commands.summary("demo"))(demo_command)
