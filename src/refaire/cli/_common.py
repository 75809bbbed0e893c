"""Helpers shared by the command modules: JSON output, the console, the database option."""

from __future__ import annotations

import json
import sys
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

console = Console(stderr=False)
err_console = Console(stderr=True)

DbOption = typer.Option(
    None,
    "--db",
    help="Database URL or SQLite file path (default: $REFAIRE_DATABASE_URL or the user data file).",
)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    sys.stdout.write("\n")


def esc(value: Any) -> str:
    """Record or user text for a Rich string: shown literally, never read as markup
    (a design named `x [/b]` would otherwise crash the print or restyle the output)."""
    return escape("" if value is None else str(value))


def fail(message: str, code: int = 1) -> None:
    """Print `message` (plain text, escaped here) as an error and exit with `code`."""
    err_console.print(f"[red]error:[/red] {esc(message)}")
    raise typer.Exit(code)
