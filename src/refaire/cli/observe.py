"""`refaire observe` (the observatory's figures) and `refaire signals add|list` (weak signals)."""

from __future__ import annotations

from typing import Any

import typer

from refaire.cli import _commands
from refaire.cli._commands import summary
from refaire.cli._common import (
    DbOption,
    JsonOption,
    Table,
    console,
    err_console,
    open_db,
    print_json,
)
from refaire.cli._common import esc as escape
from refaire.contract.bounds import MAX_OFFSET
from refaire.observatory.practices import PRACTICES

signals_app = typer.Typer(help=summary("signals"), no_args_is_help=True)


# The service names its fields as the API does; the command line answers with its flags.
_SIGNAL_FLAGS = {
    "title": "--title",
    "url": "--url",
    "published": "--date",
    "summary": "--summary",
    "sectors": "--sector",
    "practices": "--practice",
    "actors": "--actor",
}

_PRACTICE_HELP = f"Practice (repeatable): {', '.join(PRACTICES)}."


def _usage_error(message: str) -> None:
    err_console.print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(2)


def _pct(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}%"


def observe_command(
    sector: str | None = typer.Option(
        None, "--sector", help="Only designs of this sector (A61, H…)."
    ),
    country: str | None = typer.Option(
        None, "--country", help="Only designs and facilities of this country (two letters)."
    ),
    radius_km: float = typer.Option(
        50.0, "--radius-km", help="Radius of local making in km (above 0, at most 20000)."
    ),
    no_coverage: bool = typer.Option(
        False, "--no-coverage", help="Skip the matching engine (local making not computed)."
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    # its help is its line in _commands.COMMANDS, written once
    from refaire.observatory.figures import FilterError, dashboard

    store = open_db(db)
    try:
        with console.status("computing the observatory…") if not as_json else _nothing():
            d = dashboard(
                store,
                sector=sector,
                country=country,
                with_coverage=not no_coverage,
                radius_km=radius_km,
            )
        if d["filters"]["sector"]:
            from refaire.observatory.sector_report import sector_report

            d["sector_report"] = sector_report(
                store, d["filters"]["sector"], with_coverage=not no_coverage
            )
    except FilterError as exc:
        _usage_error(str(exc))
        return
    if as_json:
        print_json(d)
        return
    _print(d)
    if "sector_report" in d:
        _print_sector(d["sector_report"])


def _print_sector(r: dict[str, Any]) -> None:
    """The sector's report: index and components, best documented designs, where made."""
    s = r["index"]
    console.rule(f"sector {escape(r['sector'])} · {escape(r['label'])}")
    if s is None:
        console.print("no design belongs to this sector yet")
        return
    if s["too_few"]:
        console.print(f"index: too few to say ({s['designs']} designs)")
    elif s["index"] is not None:
        lo, hi = s["interval"]
        console.print(
            f"index [bold]{s['index']:.1f}[/bold] [95 % interval {lo:.1f}–{hi:.1f}], "
            f"rank {s['rank']} of {r['ranked_in_level']}"
        )
    comps = Table("component", "value", "percentile rank", "rank without it")
    loo = r["leave_one_out"] or {"without": {}}
    for c in ("local_making", "momentum", "community", "maturity", "documentation"):
        raw = s["raw"][c]
        shown = "–" if raw is None else (f"{raw:.2f}" if c == "community" else _pct(raw, 1))
        if c == "local_making" and s["raw"]["local_making_probable"] is not None:
            shown += f" (probable {_pct(s['raw']['local_making_probable'], 1)})"
        comps.add_row(c, shown, _pct(s["components"][c]), str(loo["without"].get(c) or "–"))
    console.print(comps)
    designs = Table("id", "design", "completeness", "OTRL", "sector", title="best documented")
    for x in r["designs"]["items"][:15]:
        conf = x["sector_confidence"]
        designs.add_row(
            str(x["id"]),
            escape(x["name"]),
            _pct(x["completeness"]),
            str(x["otrl"] or "–"),
            "declared" if conf is None else f"inferred {conf:.2f}",
        )
    console.print(designs)
    where = r["where_made"]
    if where and where["computed"]:
        console.print(
            "where made (designs one facility can make alone): "
            + escape(", ".join(f"{c['country']} {c['designs']}" for c in where["countries"][:12]))
        )


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _print(d: dict[str, Any]) -> None:
    tot = d["totals"]
    flt = escape(", ".join(f"{k}={v}" for k, v in d["filters"].items() if v) or "none")
    console.print(
        f"[bold]{tot['designs']}[/bold] designs, [bold]{tot['facilities']}[/bold] facilities in "
        f"{tot['facility_countries']} countries, {tot['signals']} signals "
        f"(filters: {flt}); mean completeness {_pct(tot['mean_completeness'])}, "
        f"OTRL ≥ 4: {_pct(tot['mature_share'])}"
    )
    cov = d["coverage"]
    if not cov["computed"]:
        console.print(f"[yellow]local making not computed:[/yellow] {escape(cov['reason'] or '')}")
    else:
        console.print(
            f"designs one facility can make: {cov['makeable']}, of which "
            f"{cov['makeable_stated']} on stated facts alone; not counted: "
            f"{cov['known_parts_only']} made for every known part only "
            f"({cov['with_unknown_parts']} designs have parts of unknown requirements)"
        )
    table = Table(
        "sector",
        "label",
        "designs",
        "declared/inferred",
        "L (probable)",
        "Mo",
        "C",
        "M",
        "D",
        "index [95 % interval]",
        "rank",
        title="Transformation potential by sector: 100 × mean of the percentile ranks of "
        "local making L, momentum Mo, community C, maturity M, documentation D (raw values shown)",
    )
    for s in d["sectors"]:
        if s["level"] != "section":
            continue
        r = s["raw"]
        if s["too_few"]:
            shown = "too few to say"
        elif s["index"] is None:
            shown = "–"
        else:
            lo, hi = s["interval"]
            shown = f"{s['index']:.1f} [{lo:.1f}–{hi:.1f}]"
        table.add_row(
            escape(s["id"]),
            escape(s["label"]),
            str(s["designs"]),
            f"{s['declared']}/{s['inferred']}",
            f"{_pct(r['local_making'], 1)} ({_pct(r['local_making_probable'], 1)})",
            _pct(r["momentum"]),
            f"{r['community']:.2f}" if r["community"] is not None else "–",
            _pct(r["maturity"]),
            _pct(r["documentation"]),
            shown,
            str(s["rank"] or "–"),
        )
    console.print(table)
    countries = Table("country", "facilities", "per million", "designs", title="Countries (top 15)")
    for r in d["countries"][:15]:
        pm = r["facilities_per_million"]
        countries.add_row(
            f"{escape(r['country'])} {escape(r['name'])}",
            str(r["facilities"]),
            "–" if pm is None else f"{pm:.2f}",
            str(r["designs"]),
        )
    console.print(countries)
    small = Table("figure", "values")
    small.add_row(
        "openness", escape(", ".join(f"{r['value']} {r['designs']}" for r in d["openness"]))
    )
    small.add_row(
        "OTRL",
        escape(", ".join(f"{r['level'] or '?'}: {r['designs']}" for r in d["readiness"]["otrl"])),
    )
    small.add_row(
        "completeness",
        ", ".join(f"{r['element']} {_pct(r['share'])}" for r in d["completeness"]["elements"]),
    )
    small.add_row(
        "platforms", escape(", ".join(f"{r['value']} {r['designs']}" for r in d["platforms"][:8]))
    )
    small.add_row(
        "growth",
        ", ".join(f"{g['year']}: {g['created'] + g['certified']}" for g in d["growth"][-10:]),
    )
    console.print(small)
    console.print("[dim]Methods: `refaire observe --json` gives each figure's method text.[/dim]")


@signals_app.command("add")
def add_command(
    title: str = typer.Option(..., "--title", help="Title of the article, event or news."),
    url: str = typer.Option(..., "--url", help="Its http(s) URL."),
    published: str = typer.Option(..., "--date", help="Publication date, YYYY-MM-DD."),
    summary: str | None = typer.Option(None, "--summary", help="A few sentences."),
    sector: list[str] = typer.Option([], "--sector", help="Sector id (repeatable): A61, H…"),
    practice: list[str] = typer.Option([], "--practice", help=_PRACTICE_HELP),
    actor: list[str] = typer.Option([], "--actor", help="Actor named (repeatable)."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Record a signal (an article, event or project news) with its tags."""
    from refaire.observatory.signals import SignalError, add_signal
    from refaire.people import OPERATOR

    store = open_db(db, create=True)
    try:
        sig = add_signal(
            store,
            title=title,
            url=url,
            published=published,
            summary=summary,
            sectors=sector,
            practices=practice,
            actors=actor,
            actor=OPERATOR,
        )
    except SignalError as exc:
        for fld, msg in exc.errors:
            flag = _SIGNAL_FLAGS.get(fld, fld)
            err_console.print(f"[red]error:[/red] {flag}: {escape(msg)}", soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        print_json(sig)
        return
    console.print(
        f"signal {sig['id']} recorded: {escape(sig['title'])} ({escape(sig['published'])})"
    )


@signals_app.command("list")
def list_command(
    sector: str | None = typer.Option(
        None, "--sector", help="Only signals tagged with this sector."
    ),
    tag: str | None = typer.Option(
        None, "--tag", help="Only signals with this practice/actor/sector tag."
    ),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="How many to show."),
    offset: int = typer.Option(
        0, "--offset", min=0, max=MAX_OFFSET, help="Skip this many (pagination)."
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """List recorded signals, newest first."""
    from refaire.observatory.signals import SignalError, list_signals

    store = open_db(db)
    try:
        result = list_signals(store, sector=sector, tag=tag, limit=limit, offset=offset)
    except SignalError as exc:
        _usage_error(str(exc))
        return
    if as_json:
        print_json(result)
        return
    table = Table("id", "date", "title", "sectors", "practices", "actors")
    for s in result["items"]:
        table.add_row(
            str(s["id"]),
            escape(s["published"]),
            escape(s["title"]),
            *(escape(", ".join(_tag_text(t) for t in s["tags"] if t["kind"] == k)) for k in KINDS),
        )
    console.print(table)
    if any(t["origin"] == "inferred" for s in result["items"] for t in s["tags"]):
        console.print("[dim]~ inferred (confidence); ✓ confirmed by an analyst[/dim]")
    console.print(f"{result['total']} signals match.")


KINDS = ("sector", "practice", "actor")


def _tag_text(tag: dict[str, Any]) -> str:
    """A tag as text, the inferred ones marked so they never read as stated."""
    if tag["origin"] == "inferred":
        conf = f" {tag['confidence']:.2f}" if tag["confidence"] is not None else ""
        return f"~{tag['value']}{conf}"
    return tag["value"] + (" ✓" if tag["origin"] == "confirmed" else "")


def register(app: typer.Typer) -> None:
    app.command("observe", help=_commands.summary("observe"))(observe_command)
    app.add_typer(signals_app, name="signals")
