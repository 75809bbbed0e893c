"""`refaire match`: where a design can be made near a place, what a facility can make,
and how much of the corpus can be made at all."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from refaire.cli._common import DbOption, JsonOption, console, esc, fail, print_json
from refaire.store import open_store

_STATUS_STYLE = {"met": "green", "near": "yellow", "missing": "red"}


def match_command(
    design: str | None = typer.Argument(None, help="Design id (number) or key."),
    near: str | None = typer.Option(None, "--near", help="LAT,LON in decimal degrees."),
    radius_km: float = typer.Option(50.0, "--radius-km", min=0.1, max=20000, help="Radius."),
    facility: str | None = typer.Option(
        None, "--facility", help="Facility id or key: the designs it can make (reverse match)."
    ),
    coverage: bool = typer.Option(
        False, "--coverage", help="For every design: can some facility make it, and where."
    ),
    lang: str = typer.Option("en", "--lang", help="Language of the reasons: en or fr."),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many results to list."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Where, and how, a design can be made near a place: matches, plans, reasons."""
    chosen = sum(x for x in (design is not None, facility is not None, coverage))
    if chosen != 1:
        fail("give a DESIGN with --near, or --facility ID, or --coverage (exactly one)")
    store = open_store(db)
    if coverage:
        _coverage(store, radius_km, as_json)
    elif facility is not None:
        _facility(store, facility, lang, limit, as_json)
    else:
        _design(store, design or "", near, radius_km, lang, limit, as_json)


def _design(
    store: Any,
    design: str,
    near: str | None,
    radius_km: float,
    lang: str,
    limit: int,
    as_json: bool,
) -> None:
    from refaire.geo import parse_point
    from refaire.match.engine import UnknownDesign, match_design

    if not near:
        fail("--near LAT,LON is required to match a design (e.g. --near 45.76,4.84)")
    try:
        lat, lon = parse_point(near or "")
    except ValueError as exc:
        fail(str(exc))
        return
    try:
        result = match_design(store, design, lat, lon, radius_km, lang, limit)
    except UnknownDesign as exc:
        fail(f"{exc}; `refaire designs list --q WORD` finds ids")
        return
    if as_json:
        print_json(result)
        return
    d = result["design"]
    console.print(
        f"[bold]{esc(d['name'])}[/bold] (id {d['id']}) — {result['candidates']} facilities within "
        f"{radius_km:g} km, {result['matching']} can do part of it, {result['complete']} all of it"
    )
    if not result["requirements"]["items"]:
        console.print("[yellow]No requirements known for this design: nothing to match.[/yellow]")
        return
    for m in result["matches"]:
        f = m["facility"]
        mark = "[green]complete[/green]" if m["complete"] else f"{m['coverage']:.0%}"
        t = Table("part", "process", "material", "status", "reason", expand=True)
        for r in m["requirements"]:
            style = _STATUS_STYLE[r["status"]]
            t.add_row(
                esc(r["part"]),
                esc(r["process"]),
                esc(r["material"]),
                f"[{style}]{r['status']}[/{style}]"
                + (f" ({esc(r['constraint'])})" if r["constraint"] else ""),
                esc(r["reason"]),
            )
        t.title = f"{esc(f['name'])} (id {f['id']}) — {m['distance_km']:g} km — {mark}"
        console.print(t)
    _print_plans(result["plans"])


def _print_plans(plans: list[dict[str, Any]]) -> None:
    for i, p in enumerate(plans, 1):
        names = ", ".join(f"{esc(f['name'])} ({f['distance_km']:g} km)" for f in p["facilities"])
        state = "complete" if p["complete"] else "partial"
        console.print(f"[bold]Plan {i}[/bold] ({state}, {p['method']}): {names or '—'}")
        for a in p["assignments"]:
            console.print(f"  • {esc(a['reason'])}")
        for m in p["missing"]:
            console.print(f"  [red]✗[/red] {esc(m['reason'])}")


def _facility(store: Any, ident: str, lang: str, limit: int, as_json: bool) -> None:
    from refaire.match.engine import UnknownFacility, match_facility

    try:
        result = match_facility(store, ident, lang, limit)
    except UnknownFacility as exc:
        fail(f"{exc}; `refaire facilities list` finds ids")
        return
    if as_json:
        print_json(result)
        return
    c = result["counts"]
    console.print(
        f"[bold]{esc(result['facility']['name'])}[/bold]: makes {c['complete']} of "
        f"{c['with_requirements']} designs with known requirements completely; "
        f"misses {c['near']} by one requirement."
    )
    t = Table("id", "design", "requirements", title="Made completely")
    for d in result["complete"]:
        name = esc(d["name"]) + (" [dim](inferred)[/dim]" if d["inferred"] else "")
        t.add_row(str(d["id"]), name, str(d["requirements"]))
    console.print(t)
    t = Table("id", "design", "missing", title="Missed by one requirement")
    for d in result["near"]:
        t.add_row(str(d["id"]), esc(d["name"]), esc(d["missing"]["reason"]))
    console.print(t)


def _coverage(store: Any, radius_km: float, as_json: bool) -> None:
    from refaire.match.coverage import bulk_coverage

    with console.status("computing coverage of every design…"):
        cov = bulk_coverage(store, radius_km)
    summary = cov.summary(top=20)
    if as_json:
        print_json(summary)
        return
    n = summary["designs"]
    console.print(
        f"{summary['makeable_anywhere']} of {n} designs ({summary['share_makeable_anywhere']:.1%}) "
        f"can be made completely by at least one of {summary['facilities']} facilities; "
        f"{summary['makeable_locally']} ({summary['share_makeable_locally']:.1%}) by one or "
        f"several facilities within {radius_km:g} km of some place. "
        f"{summary['with_requirements']} designs have known requirements. "
        f"({summary['computed_in_s']:.2f} s)"
    )
    t = Table("country", "designs makeable", title="By country (top 20)")
    for row in summary["by_country"]:
        t.add_row(esc(row["country"]), str(row["designs"]))
    console.print(t)


def register(app: typer.Typer) -> None:
    app.command("match")(match_command)
