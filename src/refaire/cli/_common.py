"""Helpers shared by the command modules: JSON output, the console, the database option,
opening the database with one-sentence answers to the usual mistakes.

Command modules import their services inside the command functions: `refaire --help` and
a command's start-up then load only the command line, not the web stack or plotting.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console


class _LazyConsole:
    """A Rich console made on first use: `rich.console` is the costliest import of the
    command line, and `--help` or a usage error never prints through it."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return getattr(self._console, name)


console: Console = _LazyConsole(stderr=False)  # type: ignore[assignment]
err_console: Console = _LazyConsole(stderr=True)  # type: ignore[assignment]

if TYPE_CHECKING:
    from refaire.store.db import Store

DbOption = typer.Option(
    None,
    "--db",
    help="Database URL or SQLite file path. Default: $REFAIRE_DATABASE_URL, else "
    "~/.local/share/refaire/refaire.db if it exists, else the demo.db that `refaire demo` "
    "built there; `refaire db info` says which one is used.",
)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON.")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    sys.stdout.write("\n")


def esc(value: Any) -> str:
    """Record or user text for a Rich string: shown literally, never read as markup
    (a design named `x [/b]` would otherwise crash the print or restyle the output)."""
    from rich.markup import escape

    return escape("" if value is None else str(value))


# Rich's tables and panels, loaded when a command first draws one (not for `--help`).
def Table(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - stands in for rich's class
    from rich.table import Table as RichTable

    return RichTable(*args, **kwargs)


def Panel(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - stands in for rich's class
    from rich.panel import Panel as RichPanel

    return RichPanel(*args, **kwargs)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print `message` (plain text, escaped here) as an error and exit with `code`."""
    # unwrapped: one sentence stays one line whatever the terminal width
    err_console.print(f"[red]error:[/red] {esc(message)}", soft_wrap=True)
    raise typer.Exit(code)


# The stores Refaire speaks to; any other URL scheme is a mistake worth one sentence.
_SCHEMES = ("sqlite", "postgresql")


def open_db(db: str | None, *, create: bool = False, migrate: bool = True) -> Store:
    """Open the store named by `--db` (or the default one), or exit 2 with one sentence.

    `create=False` (commands that only read): a SQLite file that does not exist is an
    error, not a new empty database, so a mistyped path never looks like an empty
    registry. Unknown URL schemes, files that are not databases and servers that refuse
    the connection are reported as such, without a traceback.
    """
    from refaire.store.db import normalise_url, open_store

    url = normalise_url(db)
    scheme = url.split(":", 1)[0].split("+", 1)[0].lower()
    shown = _shown(url)
    if scheme not in _SCHEMES:
        fail(
            f"--db: {shown} is not a database Refaire can use; give a SQLite file path "
            "(or sqlite:///PATH) or a PostgreSQL URL (postgresql://USER@HOST/DATABASE)",
            2,
        )
    if scheme == "sqlite" and not create:
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:" and not Path(path).exists():
            if db:
                fail(f"--db: no database at {path} (check the path; `refaire import` or "
                     "`refaire demo --db PATH` creates one)", 2)  # fmt: skip
            fail(f"no database yet at {path}: `refaire demo` builds one from the bundled "
                 "sample, `refaire import PATH` fills your own", 2)  # fmt: skip
    try:
        return open_store(url, migrate=migrate)
    except Exception as exc:  # noqa: BLE001 - only database errors are reworded
        reason = _database_error(exc)
        if reason is None:
            raise
        fail(f"cannot open the database {shown}: {reason}", 2)


def _shown(url: str) -> str:
    """The URL as it may be printed: without its password."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a URL SQLAlchemy cannot parse is printed as given
        return url


def _database_error(exc: BaseException) -> str | None:
    """The driver's own reason, on one line, if `exc` comes from the database layer."""
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None:
        text = str(exc.orig)
    elif isinstance(exc, sa_exc.SQLAlchemyError | ModuleNotFoundError):
        text = str(exc)
    else:
        return None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (lines[-1] if lines else type(exc).__name__).rstrip(".")


class LazyModule:
    """A service module imported on first use, so that listing the commands (`--help`)
    does not load it: `resources = LazyModule("refaire.sharing.resources")`."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self._name), attr)


class _LazyModule:
    """A module imported at its first attribute read (see `lazy`)."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        import importlib

        return getattr(importlib.import_module(self._name), attr)


def lazy(module: str) -> Any:
    """`module`, imported only when a command first uses it: `refaire --help` and the other
    commands then load neither its database layer nor what it imports."""
    return _LazyModule(module)


def json_arg(text: str | None, name: str) -> Any:
    """A JSON option's value, given inline or as `@FILE.json`; exit 2 naming the option."""
    if text is None:
        return None
    try:
        raw = Path(text[1:]).read_text(encoding="utf-8") if text.startswith("@") else text
        return json.loads(raw)
    except (OSError, json.JSONDecodeError) as exc:
        fail(f"{name}: expected JSON or @FILE.json ({exc})", code=2)
