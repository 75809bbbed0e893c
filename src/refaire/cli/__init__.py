"""The `refaire` command line. Each module of this package adds its commands.

A module here defines `register(app: typer.Typer) -> None`; they are discovered
so that a new command group never needs an edit to this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

from refaire.cli._group import RefaireGroup

app = typer.Typer(
    cls=RefaireGroup,
    # plain help: flags as flags, values as words (see _group); rich boxes need no import
    rich_markup_mode=None,
    name="refaire",
    help="Refaire: open designs, the places that make them, and who can make what near you.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


_register_commands()
