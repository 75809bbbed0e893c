"""`refaire import`: files, directories and URLs into the registry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from refaire.cli._common import DbOption, JsonOption, Table, console, esc, open_db, print_json
from refaire.cli._common import esc as escape

if TYPE_CHECKING:
    from refaire.ingest.runner import ImportSummary


def import_command(
    paths: list[str] = typer.Argument(..., help="Files, directories (recursive) or http(s) URLs."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Import OKH manifests and facility lists; bad files are reported, never fatal."""
    from refaire.ingest.runner import ImportSummary, import_source_list
    from refaire.ingest.sources import expand

    store = open_db(db, create=True)
    sources, problems = expand(paths)
    summary = ImportSummary(problems=list(problems), rejected=len(problems))
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
        _print_summary(summary)
    if summary.rejected and not (summary.imported or summary.updated):
        raise typer.Exit(1)


def _print_summary(summary: ImportSummary) -> None:
    console.print(
        f"[green]{summary.imported} imported[/green], {summary.updated} updated, "
        f"{summary.skipped} skipped, [red]{summary.rejected} rejected[/red] "
        f"({summary.designs} designs, {summary.facilities} facilities)"
    )
    _print_conflicts_and_merges(summary)
    shown = [p for p in summary.problems if p.severity in ("error", "warning")]
    if not shown:
        return
    table = Table("severity", "source", "field", "message", show_lines=False)
    for p in shown[:50]:
        where = p.source + (f":{p.line}" if p.line else "")
        colour = "red" if p.severity == "error" else "yellow"
        table.add_row(
            f"[{colour}]{p.severity}[/{colour}]", esc(where), esc(p.field), esc(p.message)
        )
    console.print(table)
    if len(shown) > 50:
        console.print(f"… and {len(shown) - 50} more problems (use --json for all of them)")


def _print_conflicts_and_merges(summary: ImportSummary) -> None:
    if summary.conflicts:
        console.print(
            f"[red]{summary.conflicts} identity conflict(s)[/red]: manifests claiming a stored "
            "design from another source were kept aside (`refaire designs conflicts`)."
        )
    for m in summary.merges[:20]:
        console.print(
            f"merged {escape(m['record'])} into {escape(m['into'])}: {escape(m['evidence'])}",
            style="dim",
        )
    if len(summary.merges) > 20:
        console.print(f"… and {len(summary.merges) - 20} more merges (use --json)", style="dim")


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
