"""`refaire db`: the database itself."""

from __future__ import annotations

from pathlib import Path

import typer

from refaire.cli._commands import summary
from refaire.cli._common import DbOption, console, esc, open_db

db_app = typer.Typer(help=summary("db"), no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command(db: str | None = DbOption) -> None:
    """Create the database if needed and apply pending migrations (they also run
    automatically on first use)."""
    from refaire.store.db import current_revision

    store = open_db(db, create=True)
    console.print(f"{esc(store.url)}: at revision {current_revision(store.engine)}", soft_wrap=True)


@db_app.command("info")
def info_command(db: str | None = DbOption) -> None:
    """Which database the commands use (and why), and which migration it is at."""
    from refaire.store.db import (
        current_revision,
        default_database_choice,
        head_revision,
        normalise_url,
    )

    url = normalise_url(db)
    console.print(f"url: {esc(url)}", soft_wrap=True)
    console.print(f"chosen by: {esc('--db' if db else default_database_choice()[1])}", soft_wrap=True)
    path = url.split("///", 1)[1] if url.startswith("sqlite") and "///" in url else ""
    if path and path != ":memory:" and not Path(path).exists():
        console.print("revision: none (the file does not exist yet)")
        return
    store = open_db(db, migrate=False)
    console.print(f"revision: {current_revision(store.engine)} (head: {head_revision()})")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
