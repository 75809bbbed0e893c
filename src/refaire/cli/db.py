"""`refaire db`: the database itself."""

from __future__ import annotations

import typer
from rich.markup import escape

from refaire.cli._common import DbOption, console
from refaire.store.db import current_revision, head_revision, normalise_url, open_store

db_app = typer.Typer(
    help="Database set-up: migrations and where the data lives.", no_args_is_help=True
)


@db_app.command("upgrade")
def upgrade_command(db: str | None = DbOption) -> None:
    """Apply pending migrations (they also run automatically on first use)."""
    store = open_store(db)
    console.print(f"{escape(store.url)}: at revision {current_revision(store.engine)}")


@db_app.command("info")
def info_command(db: str | None = DbOption) -> None:
    """Where the database is and which migration it is at."""
    store = open_store(normalise_url(db), migrate=False)
    console.print(f"url: {escape(store.url)}")
    console.print(f"revision: {current_revision(store.engine)} (head: {head_revision()})")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
