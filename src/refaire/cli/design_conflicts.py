"""`refaire designs conflicts` and `refaire designs resolve-conflict`: identity claims kept aside.

An import never lets a manifest from another source replace a stored design with
the same repository and name; these commands list those claims and let the
operator of the store (who may already import anything) keep or replace.
"""

from __future__ import annotations

import getpass

import typer

from refaire.cli._common import DbOption, JsonOption, Table, console, fail, open_db, print_json
from refaire.cli._common import esc as escape


def conflicts_command(
    design: int | None = typer.Option(None, "--design", help="Only this design's (id)."),
    status: str | None = typer.Option(None, help="open, kept or replaced."),
    limit: int = typer.Option(50, min=1, max=500, help="How many to show."),
    offset: int = typer.Option(0, min=0, help="Skip this many (pagination)."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Manifests that claimed a stored design's identity from another source."""
    from refaire.registry.conflicts import ConflictError, list_conflicts

    store = open_db(db)
    try:
        result = list_conflicts(store, design_id=design, limit=limit, offset=offset, status=status)
    except ConflictError as exc:
        fail(str(exc), code=2)
        return
    if as_json:
        print_json(result)
        return
    table = Table("id", "design", "claimed from", "licence", "licensor", "status")
    for c in result["items"]:
        table.add_row(
            str(c["id"]),
            escape(f"{c['design_id']} {c['design_name']}"),
            escape(c["source"]),
            escape(c["claimed_licence"] or ""),
            escape(c["claimed_licensor"] or ""),
            c["status"],
        )
    console.print(table)
    console.print(f"{result['total']} conflicts.")


def resolve_command(
    conflict: int = typer.Argument(..., help="Conflict id (from `refaire designs conflicts`)."),
    replace: bool = typer.Option(
        False, "--replace/--keep", help="Replace the stored design with the claim, or keep it."
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Decide a conflict: keep the stored design (default) or replace it with the claim."""
    from refaire.registry.conflicts import ConflictError, UnknownConflict, resolve_conflict

    store = open_db(db)
    action = "replace" if replace else "keep"
    try:
        done = resolve_conflict(store, conflict, action, f"cli:{getpass.getuser()}")
    except UnknownConflict as exc:
        fail(str(exc))
        return
    except ConflictError as exc:
        fail(str(exc), code=2)
        return
    if as_json:
        print_json(done)
        return
    console.print(f"conflict {done['id']}: {done['status']}")


def register(app: typer.Typer) -> None:
    from refaire.cli.designs import designs_app

    designs_app.command("conflicts")(conflicts_command)
    designs_app.command("resolve-conflict")(resolve_command)
