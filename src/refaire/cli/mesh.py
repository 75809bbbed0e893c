"""`refaire mesh FILE...`: measure 3D printable meshes (STL, 3MF, OBJ)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from refaire.cli import _commands
from refaire.cli._common import Table

from ._common import JsonOption, console, esc, print_json

if TYPE_CHECKING:
    from refaire.geometry import MeshReport


def _number(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _print_table(reports: list[MeshReport]) -> None:
    table = Table()
    table.add_column("file", overflow="fold", min_width=12, ratio=1)
    table.add_column("facets", justify="right", no_wrap=True)
    table.add_column("size mm", justify="right", no_wrap=True)
    table.add_column("cm³", justify="right", no_wrap=True)
    table.add_column("area cm²", justify="right", no_wrap=True)
    table.add_column("closed", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for r in reports:
        size = "×".join(f"{v:.3g}" for v in r.bbox_mm) if r.bbox_mm else "–"
        volume = None if r.volume_mm3 is None else r.volume_mm3 / 1000
        area = None if r.area_mm2 is None else r.area_mm2 / 100
        closed = {True: "yes", False: "[yellow]no[/yellow]", None: "–"}[r.watertight]
        if not r.ok:
            status = "[red]failed[/red]"
        elif r.problems:
            status = f"[yellow]{len(r.problems)} warn[/yellow]"
        else:
            status = "[green]ok[/green]"
        table.add_row(
            esc(Path(r.file).name),
            f"{r.triangles:,}",
            size,
            _number(volume, 2),
            _number(area, 2),
            closed,
            status,
        )
    console.print(table)
    # Messages go below the table: they are sentences, and a narrow column shreds them.
    for r in reports:
        for p in r.problems:
            colour = "red" if p["severity"] == "error" else "yellow"
            console.print(
                f"{esc(Path(r.file).name)}: [{colour}]{p['severity']}:[/{colour}] {esc(p['message'])}"
            )


def register(app: typer.Typer) -> None:
    def mesh(
        files: list[Path] = typer.Argument(..., help="STL, 3MF or OBJ files to measure."),
        as_json: bool = JsonOption,
        max_triangles: int = typer.Option(
            5_000_000, "--max-triangles", help="Refuse meshes with more triangles than this."
        ),
    ) -> None:
        """Every file gets its result, in order; the exit code is 1 when any file failed."""
        # Imported here so that `refaire --help` does not pay for numpy.
        from refaire.geometry import measure_file

        reports = [measure_file(path, max_triangles=max_triangles) for path in files]
        if as_json:
            print_json([r.to_dict() for r in reports])
        else:
            _print_table(reports)
        if not all(r.ok for r in reports):
            raise typer.Exit(1)

    app.command("mesh", help=_commands.described("mesh", mesh))(mesh)
