"""`refaire facilities`: find places that make things, and read one in full."""

from __future__ import annotations

from typing import Any

import typer

from refaire.cli._commands import summary
from refaire.cli._common import (
    DbOption,
    JsonOption,
    Panel,
    Table,
    console,
    err_console,
    fail,
    open_db,
    print_json,
)
from refaire.cli._common import esc as escape
from refaire.contract.bounds import MAX_OFFSET

facilities_app = typer.Typer(
    help=summary("facilities"),
    no_args_is_help=True,
)


@facilities_app.command("list")
def list_command(
    q: str | None = typer.Option(None, "--q", help="Words to search in name, city, equipment."),
    near: str | None = typer.Option(
        None, "--near", help='Centre of a radius search: a town (Lyon, "Troy, NY") or LAT,LON.'
    ),
    radius_km: float | None = typer.Option(
        None, "--radius-km", help="Radius around --near in km (default 50)."
    ),
    process: str | None = typer.Option(
        None, "--process", help="Process id, e.g. laser-cutting (`refaire vocab list`)."
    ),
    material: str | None = typer.Option(None, "--material", help="Material id, e.g. plywood."),
    country: str | None = typer.Option(None, "--country", help="Two-letter country code."),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="How many to show."),
    offset: int = typer.Option(
        0, "--offset", min=0, max=MAX_OFFSET, help="Skip this many (pagination)."
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Search facilities by words, distance, process, material and country."""
    from refaire.registry.facilities import FilterError, check_filters, search

    if radius_km is not None and not near:
        fail("--radius-km needs --near PLACE, the centre of the circle", 2)
    try:
        filters = check_filters(near, radius_km, process, material, country)
    except FilterError as exc:
        # a usage mistake, like Typer's own: exit code 2; unwrapped so the hint
        # (a command to run) stays on one line whatever the terminal width
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from None
    store = open_db(db)
    result = search(store, filters, q=q, limit=limit, offset=offset)
    if as_json:
        print_json(result)
        return
    by_distance = "near" in filters
    headers = ["id", "name", "country", "city", "processes"]
    if by_distance:
        headers.insert(2, "km")
    table = Table(*headers)
    for item in result["items"]:
        row = [
            str(item["id"]),
            escape(item["name"]),
            escape(item["country"] or ""),
            escape(item["city"] or ""),
        ]
        more = " …" if len(item["processes"]) > 5 else ""
        row.append(escape(", ".join(item["processes"][:5])) + more)
        if by_distance:
            row.insert(2, f"{item['distance_km']:.1f}")
        table.add_row(*row)
    console.print(table)
    shown = len(result["items"])
    if "place" in result:
        console.print(f"Near {escape(result['place']['description'])}")
    console.print(
        f"{result['total']} facilities match; showing "
        f"{offset + 1 if shown else 0}–{offset + shown}."
    )


def _size(e: dict[str, Any]) -> str:
    dims = e.get("build_volume_mm") or e.get("bed_size_mm")
    if not dims:
        return ""
    text = " x ".join(f"{v:g}" for v in dims) + " mm"
    return text + (" (inferred)" if e.get("size_origin") == "inferred" else "")


def _caps(caps: list[dict[str, Any]], inferred: bool) -> str:
    parts = []
    for c in caps:
        text = escape(c["id"]) if c["kind"] == "process" else f"{escape(c['id'])} (material)"
        if inferred:
            text += f" [dim]← {escape(c['rule'] or 'inferred')}[/dim]"
        parts.append(text)
    return "\n".join(parts)


@facilities_app.command("show")
def show_command(
    ident: str = typer.Argument(..., help="Facility id (number) or key."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Everything about one facility: address, machines, stated vs inferred capabilities."""
    from refaire.registry.facilities import UnknownFacility, facility_detail

    store = open_db(db)
    try:
        d = facility_detail(store, ident)
    except UnknownFacility as exc:
        fail(str(exc))
        return
    if as_json:
        print_json(d)
        return
    addr = d.get("address") or {}
    where = addr.get("text") or ", ".join(
        v for k in ("street", "postal_code", "locality", "region", "country") if (v := addr.get(k))
    )
    located = f"{d['latitude']:.5f}, {d['longitude']:.5f}" if d.get("latitude") is not None else "—"
    if d.get("location_origin") == "inferred":
        town = (d.get("extra") or {}).get("located_by_town", {}).get("town", "its town")
        located += (
            f" (approximate: the centre of {escape(str(town))}; the source gives no coordinates)"
        )
    doubtful = (d.get("extra") or {}).get("doubtful_location")
    if d.get("location_status") == "doubtful" and doubtful:
        located += (
            f" (doubtful as published: {doubtful.get('latitude')}, {doubtful.get('longitude')}, "
            f"{escape(str(doubtful.get('reason') or ''))}; left out of 'near me' answers until "
            "a manager confirms it: `refaire facilities edit ID --location LAT,LON`)"
        )
    elif d.get("location_status") == "confirmed":
        located += " (stated by a manager)"
    lines = [
        f"[bold]{escape(d['name'])}[/bold]  (id {d['id']}, {escape(d.get('kind') or 'facility')})",
        escape(d.get("description") or ""),
        f"address: {escape(where) or '—'}",
        f"coordinates: {located}",
        f"country: {escape(d.get('country') or '—')}   city: {escape(d.get('city') or '—')}",
        f"web: {escape(d['url'])}" if d.get("url") else "",
        f"e-mail: {escape(d['email'])}" if d.get("email") else "",
        f"access: {escape(d['access_type'])}" if d.get("access_type") else "",
        f"key: {escape(d['key'])}",
    ]
    console.print(Panel("\n".join(x for x in lines if x), expand=False))
    if d["equipment"]:
        t = Table("machine", "qty", "stated", "inferred (rule)", "size", title="Equipment")
        for e in d["equipment"]:
            label = escape(e["label"])
            if e.get("catalogue_vetoed"):
                veto = e["catalogue_vetoed"]
                label += (
                    f"\n[dim]not the catalogue's {escape(veto['machine'])}: the stated "
                    f"{'make' if veto['reason'] == 'make' else 'type'} disagrees[/dim]"
                )
            t.add_row(
                label,
                str(e["quantity"]),
                _caps(e["capabilities"]["stated"], False),
                _caps(e["capabilities"]["inferred"], True),
                _size(e),
            )
        console.print(t)
    own = d["capabilities"]
    if own["stated"] or own["inferred"]:
        t = Table("stated", "inferred (rule)", title="Capabilities of the facility itself")
        t.add_row(_caps(own["stated"], False), _caps(own["inferred"], True))
        console.print(t)
    if own.get("probable"):
        t = Table(
            "probable (rule, confidence)",
            title="Probable: what such places usually have, not stated by this one",
        )
        t.add_row(_caps(own["probable"], True))
        console.print(t)
    if not d["equipment"] and not (own["stated"] or own["inferred"]):
        console.print("[dim]No equipment or capability recorded by the sources.[/dim]")
    prov = Table("source", "format", "fields", title="Provenance")
    for s in d["provenance"]["sources"]:
        prov.add_row(escape(s["source"]), escape(s["format"]), escape(", ".join(s["fields"])))
    console.print(prov)
    for p in d.get("problems") or []:
        console.print(
            f"[yellow]{p['severity']}[/yellow] {escape(p.get('field') or '')}: "
            f"{escape(p['message'])}"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(facilities_app, name="facilities")
