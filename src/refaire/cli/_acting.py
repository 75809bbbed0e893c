"""Acting as an account from the command line: `--as EMAIL`, the operator otherwise.

Shared by the commands that change records on someone's behalf (facility management,
design authors, sharing, production: each names the refusals of its services); the people and management services are imported when a command runs,
so that building the `designs` group for `refaire designs show` does not load them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from refaire.cli._common import fail, open_db

AsOption = typer.Option(
    None, "--as", help="Act as this account (default: the operator, as site admin)."
)


def refusal_text(exc: BaseException) -> str:
    """One line for a service's refusal: a conflict's message, a validation error's field
    problems, or the exception's text (a `KeyError`'s without the quotes of its repr)."""
    message = getattr(exc, "message", None)
    if isinstance(message, str) and message:
        return message
    problems = getattr(exc, "problems", None)
    if problems:
        return "; ".join(f"{field}: {message}" if field else message for field, message in problems)
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)


def act_as(
    db: str | None,
    as_email: str | None,
    fn: Callable[..., Any],
    refusals: tuple[type[BaseException], ...] = (),
) -> Any:
    """Open the store, find the acting account (`--as`, else the operator), call
    `fn(store, actor)`; a refusal of the people layer or of `refusals` becomes one line."""
    from refaire.people import cli_actor
    from refaire.people._common import NotAllowed, PeopleError

    store = open_db(db)
    try:
        return fn(store, cli_actor(store, as_email))
    except (*refusals, NotAllowed, PeopleError, LookupError) as exc:
        fail(refusal_text(exc))



def run_as(db: str | None, as_email: str | None, fn: Callable[..., Any]) -> Any:
    """`act_as` with the refusals of facility management (every field problem named)."""
    from refaire.manage.access import ManageError, UnknownItem
    from refaire.registry.facilities import UnknownFacility

    return act_as(db, as_email, fn, (ManageError, UnknownFacility, UnknownItem))
