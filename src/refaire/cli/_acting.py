"""Acting as an account from the command line: `--as EMAIL`, the operator otherwise.

Shared by the commands that change records on someone's behalf (facility management,
design authors); the people and management services are imported when a command runs,
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


def run_as(db: str | None, as_email: str | None, fn: Callable[..., Any]) -> Any:
    """Open the store, find the actor, call the service; errors become one clear line."""
    from refaire.manage.access import ManageError, NotAllowed, UnknownItem
    from refaire.people import cli_actor
    from refaire.people._common import NotAllowed as PeopleNotAllowed
    from refaire.people._common import PeopleError
    from refaire.registry.facilities import UnknownFacility

    store = open_db(db)
    try:
        actor = cli_actor(store, as_email)
        return fn(store, actor)
    except (NotAllowed, PeopleNotAllowed, UnknownFacility, UnknownItem, LookupError) as exc:
        fail(str(exc))
    except ManageError as exc:
        fail("; ".join(f"{f}: {m}" if f else m for f, m in exc.problems))
    except PeopleError as exc:
        fail(str(exc))
    return None
