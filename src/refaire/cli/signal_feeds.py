"""`refaire signals feeds add|list|show|remove|poll` (the watch reads RSS/Atom feeds) and
`refaire signals tag` (an analyst confirms or corrects a signal's tags)."""

from __future__ import annotations

import typer

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
from refaire.cli.observe import signals_app

_feeds = lazy("refaire.observatory.feeds")
_signals = lazy("refaire.observatory.signals")
_people = lazy("refaire.people")

feeds_app = typer.Typer(
    help="RSS/Atom feeds whose items become signals (tagged by inference).",
    no_args_is_help=True,
)


def _run_line(feed_id: int, run: dict) -> str:
    line = (
        f"feed {feed_id}: {run['items']} items, {run['added']} new signals, "
        f"{run['duplicates']} duplicates, {run['skipped']} skipped"
        + (" (not modified)" if run["http_status"] == 304 else "")
    )
    return line + (f"; error: {run['error']}" if run["error"] else "")


@feeds_app.command("add")
def add_command(
    url: str = typer.Argument(..., help="http(s) URL of an RSS or Atom feed."),
    every: str | None = typer.Option(None, "--every", help="Poll period: 1d, 6h, 30m…"),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Watch a feed (polled by the worker every period; `poll` polls it now)."""
    try:
        detail = _feeds.add_feed(open_db(db, create=True), url, every, _people.OPERATOR)
    except _feeds.FeedInputError as exc:
        fail(str(exc), 2)
        return
    if as_json:
        print_json(detail)
        return
    every_text = f"every {detail['every_s']} s" if detail["every_s"] else "only when asked"
    console.print(f"feed {detail['id']} watched: {esc(detail['url'])} ({every_text})")


@feeds_app.command("list")
def list_command(db: str | None = DbOption, as_json: bool = JsonOption) -> None:
    """Watched feeds with their last poll."""
    page = _feeds.list_feeds(open_db(db))
    if as_json:
        print_json(page)
        return
    table = Table("id", "url", "title", "every (s)", "signals", "last poll", "last error",
                  title=f"{page['total']} feeds")  # fmt: skip
    for f in page["items"]:
        run = f["last_run"] or {}
        table.add_row(
            str(f["id"]), esc(f["url"]), esc(f["title"] or ""), str(f["every_s"] or "–"),
            str(f["signals"]), f["last_polled_at"] or "never", esc(run.get("error") or ""),
        )  # fmt: skip
    console.print(table)


@feeds_app.command("show")
def show_command(
    feed_id: int = typer.Argument(..., min=1),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """A feed with its poll history, newest first."""
    try:
        detail = _feeds.feed_detail(open_db(db), feed_id)
    except _feeds.UnknownFeed:
        fail(f"no feed {feed_id}", 1)
        return
    if as_json:
        print_json(detail)
        return
    console.print(f"feed {detail['id']}: {esc(detail['url'])}; {detail['signals']} signals")
    table = Table("started", "HTTP", "items", "new", "dupes", "skipped", "error", title="history")
    for h in detail["history"]:
        table.add_row(
            h["started_at"], str(h["http_status"] or "–"), str(h["items"]), str(h["added"]),
            str(h["duplicates"]), str(h["skipped"]), esc(h["error"] or ""),
        )  # fmt: skip
    console.print(table)


@feeds_app.command("remove")
def remove_command(
    feed_id: int = typer.Argument(..., min=1),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Stop watching a feed; the signals it gave stay."""
    try:
        _feeds.remove_feed(open_db(db), feed_id, _people.OPERATOR)
    except _feeds.UnknownFeed:
        fail(f"no feed {feed_id}", 1)
        return
    print_json({"removed": feed_id}) if as_json else console.print(f"feed {feed_id} removed")


@feeds_app.command("poll")
def poll_command(
    feed_id: int | None = typer.Argument(None, min=1, help="One feed; none: every feed."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Poll now, in this process (the worker polls due feeds by itself)."""
    store = open_db(db)
    if feed_id is None:
        runs = _feeds.poll_all(store)
    else:
        try:
            runs = [{"feed_id": feed_id, **_feeds.poll_feed(store, feed_id)}]
        except _feeds.UnknownFeed:
            fail(f"no feed {feed_id}", 1)
            return
    if as_json:
        print_json({"runs": runs})
        return
    for run in runs:
        console.print(esc(_run_line(run["feed_id"], run)), soft_wrap=True)
    if not runs:
        console.print("no feed is watched: add one with `refaire signals feeds add URL`")


def tag_command(
    signal_id: int = typer.Argument(..., min=1),
    sector: list[str] = typer.Option(
        [], "--sector", help="Sector id (repeatable): its sectors become these, confirmed."
    ),
    practice: list[str] = typer.Option([], "--practice", help="Practice (repeatable), confirmed."),
    actor: list[str] = typer.Option([], "--actor", help="Actor (repeatable), confirmed."),
    confirm: bool = typer.Option(False, "--confirm", help="Confirm every remaining tag."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Confirm or correct a signal's tags; confirmed tags win over inferred ones."""
    try:
        sig = _signals.tag_signal(
            open_db(db), signal_id, _people.OPERATOR, sectors=sector, practices=practice,
            actors=actor, confirm=confirm,
        )  # fmt: skip
    except _signals.UnknownSignal:
        fail(f"no signal {signal_id}", 1)
        return
    except _signals.SignalError as exc:
        fail(str(exc), 2)
        return
    if as_json:
        print_json(sig)
        return
    for t in sig["tags"]:
        conf = f" (confidence {t['confidence']:.2f})" if t["confidence"] is not None else ""
        console.print(esc(f"{t['kind']}: {t['value']} — {t['origin']}{conf}"))


def register(app: typer.Typer) -> None:
    # `signals` itself is registered by cli.observe; feeds and tag join it
    signals_app.add_typer(feeds_app, name="feeds")
    signals_app.command("tag")(tag_command)
