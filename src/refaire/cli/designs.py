"""`refaire designs` and `refaire export designs`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from refaire.cli._commands import summary
from refaire.cli._common import (
    DbOption,
    JsonOption,
    Panel,
    Table,
    console,
    esc,
    fail,
    open_db,
    print_json,
)
from refaire.contract.bounds import MAX_OFFSET

designs_app = typer.Typer(help=summary("designs"), no_args_is_help=True)
export_app = typer.Typer(help=summary("export"), no_args_is_help=True)


def _filters(**facets: list[str] | None) -> dict[str, list[str]]:
    return {k: v for k, v in facets.items() if v}


@designs_app.command("list")
def list_command(
    q: str | None = typer.Option(None, "--q", help="Words to search in name, function, keywords."),
    openness: list[str] | None = typer.Option(None, help="Licence openness class (repeatable)."),
    sector: list[str] | None = typer.Option(None, help="Sector id, e.g. A61 (repeatable)."),
    readiness: list[str] | None = typer.Option(None, help="OTRL level, e.g. OTRL-4."),
    language: list[str] | None = typer.Option(None, help="Language, e.g. en, fr."),
    platform: list[str] | None = typer.Option(None, help="Source platform, e.g. appropedia."),
    limit: int = typer.Option(20, min=1, max=200, help="How many designs to show (at most 200)."),
    offset: int = typer.Option(
        0, min=0, max=MAX_OFFSET, help="Skip this many designs (pagination)."
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Search designs, with facet counts."""
    from refaire.store.design_search import search_designs

    store = open_db(db)
    filters = _filters(
        openness=openness, sector=sector, readiness=readiness, language=language, platform=platform
    )
    result = search_designs(store, q=q, filters=filters, limit=limit, offset=offset)
    if as_json:
        print_json(result)
        return
    table = Table("id", "name", "licence", "readiness", "sectors", "platform", title=None)
    for item in result["items"]:
        table.add_row(
            str(item["id"]),
            esc(item["name"]),
            esc(item["licence"]),
            esc(item["technology_readiness"]),
            esc(", ".join(item["sectors"][:3])),
            esc(item["platform"])
            + "".join(
                f"\nalso from {esc(a['platform'] or a['format'])} (id {a['id']})"
                for a in item.get("also_from") or []
            ),
        )
    console.print(table)
    shown = len(result["items"])
    console.print(
        f"{result['total']} designs match (a design read from several sources counts once); "
        f"showing {offset + 1 if shown else 0}–{offset + shown}."
    )
    if not result["total"] and filters:
        _say_what_exists(store, q, filters)
    for facet, values in result["facets"].items():
        if values:
            top = ", ".join(f"{esc(v['value'])} ({v['count']})" for v in values[:6])
            console.print(f"[dim]{facet}:[/dim] {top}")


def _say_what_exists(store: Any, q: str | None, filters: dict[str, list[str]]) -> None:
    """An empty result with filters: the values each filtered facet takes among the designs
    the words alone find, so a value no design has (`--language xx`) is told apart from a
    combination of real values that happens to match nothing."""
    from refaire.store.design_search import search_designs

    facets = search_designs(store, q=q, limit=1)["facets"]  # the words alone
    for facet, wanted in filters.items():
        present = [v["value"] for v in facets.get(facet) or []]
        missing = [w for w in wanted if w not in present]
        if missing:
            shown = ", ".join(esc(v) for v in present[:12]) or "none"
            console.print(
                f"[yellow]no design has --{facet} {esc(', '.join(missing))} here;[/yellow] "
                f"values present: {shown}",
                soft_wrap=True,
            )


def _sub_part_lines(part: dict[str, Any], depth: int = 0) -> list[str]:
    """Nested sub-parts of a part, indented one step per level (kept as the source nests them)."""
    out: list[str] = []
    for sub in part.get("sub_parts") or []:
        qty = f" × {sub['quantity']}" if sub.get("quantity", 1) > 1 else ""
        out.append("  " * depth + f"└ {esc(sub['name'])}{qty}")
        out += _sub_part_lines(sub, depth + 1)
    return out


@designs_app.command("show")
def show_command(
    ident: str = typer.Argument(..., help="Design id (number) or key."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Everything about one design: parts, licence, maturity, lineage, problems, provenance."""
    from refaire.registry.designs import UnknownDesign, design_detail

    store = open_db(db)
    try:
        d = design_detail(store, ident)
    except UnknownDesign as exc:
        fail(str(exc))
        return
    if as_json:
        print_json(d)
        return
    lic = d.get("licence") or {}
    lines = [
        f"[bold]{esc(d['name'])}[/bold]  (id {d['id']}, {esc(d['format'])})",
        f"name as written: {esc(d['original_name'])}" if d.get("original_name") else "",
        esc(d.get("function") or d.get("description")),
        f"licence: {esc(lic.get('expression', '—'))} ({esc(lic.get('openness', 'unknown'))})",
        f"readiness: {esc(d.get('technology_readiness') or '—')} / "
        f"{esc(d.get('documentation_readiness') or '—')}",
        f"NASA TRL (another scale, kept apart): {esc(d['trl'])}" if d.get("trl") else "",
        f"sectors: {esc(', '.join(d.get('sectors') or []) or '—')}",
        f"languages: {esc(', '.join(d.get('languages') or []) or '—')}",
        f"size: {esc(d['dimensions_text'])} (as written, unread)"
        if d.get("dimensions_text") and not d.get("dimensions")
        else "",
        f"repo: {esc(d.get('repo') or '—')}",
        f"source: {esc(d['provenance']['source'])} (sha256 {d['provenance']['checksum'][:12]}…)"
        if d.get("provenance")
        else "",
        *(
            f"also from: {esc(a['name'])} (id {a['id']}, {esc(a['platform'] or a['format'])}, "
            f"{esc(a['source'] or '')}; {esc(a['reason'])})"
            for a in d.get("also_from") or []
        ),
    ]
    console.print(Panel("\n".join(x for x in lines if x), expand=False))
    if d.get("parts"):
        t = Table("part", "processes", "materials", "size (mm)", "qty", title="Parts")
        for p in d["parts"]:
            dims = p.get("dimensions")
            size = (
                " x ".join(f"{v:g}" for v in (dims["width"], dims["depth"], dims["height"]))
                if dims
                else (esc(p.get("dimensions_text") or "") + " (as written, unread)")
                if p.get("dimensions_text")
                else ""
            )
            t.add_row(
                esc(p["name"]) + "".join(f"\n  {line}" for line in _sub_part_lines(p)),
                esc(", ".join(p["processes"])),
                esc(", ".join(p["materials"])),
                size,
                str(p["quantity"]),
            )
        console.print(t)
    for r in d.get("design_requirements") or []:
        read = (
            f"{esc(r['id'])} ({esc(r['origin'])}, {esc(r['rule'] or '')})"
            if r["id"]
            else "not understood"
        )
        console.print(f"design-level {esc(r['kind'])}: {esc(r['text'])} → {read}", soft_wrap=True)
    for kind in ("schematics", "software"):
        for path in d.get(kind) or []:
            console.print(f"{kind}: {esc(path)}", soft_wrap=True)
    _print_requirements(d.get("requirements") or {})
    lin = d["lineage"]
    for link in lin["parents"]:
        console.print(f"{esc(link['kind'])}: {esc(link['target'])}")
    if d.get("categories"):
        console.print(f"categories: {esc(', '.join(d['categories']))}")
    for n in d.get("notes") or []:
        console.print(
            f"[dim]note[/dim] {esc(n['field'])}: {esc(repr(n['original']))} → "
            f"{esc(repr(n['value']))} ({esc(n['rule'])})"
        )
    for p in d.get("problems") or []:
        console.print(f"[yellow]{p['severity']}[/yellow] {esc(p['field'])}: {esc(p['message'])}")


def _print_requirements(req: dict) -> None:
    """What making the design needs, as the matching engine reads it."""
    if not req.get("items"):
        console.print("[dim]requirements: none known[/dim]")
        return
    title = "Requirements" + (" (inferred from the text)" if req.get("inferred") else "")
    t = Table("part", "process", "material", "size (mm)", "qty", "origin", "from", title=title)
    for r in req["items"]:
        size = " x ".join(f"{v:g}" for v in r["size_mm"]) if r["size_mm"] else ""
        origin = r["origin"] + (f" ({r['confidence']:.2f})" if r["origin"] != "stated" else "")
        t.add_row(
            esc(r["part"]),
            esc(" or ".join(r["processes"])),
            esc(" or ".join(r["materials"])),
            size,
            str(r["quantity"]),
            esc(origin),
            esc(r["basis"]),
        )
    console.print(t)
    for name in req.get("unknown_parts") or []:
        console.print(f"[yellow]part without a known process:[/yellow] {esc(name)}")


@designs_app.command("measure")
def measure_command(
    ident: str = typer.Argument(..., help="Design id (number) or key."),
    files: list[Path] = typer.Argument(..., help="STL, 3MF or OBJ meshes of its parts."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Measure meshes onto a design's parts (matched by file name) and save the sizes."""
    from refaire.registry.designs import UnknownDesign
    from refaire.registry.part_meshes import MAX_BYTES, attach_meshes

    uploads = []
    for path in files:
        try:
            with path.open("rb") as handle:
                uploads.append((path.name, handle.read(MAX_BYTES + 1)))
        except OSError as exc:
            fail(f"{path}: {exc.strerror or exc}")
    store = open_db(db)
    try:
        result = attach_meshes(store, ident, uploads)
    except UnknownDesign as exc:
        fail(str(exc))
        return
    from refaire.people import OPERATOR
    from refaire.people.audit import record_write

    files = [name for name, _ in uploads]
    record_write(store, OPERATOR, "design.meshes", "design", ident, None, {"files": files})
    if as_json:
        print_json(result)
        return
    t = Table(
        "file", "part", "size (mm)", "volume (cm³)", "status", title=esc(result["design"]["name"])
    )
    for f in result["files"]:
        dims = f["dimensions"]
        size = " x ".join(f"{dims[k]:.4g}" for k in ("width", "depth", "height")) if dims else ""
        volume = (f["measurement"] or {}).get("volume_mm3")
        status = (
            f"[red]{esc(f['reason'])}[/red]"
            if f["reason"]
            else ("new part" if f["created"] else f"{dims['source'] if dims else ''}")
        )
        t.add_row(
            esc(f["file"]), esc(f["part"]), size, f"{volume / 1000:.2f}" if volume else "", status
        )
    console.print(t)
    for f in result["files"]:
        for p in f["problems"]:
            console.print(f"{esc(f['file'])}: [yellow]{p['severity']}[/yellow] {esc(p['message'])}")
    if not result["saved"]:
        raise typer.Exit(1)


@export_app.command("designs")
def export_designs_command(
    fmt: str = typer.Option("json", "--format", help="okh-toml, json, csv or ttl."),
    out: Path = typer.Option(
        ..., "--out", help="A directory (okh-toml: one file per design) or a file."
    ),
    db: str | None = DbOption,
) -> None:
    """Export every design: OKH TOML, JSON, CSV or RDF Turtle (OKH ontology)."""
    from refaire.registry.export import FORMATS, export_designs

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}.", 2)
    store = open_db(db)
    n = export_designs(store, fmt, out)
    console.print(f"exported {n} designs as {fmt} to {esc(out)}")


def register(app: typer.Typer) -> None:
    app.add_typer(designs_app, name="designs")
    app.add_typer(export_app, name="export")
