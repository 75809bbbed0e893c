"""The `refaire` command line. Each module of this package adds its commands.

A module here defines `register(app: typer.Typer) -> None`; `_commands.COMMANDS` names
the top-level commands it builds, with their one-line help, and the root group imports
a module only when one of its commands is invoked (see `_group`).
"""

from __future__ import annotations

import typer

from refaire.cli import _coerce
from refaire.cli._group import RefaireGroup

_coerce.install()

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



@app.callback()
def _root() -> None:
    # Typer builds a group only for an app with a callback or registered commands; the
    # commands themselves come from RefaireGroup, lazily
    return None
