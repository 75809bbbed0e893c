"""`refaire worker` and `refaire jobs list`: the background job queue from the command line."""

from __future__ import annotations

import typer
from rich.table import Table

from refaire.cli import _commands
from refaire.cli._commands import summary
from refaire.cli._common import DbOption, JsonOption, console, esc, fail, lazy, open_db, print_json

job_log = lazy("refaire.jobs.log")

jobs_app = typer.Typer(help=summary("jobs"),
                       no_args_is_help=True)  # fmt: skip


def worker_command(
    db: str | None = DbOption,
    threads: int = typer.Option(2, "--threads", min=1, max=64, help="Jobs run at once."),
    periodic: bool = typer.Option(
        True, "--periodic/--no-periodic", help="Also start scheduled jobs (source crawls)."
    ),
) -> None:
    # its help is its line in _commands.COMMANDS, written once
    from refaire.jobs.queue import run_worker, use_queue

    store = open_db(db)
    location = use_queue(store.url)
    console.print(f"worker for {esc(store.url)}, queue {esc(location)}, {threads} threads")
    run_worker(store.url, workers=threads, periodic=periodic)


@jobs_app.command("list")
def list_command(
    state: str | None = typer.Option(
        None, "--state", help="queued, running, retrying, done or failed."
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="How many to show."),
    offset: int = typer.Option(0, "--offset", min=0, help="How many to skip (paging)."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Jobs, newest first, with their state, attempts and last error."""
    try:
        page = job_log.list_jobs(open_db(db), state=state, limit=limit, offset=offset)
    except ValueError as exc:
        fail(str(exc), 2)
        return
    if as_json:
        print_json(page)
        return
    table = Table(
        "id", "job", "state", "tries", "queued at", "error", title=f"{page['total']} jobs"
    )
    for j in page["items"]:
        table.add_row(
            j["id"][:8], esc(j["label"]), j["state"], str(j["attempts"]), j["enqueued_at"],
            esc(j["error"] or ""),
        )  # fmt: skip
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("worker", help=_commands.summary("worker"))(worker_command)
    app.add_typer(jobs_app, name="jobs")
