"""`refaire import`: files, directories and URLs into the registry."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING

import typer

from refaire.cli import _commands
from refaire.cli._common import DbOption, JsonOption, console, esc, open_db, print_json
from refaire.cli._common import esc as escape

if TYPE_CHECKING:
    from refaire.ingest.runner import ImportSummary
    from refaire.model import Problem


def import_command(
    paths: list[str] = typer.Argument(..., help="Files, directories (recursive) or http(s) URLs."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    # its help is its line in _commands.COMMANDS, written once
    from refaire.ingest.runner import ImportSummary, import_source_list
    from refaire.ingest.sources import expand

    store = open_db(db, create=True)
    sources, problems = expand(paths)
    summary = ImportSummary(problems=list(problems), rejected=len(problems), read=len(problems))
    show_bar = not as_json and len(sources) > 20 and console.is_terminal
    if show_bar:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        with Progress(
            TextColumn("[bold]importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("import", total=len(sources))
            summary = import_source_list(
                store, sources, summary, lambda done, _t, _n: bar.update(task, completed=done)
            )
    else:
        summary = import_source_list(store, sources, summary)
    from refaire.people import OPERATOR
    from refaire.people.audit import record_write

    counts = {k: v for k, v in summary.to_dict().items() if isinstance(v, int)}
    record_write(store, OPERATOR, "import.cli", "import", "cli", None, counts)
    if as_json:
        print_json(summary.to_dict())
    else:
        # Problems name a file as read (relative to the directory given); print its path.
        _print_summary(summary, {s.name: str(s.path.resolve()) for s in sources if s.path})
    if summary.rejected and not (summary.imported or summary.updated):
        raise typer.Exit(1)


# Warnings listed one by one before the rest are summarised by message kind (--json has all).
WARNINGS_LISTED = 20


def _line(p: Problem, paths: dict[str, str]) -> str:
    """One problem on its own line, the whole file name first: never cut by a table."""
    where = paths.get(p.source, p.source) + (f":{p.line}" if p.line else "")
    field = f" at {esc(p.field)}" if p.field else ""
    return f"{esc(where)}{field}: {esc(p.message)}"


def _print_summary(summary: ImportSummary, paths: dict[str, str] | None = None) -> None:
    paths = paths or {}
    errors = [p for p in summary.problems if p.severity == "error"]
    warnings = [p for p in summary.problems if p.severity == "warning"]
    # What was lost first, all of it: a person fixing a batch must see every rejected file.
    if errors:
        console.print(f"[red bold]{len(errors)} error(s)[/red bold]", highlight=False)
        for p in errors:
            console.print(f"[red]error[/red] {_line(p, paths)}", highlight=False, soft_wrap=True)
    if warnings:
        console.print(f"[yellow]{len(warnings)} warning(s)[/yellow]", highlight=False)
        for p in warnings[:WARNINGS_LISTED]:
            console.print(
                f"[yellow]warning[/yellow] {_line(p, paths)}", highlight=False, soft_wrap=True
            )
        rest = warnings[WARNINGS_LISTED:]
        if rest:
            kinds = Counter(_kind(p.message) for p in rest)
            console.print(f"… and {len(rest)} more warnings (--json lists them all):")
            for kind, n in kinds.most_common(10):
                console.print(f"  {n} × {esc(kind)}", highlight=False, soft_wrap=True)
    _print_conflicts_and_merges(summary, paths)
    check = "" if summary.accounted else " [red](does not add up: please report)[/red]"
    console.print(
        f"{summary.read} records read: [green]{summary.imported} imported[/green], "
        f"{summary.updated} updated, {summary.merged} merged, {summary.conflicts} kept as "
        f"conflicts, {summary.skipped} skipped, [red]{summary.rejected} rejected[/red] "
        f"({summary.linked} linked to a record of another source) "
        f"({summary.designs} designs, {summary.facilities} facilities){check}",
        highlight=False,
        soft_wrap=True,
    )


def _kind(message: str) -> str:
    """A warning's message with its values blanked, to count warnings of one kind."""
    return re.sub(r"'[^']*'|\"[^\"]*\"|-?\d+(?:\.\d+)?", "…", message)[:120]


def _print_conflicts_and_merges(summary: ImportSummary, paths: dict[str, str]) -> None:
    if summary.conflicts:
        console.print(
            f"[red]{summary.conflicts} identity conflict(s)[/red]: manifests claiming a stored "
            "design from another source were kept aside (`refaire designs conflicts`)."
        )
    for m in summary.merges[:20]:
        files = ""
        if m.get("record_source"):
            a, b = (
                paths.get(m.get(k) or "", m.get(k) or "") for k in ("record_source", "into_source")
            )
            files = f" ({escape(a)} → {escape(b)})"
        console.print(
            f"merged {escape(m['record'])} into {escape(m['into'])}{files}: "
            f"{escape(m['evidence'])}",
            style="dim",
            soft_wrap=True,
        )
    if len(summary.merges) > 20:
        console.print(f"… and {len(summary.merges) - 20} more merges (use --json)", style="dim")


def register(app: typer.Typer) -> None:
    app.command("import", help=_commands.summary("import"))(import_command)
