"""The watch reads feeds: RSS/Atom feeds added, listed, removed and polled.

A poll fetches the feed with the crawler's client (`crawl.fetch.Fetcher`: SSRF guard,
robots.txt, conditional GET, size and time limits), reads it (`feed_items.parse_feed`) and
stores each new item as a signal in its own transaction, so one bad item never loses the
others. An item is new unless a signal has its URL or a near-identical title
(`dedupe`). Every poll leaves one history row, with the error when the feed could not be
read (HTML page, malformed beyond repair, refused address, network): nothing raises.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, func, insert, select, update

from refaire.crawl.fetch import Fetcher
from refaire.crawl.sources import SourceError, parse_every
from refaire.observatory.dedupe import RECENT, near_duplicate, normalise_title
from refaire.observatory.feed_items import FeedError, Item, parse_feed
from refaire.people.actor import Actor
from refaire.people.audit import record
from refaire.store import Store
from refaire.store.tables import signal_feed_runs, signal_feeds, signal_tags, signals

MAX_FEED_BYTES = 5 * 1024 * 1024


class UnknownFeed(LookupError):
    pass


class FeedInputError(ValueError):
    """Bad input: `errors` lists every (field, message)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _feed_dict(row: Any) -> dict[str, Any]:
    return {
        "id": row.id, "url": row.url, "title": row.title, "every_s": row.every_s,
        "added_by": row.added_by, "added_at": row.added_at,
        "last_polled_at": row.last_polled_at, "next_due_at": row.next_due_at,
    }  # fmt: skip


def add_feed(store: Store, url: str, every: str | None, by: Actor) -> dict[str, Any]:
    url = (url or "").strip()
    errors: list[tuple[str, str]] = []
    split = urlsplit(url)
    if split.scheme not in ("http", "https") or not split.netloc or " " in url or len(url) > 2000:
        errors.append(("url", "an http:// or https:// URL with a host, at most 2,000 characters"))
    every_s = None
    try:
        every_s = parse_every(every)
    except SourceError as exc:
        errors.extend(exc.errors)
    if errors:
        raise FeedInputError(errors)
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        if conn.execute(select(signal_feeds.c.id).where(signal_feeds.c.url == url)).first():
            raise FeedInputError([("url", "this feed is watched already")])
        values = {
            "url": url, "every_s": every_s, "added_by": by.label, "added_at": _iso(now),
            "next_due_at": _iso(now) if every_s else None,
        }  # fmt: skip
        new_id = conn.execute(insert(signal_feeds).values(**values)).inserted_primary_key[0]
        record(
            conn, by, "feed.add", "signal_feed", str(new_id), None, {"url": url, "every_s": every_s}
        )
    return feed_detail(store, new_id)


def remove_feed(store: Store, feed_id: int, by: Actor) -> None:
    """Stop watching a feed; the signals it gave stay (they are news that was published)."""
    with store.engine.begin() as conn:
        row = conn.execute(select(signal_feeds).where(signal_feeds.c.id == feed_id)).first()
        if row is None:
            raise UnknownFeed(feed_id)
        conn.execute(delete(signal_feed_runs).where(signal_feed_runs.c.feed_id == feed_id))
        conn.execute(delete(signal_feeds).where(signal_feeds.c.id == feed_id))
        record(conn, by, "feed.remove", "signal_feed", str(feed_id), {"url": row.url}, None)


def _run_dict(row: Any) -> dict[str, Any]:
    return {
        "started_at": row.started_at, "finished_at": row.finished_at,
        "http_status": row.http_status, "items": row.items, "added": row.added,
        "duplicates": row.duplicates, "skipped": row.skipped, "error": row.error,
    }  # fmt: skip


def list_feeds(store: Store) -> dict[str, Any]:
    """Every watched feed with its last poll (there are few: no paging)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(signal_feeds).order_by(signal_feeds.c.id)).all()
        last: dict[int, Any] = {}
        for run in conn.execute(select(signal_feed_runs).order_by(signal_feed_runs.c.id)):
            last[run.feed_id] = run
        gave = dict(
            conn.execute(
                select(signals.c.feed_id, func.count())
                .where(signals.c.feed_id.is_not(None))
                .group_by(signals.c.feed_id)
            ).all()
        )
    items = []
    for row in rows:
        out = _feed_dict(row)
        out["signals"] = gave.get(row.id, 0)
        out["last_run"] = _run_dict(last[row.id]) if row.id in last else None
        items.append(out)
    return {"total": len(items), "items": items}


def feed_detail(store: Store, feed_id: int, history: int = 20) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(select(signal_feeds).where(signal_feeds.c.id == feed_id)).first()
        if row is None:
            raise UnknownFeed(feed_id)
        runs = conn.execute(
            select(signal_feed_runs)
            .where(signal_feed_runs.c.feed_id == feed_id)
            .order_by(signal_feed_runs.c.id.desc())
            .limit(history)
        ).all()
        gave = conn.execute(
            select(func.count()).select_from(signals).where(signals.c.feed_id == feed_id)
        ).scalar_one()
    out = _feed_dict(row)
    out["signals"] = gave
    out["history"] = [_run_dict(r) for r in runs]
    return out


def due_feeds(store: Store) -> list[int]:
    """Feeds whose poll is due; their next date moves on at once (compare-and-set), so two
    schedulers ticking together do not queue one feed twice."""
    now = datetime.now(UTC)
    taken = []
    with store.engine.begin() as conn:
        rows = conn.execute(
            select(signal_feeds.c.id, signal_feeds.c.every_s, signal_feeds.c.next_due_at)
            .where(signal_feeds.c.every_s.is_not(None))
            .where(signal_feeds.c.next_due_at <= _iso(now))
        ).all()
        for row in rows:
            done = conn.execute(
                update(signal_feeds)
                .where(signal_feeds.c.id == row.id)
                .where(signal_feeds.c.next_due_at == row.next_due_at)
                .values(next_due_at=_iso(now + timedelta(seconds=row.every_s)))
            )
            if done.rowcount == 1:
                taken.append(row.id)
    return taken


def _store_item(store: Store, feed_id: int, item: Item, norm: str, now: str) -> int:
    """One item as a signal with its tags, in one transaction."""
    with store.engine.begin() as conn:
        sid = conn.execute(
            insert(signals).returning(signals.c.id),
            {
                "title": item.title, "url": item.url, "published": item.published,
                "summary": item.summary, "created_at": now, "feed_id": feed_id,
                "norm_title": norm[:500],
            },
        ).scalar_one()  # fmt: skip
        if item.tags:
            conn.execute(
                insert(signal_tags),
                [
                    {"signal_id": sid, "kind": k, "value": v, "origin": o, "confidence": c}
                    for k, v, o, c in item.tags
                ],
            )
    return sid


def poll_feed(store: Store, feed_id: int, fetcher: Fetcher | None = None) -> dict[str, Any]:
    """Poll one feed now; returns the history entry written (never raises for the feed)."""
    started = datetime.now(UTC)
    with store.engine.connect() as conn:
        feed = conn.execute(select(signal_feeds).where(signal_feeds.c.id == feed_id)).first()
        if feed is None:
            raise UnknownFeed(feed_id)
    entry: dict[str, Any] = {
        "feed_id": feed_id, "started_at": _iso(started), "http_status": None,
        "items": 0, "added": 0, "duplicates": 0, "skipped": 0, "error": None,
    }  # fmt: skip
    feed_values: dict[str, Any] = {}
    client = fetcher or Fetcher(max_bytes=MAX_FEED_BYTES)
    with client:
        answer = client.fetch(feed.url, feed.etag, feed.last_modified)
    entry["http_status"] = answer.status
    problems: list[str] = []
    if answer.error is not None:
        problems.append(answer.error)
    elif answer.not_modified:
        pass
    elif answer.status != 200 or answer.body is None:
        problems.append(f"HTTP {answer.status}: no feed")
    else:
        try:
            parsed = parse_feed(answer.body, started.date(), answer.content_type)
        except FeedError as exc:
            problems.append(str(exc))
        except Exception as exc:  # a parser crash on hostile bytes is this feed's error only
            problems.append(f"the feed could not be read: {type(exc).__name__}: {exc}"[:500])
        else:
            feed_values.update(etag=answer.etag, last_modified=answer.last_modified)
            if parsed.title:
                feed_values["title"] = parsed.title[:500]
            if parsed.warning:
                problems.append(parsed.warning)
            problems.extend(parsed.skipped[:20])
            entry["items"] = len(parsed.items) + len(parsed.skipped)
            entry["skipped"] = len(parsed.skipped)
            _take_items(store, feed_id, parsed.items, entry, problems)
    finished = datetime.now(UTC)
    entry["finished_at"] = _iso(finished)
    entry["error"] = "; ".join(problems)[:4000] or None
    next_due = _iso(finished + timedelta(seconds=feed.every_s)) if feed.every_s else None
    with store.engine.begin() as conn:
        conn.execute(insert(signal_feed_runs).values(**entry))
        conn.execute(
            update(signal_feeds)
            .where(signal_feeds.c.id == feed_id)
            .values(last_polled_at=_iso(finished), next_due_at=next_due, **feed_values)
        )
    entry.pop("feed_id")
    return entry


def _take_items(
    store: Store, feed_id: int, items: list[Item], entry: dict[str, Any], problems: list[str]
) -> None:
    now = _iso(datetime.now(UTC))
    with store.engine.connect() as conn:
        recent = [
            r[0]
            for r in conn.execute(
                select(signals.c.norm_title).order_by(signals.c.id.desc()).limit(RECENT)
            )
        ]
        urls = {i.url for i in items}
        known_urls = {
            r[0] for r in conn.execute(select(signals.c.url).where(signals.c.url.in_(urls)))
        } if urls else set()  # fmt: skip
    for item in items:
        norm = normalise_title(item.title)
        if item.url in known_urls or near_duplicate(norm, recent) is not None:
            entry["duplicates"] += 1
            continue
        try:
            _store_item(store, feed_id, item, norm, now)
        except Exception as exc:  # one item's failure (a value the store refuses) only
            entry["skipped"] += 1
            problems.append(f"{item.url}: not stored: {type(exc).__name__}"[:300])
            continue
        entry["added"] += 1
        known_urls.add(item.url)
        recent.insert(0, norm)


def poll_all(store: Store) -> list[dict[str, Any]]:
    """Poll every watched feed now, one after the other."""
    with store.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(select(signal_feeds.c.id).order_by(signal_feeds.c.id))]
    out = []
    for fid in ids:
        try:
            out.append({"feed_id": fid, **poll_feed(store, fid)})
        except UnknownFeed:
            continue  # removed meanwhile
    return out
