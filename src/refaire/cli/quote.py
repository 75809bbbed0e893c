"""`refaire quote FILE --material ID`: an instant quote for a mesh or a cutting drawing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from refaire.cli import _commands
from refaire.cli._common import DbOption, JsonOption, Table, console, esc, fail, open_db, print_json
from refaire.cli._common import esc as escape


def _size(values: list[float] | None) -> str:
    return " × ".join(f"{v:.4g}" for v in values) + " mm" if values else "–"


def _print_measurement(result: dict[str, Any]) -> None:
    m = result["measurement"]
    console.print(
        f"[bold]{esc(Path(m['file']).name)}[/bold]  {m['kind']}, size {_size(m['bbox_mm'])}"
    )
    if m["kind"] == "mesh":
        closed = "watertight" if m["watertight"] else "[yellow]not watertight[/yellow]"
        console.print(
            f"  volume {m['volume_mm3'] / 1000:,.2f} cm³, {m['triangles']:,} facets, {closed}"
        )
    else:
        console.print(
            f"  cut length {m['cut_length_mm']:,.1f} mm, {m['contours']} contours, "
            f"sheet {result['thickness_mm']:g} mm"
        )
    for p in m["problems"]:
        console.print(f"  [yellow]{p['severity']}:[/yellow] {esc(p['message'])}")
    console.print(
        f"  process [bold]{esc(result['process'])}[/bold], "
        f"material [bold]{esc(result['material'])}[/bold], "
        f"quantity {result['quantity']}"
    )


def _print_quote(entry: dict[str, Any] | None, quote: dict[str, Any]) -> None:
    if entry is not None:
        f = entry["facility"]
        where = esc(", ".join(x for x in (f.get("city"), f.get("country")) if x))
        distance = f" · {f['distance_km']:.0f} km" if f.get("distance_km") is not None else ""
        colour = {True: "green", None: "yellow", False: "red"}[entry["fits"]]
        verdict = {True: "✓", None: "?", False: "✗"}[entry["fits"]]
        console.print(
            f"\n[bold]{esc(f['name'])}[/bold] (#{f['id']}{', ' + where if where else ''}{distance})"
        )
        console.print(f"  [{colour}]{verdict}[/{colour}] {esc(entry['fit_reason'])}")
    table = Table(show_header=True, box=None, padding=(0, 2))
    table.add_column("item")
    table.add_column(esc(quote["currency"]), justify="right")
    table.add_column("how", overflow="fold")
    for line in quote["lines"]:
        table.add_row(esc(line["item"]), f"{line['amount']:.2f}", esc(line["detail"]))
    table.add_row(
        "[bold]total[/bold]",
        f"[bold]{quote['total']:.2f}[/bold]",
        f"{quote['unit_price']:.2f} per piece",
    )
    console.print(table)
    rates = (
        "[yellow]estimated (default rates)[/yellow]"
        if quote["estimated_rates"]
        else "the facility's own prices"
    )
    console.print(f"  rates: {rates}")
    for note in quote["assumptions"]:
        console.print(f"  · {esc(note)}")


def register(app: typer.Typer) -> None:
    def quote(
        file: Path = typer.Argument(..., help="STL, 3MF, OBJ mesh, or SVG/DXF drawing."),
        material: str = typer.Option(
            ..., "--material", "-m", help="Material id, e.g. pla, resin, plywood."
        ),
        facility: str | None = typer.Option(
            None, "--facility", help="Quote at this facility (id or key)."
        ),
        qty: int = typer.Option(1, "--qty", min=1, help="How many pieces."),
        near: str | None = typer.Option(
            None, "--near", help='A town (Lyon, "Troy, NY") or LAT,LON: nearest first.'
        ),
        thickness: float | None = typer.Option(
            None, "--thickness", help="Sheet thickness in mm (drawings; default 3)."
        ),
        limit: int = typer.Option(
            5, "--limit", min=1, max=50, help="How many candidate facilities."
        ),
        lang: str = typer.Option(
            "en", "--lang", help="Language of assumptions and reasons: en or fr."
        ),
        db: str | None = DbOption,
        as_json: bool = JsonOption,
    ) -> None:
        """Without --facility, the candidates are the facilities offering the process
        (3D printing for meshes, laser cutting for drawings) whose machines fit the part.
        Quotes built on default rates are marked estimated.
        """
        from refaire import limits
        from refaire.quote.service import QuoteError, UnknownFacilityError, quote_file

        try:
            cap = limits.max_upload_bytes()
            if file.stat().st_size > cap:
                fail(f"{file}: over the {cap // 2**20} MB limit for quotes")
            data = file.read_bytes()
        except OSError as exc:
            fail(f"cannot read {file}: {exc.strerror or exc}")
        store = open_db(db)
        try:
            result = quote_file(
                store, str(file), data, material, facility_id=facility, qty=qty,
                near=near, limit=limit, thickness_mm=thickness, lang=lang,
            )  # fmt: skip
        except (QuoteError, UnknownFacilityError) as exc:
            fail(str(exc))
        if as_json:
            print_json(result)
            return
        _print_measurement(result)
        if "place" in result:
            console.print(f"  · near {escape(result['place']['description'])}")
        for note in result["assumptions"]:
            console.print(f"  · {esc(note)}")
        for entry in result["quotes"]:
            if entry["quote"] is None:
                console.print(
                    f"\n[bold]{esc(entry['facility']['name'])}[/bold]: [red]no quote[/red]: "
                    f"{esc(entry['quote_error'])}"
                )
            else:
                _print_quote(entry, entry["quote"])
        if not result["quotes"]:
            console.print(
                f"\n[yellow]No facility offers {esc(result['vocabulary_process'])} in this registry;"
                " price at default rates:[/yellow]"
            )
            _print_quote(None, result["reference_quote"])
        _print_unknown(result.get("unknown_capability"))

    app.command("quote", help=_commands.described("quote", quote))(quote)


def _print_unknown(group: dict[str, Any] | None) -> None:
    """Places near that do not state the process: not quoted, but worth asking."""
    if not group or not group["total"]:
        return
    console.print(f"\n[bold]Capability unknown or only probable[/bold] ({group['total']})")
    for u in group["items"]:
        contact = " ".join(x for x in (u["website"], u["email"]) if x) or "—"
        console.print(
            f"  • {escape(u['facility']['name'])} (id {u['facility']['id']}, "
            f"{u['distance_km']:g} km, {u['capability']}): {escape(contact)}"
        )
    console.print(escape(group["note"]))
