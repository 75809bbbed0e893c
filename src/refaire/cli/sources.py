"""`refaire sources add|list|show|remove|crawl`: the sources this instance crawls."""

from __future__ import annotations

import typer

from refaire.cli._commands import summary
from refaire.cli._common import (
    DbOption,
    JsonOption,
    Table,
    console,
    esc,
    fail,
    lazy,
    open_db,
    print_json,
)

_sources = lazy("refaire.crawl.sources")
_people = lazy("refaire.people")

sources_app = typer.Typer(
    help=summary("sources"),
    no_args_is_help=True,
)


def _show(detail: dict) -> None:
    every = f"every {detail['every_s']} s" if detail["every_s"] else "only when asked"
    console.print(
        f"source {detail['id']}: {esc(detail['url'])} ({every}); {detail['documents']} documents, "
        f"{detail['withdrawn_documents']} withdrawn; last crawl {detail['last_crawled_at'] or 'never'}"
    )


def _history(entries: list[dict]) -> None:
    table = Table("started", "HTTP", "docs", "304", "changed", "added", "updated", "withdrawn",
                  "errors", title="history")  # fmt: skip
    for h in entries:
        errors = "; ".join(f"{e['url']}: {e['message']}" for e in h["errors"][:3])
        table.add_row(
            h["started_at"], str(h["http_status"] or "–"), str(h["documents"]),
            str(h["not_modified"]), str(h["changed"]), str(h["added"]), str(h["updated"]),
            str(h["withdrawn"]), esc(errors + (" …" if len(h["errors"]) > 3 else "")),
        )  # fmt: skip
    console.print(table)


@sources_app.command("add")
def add_command(
    url: str = typer.Argument(
        ..., help="http(s) URL of a manifest, a list of URLs, a facility list."
    ),
    every: str | None = typer.Option(None, "--every", help="Crawl period: 1d, 6h, 30m…"),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a source (crawled by the worker every period; `crawl` crawls it now)."""
    try:
        detail = _sources.add_source(open_db(db), url, every, _people.OPERATOR)
    except _sources.SourceError as exc:
        fail(str(exc), 2)
        return
    print_json(detail) if as_json else _show(detail)


@sources_app.command("list")
def list_command(
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="How many to show."),
    offset: int = typer.Option(0, "--offset", min=0, help="How many to skip (paging)."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Sources with their documents and last crawl."""
    page = _sources.list_sources(open_db(db), limit=limit, offset=offset)
    if as_json:
        print_json(page)
        return
    table = Table("id", "url", "every (s)", "docs", "withdrawn", "last crawl",
                  title=f"{page['total']} sources")  # fmt: skip
    for s in page["items"]:
        table.add_row(
            str(s["id"]), esc(s["url"]), str(s["every_s"] or "–"), str(s["documents"]),
            str(s["withdrawn_documents"]), s["last_crawled_at"] or "never",
        )  # fmt: skip
    console.print(table)


@sources_app.command("show")
def show_command(
    source_id: int = typer.Argument(..., min=1),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """A source with its crawl history and withdrawn documents."""
    try:
        detail = _sources.source_detail(open_db(db), source_id)
    except _sources.UnknownSource:
        fail(f"no source {source_id}")
        return
    if as_json:
        print_json(detail)
        return
    _show(detail)
    _history(detail["history"])
    for w in detail["withdrawn"]:
        console.print(f"withdrawn {w['withdrawn_at']}: {esc(w['url'])}")


@sources_app.command("remove")
def remove_command(
    source_id: int = typer.Argument(..., min=1),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Stop crawling a source (the records it brought stay)."""
    try:
        _sources.remove_source(open_db(db), source_id, _people.OPERATOR)
    except _sources.UnknownSource:
        fail(f"no source {source_id}")
        return
    print_json({"removed": source_id}) if as_json else console.print(f"source {source_id} removed")


@sources_app.command("crawl")
def crawl_command(
    source_id: int = typer.Argument(..., min=1),
    queue: bool = typer.Option(False, "--queue", help="Queue it as a job instead of now."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Crawl a source now (or queue the crawl for the worker)."""
    store = open_db(db)
    try:
        _sources.source_detail(store, source_id, history=0)
        if queue:
            from refaire.jobs.queue import submit
            from refaire.jobs.tasks import crawl

            job = submit(store, crawl, source_id, label=f"crawl of source {source_id}")
            print_json({"job": job}) if as_json else console.print(f"queued as job {job}")
            return
        entry = _sources.crawl_source(store, source_id)
    except _sources.UnknownSource:
        fail(f"no source {source_id}")
        return
    if as_json:
        print_json(entry)
        return
    _history([entry])


def register(app: typer.Typer) -> None:
    app.add_typer(sources_app, name="sources")
