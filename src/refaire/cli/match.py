"""`refaire match`: where a design can be made near a place, what a facility can make,
and how much of the corpus can be made at all."""

from __future__ import annotations

from typing import Any

import typer

from refaire.cli import _commands
from refaire.cli._common import DbOption, JsonOption, Table, console, esc, fail, open_db, print_json

_STATUS_STYLE = {
    "met": "green",
    "met-inferred": "green",
    "probable": "cyan",
    "near": "yellow",
    "missing": "red",
}


def match_command(
    design: str | None = typer.Argument(None, help="Design id (number) or key."),
    near: str | None = typer.Option(
        None, "--near", help='A town (Lyon, "Troy, NY", "Lyon, FR") or LAT,LON.'
    ),
    radius_km: float = typer.Option(
        50.0, "--radius-km", help="Radius around --near in km (above 0, at most 20000)."
    ),
    facility: str | None = typer.Option(
        None, "--facility", help="Facility id or key: the designs it can make (reverse match)."
    ),
    coverage: bool = typer.Option(
        False, "--coverage", help="For every design: can some facility make it, and where."
    ),
    lang: str = typer.Option("en", "--lang", help="Language of the reasons: en or fr."),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many results to list."),
    offset: int = typer.Option(
        0, "--offset", min=0, help="With --facility: skip this many designs of each list."
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    # its help is its line in _commands.COMMANDS, written once
    chosen = sum(x for x in (design is not None, facility is not None, coverage))
    if chosen != 1:
        fail("give a DESIGN with --near, or --facility ID, or --coverage (exactly one)", 2)
    if design is not None and not near:
        fail("--near PLACE is required to match a design (e.g. --near Lyon or --near 45.76,4.84)", 2)
    store = open_db(db)
    if coverage:
        _coverage(store, radius_km, as_json)
    elif facility is not None:
        _facility(store, facility, lang, limit, as_json, offset)
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
    from refaire.match.engine import UnknownDesign, match_design
    from refaire.places import PlaceError, resolve_place

    try:
        place = resolve_place(near)
    except PlaceError as exc:
        fail(f"--near: {exc.text(lang)}", 2)
    try:
        result = match_design(
            store, design, place.latitude, place.longitude, radius_km, lang, limit, place
        )
    except UnknownDesign as exc:
        fail(f"{exc}; `refaire designs list --q WORD` finds ids")
        return
    if as_json:
        print_json(result)
        return
    d = result["design"]
    console.print(
        f"[bold]{esc(d['name'])}[/bold] (id {d['id']}) — {result['candidates']} facilities "
        f"within {radius_km:g} km of {esc(result['place']['description'])}, "
        f"{result['matching']} can do part of it, {result['complete']} all of it"
        + (
            f" ({result['complete_stated']} on stated facts alone)"
            if result["complete"] != result["complete_stated"]
            else ""
        )
        + (
            f", {result['probably_complete']} probably all of it (not stated: ask them)"
            if result["probably_complete"]
            else ""
        )
    )
    if result["unknown_parts"]:
        console.print(
            f"[yellow]Never complete: requirements unknown for {len(result['unknown_parts'])} "
            f"of {result['parts_total']} parts ({esc(', '.join(result['unknown_parts']))}); "
            f"{result['complete_known_parts']} facilities make every other part.[/yellow]"
        )
    if not result["requirements"]["items"]:
        console.print("[yellow]No requirements known for this design: nothing to match.[/yellow]")
        return
    for m in result["matches"]:
        f = m["facility"]
        if m["complete"]:
            mark = "[green]complete[/green]" + ("" if m["stated"] else " (met inferred)")
        elif m["parts"]["unknown"]:
            mark = esc(m["parts"]["text"])
        else:
            mark = f"{m['coverage']:.0%}"
        if m["probably_complete"]:
            mark += " [cyan](probably complete: ask them)[/cyan]"
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
        t.title = f"{esc(f['name'])} (id {f['id']}) — {_km(f, m['distance_km'])} — {mark}"
        console.print(t)
    _print_plans(result["plans"])
    _print_unknown(result["unknown_capability"])


def _km(facility: dict[str, Any], distance: float, unit: str = " km") -> str:
    """A distance, marked approximate when the place is only known by its town's centre
    (an inferred location: the distance is as rough as the town is wide)."""
    text = f"{distance:g}{unit}"
    if facility.get("approximate_location"):
        text += " (approximate: town centre)"
    return text


def _print_unknown(group: dict[str, Any]) -> None:
    """Places that state no capability: neither matches nor misses, so listed apart."""
    if not group["total"]:
        return
    t = Table("id", "facility", "km", "website / e-mail", title="Capability unknown")
    for u in group["items"]:
        f = u["facility"]
        contact = " ".join(x for x in (u["website"], u["email"]) if x) or "—"
        t.add_row(str(f["id"]), esc(f["name"]), _km(f, u["distance_km"], unit=""), esc(contact))
    console.print(t)
    console.print(esc(group["note"]))


def _print_plans(plans: list[dict[str, Any]]) -> None:
    for i, p in enumerate(plans, 1):
        names = ", ".join(f"{esc(f['name'])} ({_km(f, f['distance_km'])})" for f in p["facilities"])
        state = "complete" if p["complete"] else f"partial: {esc(p['parts']['text'])}"
        console.print(f"[bold]Plan {i}[/bold] ({state}, {p['method']}): {names or '—'}")
        for a in p["assignments"]:
            console.print(f"  • {esc(a['reason'])}")
        for m in p["missing"]:
            console.print(f"  [red]✗[/red] {esc(m['reason'])}")


def _facility(
    store: Any, ident: str, lang: str, limit: int, as_json: bool, offset: int = 0
) -> None:
    from refaire.match.engine import UnknownFacility, match_facility

    try:
        result = match_facility(store, ident, lang, limit, offset)
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
        name = esc(d["name"]) + (" [dim](requirements inferred)[/dim]" if d["inferred"] else "")
        name += "" if d["stated"] else " [dim](met inferred)[/dim]"
        t.add_row(str(d["id"]), name, str(d["requirements"]))
    console.print(t)
    if result["complete_known_parts"]:
        t = Table("id", "design", "parts", title="Every known part made; some parts unknown")
        for d in result["complete_known_parts"]:
            t.add_row(str(d["id"]), esc(d["name"]), esc(d["parts"]["text"]))
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
    if summary["makeable_anywhere_stated"] != summary["makeable_anywhere"]:
        console.print(
            f"Of these, {summary['makeable_anywhere_stated']} on stated facts alone; the others "
            "rest on inferred machine data (catalogue, description, process–material table)."
        )
    if summary["known_parts_only_anywhere"]:
        console.print(
            f"Not counted: {summary['known_parts_only_anywhere']} designs whose every known "
            f"part one facility makes, but {summary['with_unknown_parts']} designs have parts "
            "of unknown requirements and are never counted complete."
        )
    if summary["only_probably_makeable_anywhere"]:
        console.print(
            f"Beside these, not counted: {summary['only_probably_makeable_anywhere']} more "
            "designs could probably be made by one facility, counting what Fab Labs usually "
            "have but do not state."
        )
    t = Table("country", "designs makeable", title="By country (top 20)")
    for row in summary["by_country"]:
        t.add_row(esc(row["country"]), str(row["designs"]))
    console.print(t)


def register(app: typer.Typer) -> None:
    app.command("match", help=_commands.summary("match"))(match_command)
