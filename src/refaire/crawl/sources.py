"""The crawl service: sources added, listed, shown, removed and crawled.

A crawl fetches the source's URL conditionally; a list source leads to its documents, each
fetched conditionally too. Documents that changed (new bytes) go through the ordinary
import runner in one run (`ingest.runner.import_source_list`), so records are read and
merged exactly as `refaire import URL` does. A document answering 404/410 `gone_after`
crawls in a row is withdrawn: its row and the designs it gave get `withdrawn_at`; nothing
is deleted, and a document that comes back is restored. Each crawl leaves one history row.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from refaire.crawl.documents import FetchedSource, listed_urls, looks_like_html
from refaire.crawl.fetch import Answer, Fetcher
from refaire.ingest.runner import import_source_list
from refaire.people.actor import Actor
from refaire.people.audit import record
from refaire.store import Store
from refaire.store.tables import crawl_documents, crawl_history, crawl_sources, designs

EVERY = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_EVERY_S = 60
MAX_ERRORS = 100


class UnknownSource(LookupError):
    pass


class SourceError(ValueError):
    """Bad input: `errors` lists every (field, message)."""

    def __init__(self, errors: list[tuple[str, str]], key: str) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors
        self.key = key  # the locale key of the sentence pages show (`sources.error.*`)


def gone_after() -> int:
    """Crawls in a row a document must answer 404/410 before its records are withdrawn."""
    try:
        return max(1, int(os.environ.get("REFAIRE_CRAWL_GONE_AFTER", "3")))
    except ValueError:
        return 3


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def parse_every(text: str | None) -> int | None:
    """`1d`, `6h`, `30m`, `90s` → seconds (at least a minute); None or "" → never by itself."""
    if text is None or not text.strip():
        return None
    found = EVERY.match(text)
    if not found:
        raise SourceError(
            [("every", f"{text!r} is not a period like 1d, 6h or 30m")], "sources.error.every"
        )
    seconds = int(found.group(1)) * UNIT_S[found.group(2)]
    if seconds < MIN_EVERY_S:
        raise SourceError(
            [("every", f"at least {MIN_EVERY_S} s between two crawls")], "sources.error.every_min"
        )
    return seconds


def _check_url(url: str) -> str:
    url = url.strip()
    if not re.match(r"^https?://[^/\s]+", url) or len(url) > 2000:
        raise SourceError(
            [("url", "an http:// or https:// URL with a host, at most 2,000 characters")],
            "sources.error.url",
        )
    return url


def _source_dict(row: Any, documents: int = 0, withdrawn: int = 0) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "every_s": row.every_s,
        "added_by": row.added_by,
        "added_at": row.added_at,
        "last_crawled_at": row.last_crawled_at,
        "next_due_at": row.next_due_at,
        "documents": documents,
        "withdrawn_documents": withdrawn,
    }


def add_source(store: Store, url: str, every: str | None, by: Actor) -> dict[str, Any]:
    url = _check_url(url)
    every_s = parse_every(every)
    now = _now()
    with store.engine.begin() as conn:
        if conn.execute(select(crawl_sources.c.id).where(crawl_sources.c.url == url)).first():
            raise SourceError([("url", "this URL is a source already")], "sources.error.taken")
        values = {
            "url": url, "every_s": every_s, "added_by": by.label, "added_at": _iso(now),
            "next_due_at": _iso(now) if every_s else None,
        }  # fmt: skip
        new_id = conn.execute(insert(crawl_sources).values(**values)).inserted_primary_key[0]
        record(
            conn, by, "source.add", "source", str(new_id), None, {"url": url, "every_s": every_s}
        )
    return source_detail(store, new_id)


def remove_source(store: Store, source_id: int, by: Actor) -> None:
    """Forget a source and its history; the records it brought stay (they are facts)."""
    with store.engine.begin() as conn:
        row = conn.execute(select(crawl_sources).where(crawl_sources.c.id == source_id)).first()
        if row is None:
            raise UnknownSource(source_id)
        conn.execute(delete(crawl_documents).where(crawl_documents.c.source_id == source_id))
        conn.execute(delete(crawl_history).where(crawl_history.c.source_id == source_id))
        conn.execute(delete(crawl_sources).where(crawl_sources.c.id == source_id))
        record(conn, by, "source.remove", "source", str(source_id), {"url": row.url}, None)


def list_sources(store: Store, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    docs = (
        select(
            crawl_documents.c.source_id,
            func.count().label("n"),
            func.count(crawl_documents.c.withdrawn_at).label("w"),
        )
        .group_by(crawl_documents.c.source_id)
        .subquery()
    )
    query = (
        select(crawl_sources, docs.c.n, docs.c.w)
        .outerjoin(docs, docs.c.source_id == crawl_sources.c.id)
        .order_by(crawl_sources.c.id)
        .limit(limit)
        .offset(offset)
    )
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(crawl_sources)).scalar_one()
        items = [_source_dict(r, r.n or 0, r.w or 0) for r in conn.execute(query)]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def _history_dict(row: Any) -> dict[str, Any]:
    return {
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "http_status": row.http_status,
        "documents": row.documents,
        "not_modified": row.not_modified,
        "changed": row.changed,
        "added": row.added,
        "updated": row.updated,
        "withdrawn": row.withdrawn,
        "errors": row.errors,
    }


def source_detail(store: Store, source_id: int, history: int = 20) -> dict[str, Any]:
    """A source with its newest history entries and its withdrawn documents."""
    with store.engine.connect() as conn:
        row = conn.execute(select(crawl_sources).where(crawl_sources.c.id == source_id)).first()
        if row is None:
            raise UnknownSource(source_id)
        counts = conn.execute(
            select(func.count(), func.count(crawl_documents.c.withdrawn_at)).where(
                crawl_documents.c.source_id == source_id
            )
        ).one()
        runs = conn.execute(
            select(crawl_history)
            .where(crawl_history.c.source_id == source_id)
            .order_by(crawl_history.c.id.desc())
            .limit(history)
        ).all()
        withdrawn = conn.execute(
            select(crawl_documents.c.url, crawl_documents.c.withdrawn_at)
            .where(crawl_documents.c.source_id == source_id)
            .where(crawl_documents.c.withdrawn_at.is_not(None))
            .order_by(crawl_documents.c.url)
            .limit(200)
        ).all()
    out = _source_dict(row, counts[0], counts[1])
    out["history"] = [_history_dict(r) for r in runs]
    out["withdrawn"] = [{"url": w.url, "withdrawn_at": w.withdrawn_at} for w in withdrawn]
    return out


def due_sources(store: Store) -> list[int]:
    """Sources whose next crawl is due; their next date is moved on at once, so a second
    scheduler tick does not queue them twice. The move is a compare-and-set on the old
    date: of several processes' schedulers ticking together, one takes each source."""
    now = _now()
    taken = []
    with store.engine.begin() as conn:
        rows = conn.execute(
            select(crawl_sources.c.id, crawl_sources.c.every_s, crawl_sources.c.next_due_at)
            .where(crawl_sources.c.every_s.is_not(None))
            .where(crawl_sources.c.next_due_at <= _iso(now))
        ).all()
        for row in rows:
            done = conn.execute(
                update(crawl_sources)
                .where(crawl_sources.c.id == row.id)
                .where(crawl_sources.c.next_due_at == row.next_due_at)
                .values(next_due_at=_iso(now + timedelta(seconds=row.every_s)))
            )
            if done.rowcount == 1:
                taken.append(row.id)
    return taken


# --- crawling ------------------------------------------------------------------------------


@dataclass
class _Crawl:
    source_id: int
    known: dict[str, Any]  # url → crawl_documents row
    now: str
    status: int | None = None
    documents: int = 0
    not_modified: int = 0
    changed: int = 0
    withdrawn: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    to_import: list[FetchedSource] = field(default_factory=list)
    updates: dict[str, dict[str, Any]] = field(default_factory=dict)  # url → new row values
    gone: list[str] = field(default_factory=list)  # withdrawn in this crawl
    back: list[str] = field(default_factory=list)  # withdrawn before, answering again

    def error(self, url: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"url": url, "message": message})

    def take(self, answer: Answer, is_list_root: bool = False) -> bytes | None:
        """Book one document's answer; the body when it is new bytes to read."""
        self.documents += 1
        url = answer.url
        old = self.known.get(url)
        values: dict[str, Any] = {"last_status": answer.status}
        if answer.error is not None and not answer.gone:
            self.error(url, answer.error)
            self.updates[url] = values
            return None
        if answer.gone:
            count = (old.gone_count if old is not None else 0) + 1
            values["gone_count"] = count
            if count >= gone_after() and (old is None or old.withdrawn_at is None):
                values["withdrawn_at"] = self.now
                self.gone.append(url)
            self.error(url, f"HTTP {answer.status}: gone ({count} crawl(s) in a row)")
            self.updates[url] = values
            return None
        values.update(gone_count=0, last_seen_at=self.now)
        if old is not None and old.withdrawn_at is not None:
            values["withdrawn_at"] = None
            self.back.append(url)
        if answer.not_modified:
            self.not_modified += 1
            self.updates[url] = values
            return None
        if answer.status != 200 or answer.body is None:
            self.error(url, f"HTTP {answer.status}: no document")
            self.updates[url] = values
            return None
        checksum = hashlib.sha256(answer.body).hexdigest()
        values.update(etag=answer.etag, last_modified=answer.last_modified, checksum=checksum)
        self.updates[url] = values
        if old is not None and old.checksum == checksum and url not in self.back:
            return None  # same bytes from a server without conditional GET
        if not is_list_root:
            self.changed += 1
        return answer.body


def crawl_source(store: Store, source_id: int, fetcher: Fetcher | None = None) -> dict[str, Any]:
    """Crawl one source now; returns the history entry written."""
    started = _now()
    with store.engine.connect() as conn:
        source = conn.execute(select(crawl_sources).where(crawl_sources.c.id == source_id)).first()
        if source is None:
            raise UnknownSource(source_id)
        known = {
            r.url: r
            for r in conn.execute(
                select(crawl_documents).where(crawl_documents.c.source_id == source_id)
            )
        }
    run = _Crawl(source_id, known, _iso(started))
    with fetcher or Fetcher() as client:
        _crawl(run, client, source.url)
    summary = import_source_list(store, run.to_import) if run.to_import else None
    if summary is not None:
        for problem in summary.problems:
            if problem.severity != "info" or problem.message.startswith("skipped"):
                run.error(problem.source, problem.message)
    finished = _now()
    with store.engine.begin() as conn:
        _save_documents(conn, run)
        run.withdrawn = _withdraw(conn, run.gone, run.now)
        _restore(conn, run.back)
        entry = {
            "source_id": source_id, "started_at": run.now, "finished_at": _iso(finished),
            "http_status": run.status, "documents": run.documents,
            "not_modified": run.not_modified, "changed": run.changed,
            "added": summary.imported if summary else 0,
            "updated": summary.updated if summary else 0,
            "withdrawn": run.withdrawn, "errors": run.errors,
        }  # fmt: skip
        conn.execute(insert(crawl_history).values(**entry))
        next_due = _iso(finished + timedelta(seconds=source.every_s)) if source.every_s else None
        conn.execute(
            update(crawl_sources)
            .where(crawl_sources.c.id == source_id)
            .values(last_crawled_at=_iso(finished), next_due_at=next_due)
        )
    entry.pop("source_id")
    return entry


def _crawl(run: _Crawl, client: Fetcher, url: str) -> None:
    root = run.known.get(url)
    answer = client.fetch(url, root.etag if root else None, root.last_modified if root else None)
    run.status = answer.status
    body = run.take(answer, is_list_root=True)
    if answer.not_modified or (body is None and answer.status == 200):
        # unchanged root: a list's documents are still each checked
        urls = [u for u in run.known if u != url]
    elif body is None:
        return
    else:
        listed = listed_urls(url, body)
        if listed is None:
            if looks_like_html(answer.content_type, body):
                run.error(url, "the source answered an HTML page, not a manifest or facility list")
                run.updates[url].update(checksum=None, etag=None, last_modified=None)
                return
            run.changed += 1
            run.to_import.append(FetchedSource(name=url, url=url, data=body))
            return
        urls = list(dict.fromkeys(u for u in listed if u != url))
        # documents dropped from the list are checked too: gone ones get withdrawn
        urls += [u for u in run.known if u != url and u not in set(urls)]
    # documents with validators are first asked "still unchanged?" in bulk where the host
    # allows it; a 304 there is booked as one from `fetch`, anything else is fetched below
    same = client.unchanged([
        (u, run.known[u].etag, run.known[u].last_modified) for u in urls
        if u in run.known and (run.known[u].etag or run.known[u].last_modified)
    ])  # fmt: skip
    for doc_url in urls:
        if doc_url in same:
            run.take(Answer(doc_url, doc_url, status=304, attempts=1))
            continue
        old = run.known.get(doc_url)
        got = client.fetch(doc_url, old.etag if old else None, old.last_modified if old else None)
        data = run.take(got)
        if data is None:
            continue
        if looks_like_html(got.content_type, data):
            run.error(doc_url, "answered an HTML page, not a manifest or facility list")
            run.changed -= 1
            # no validator kept: it is fetched (and reported) again next time
            run.updates[doc_url].update(checksum=None, etag=None, last_modified=None)
            continue
        run.to_import.append(FetchedSource(name=doc_url, url=doc_url, data=data))


def _save_documents(conn: Connection, run: _Crawl) -> None:
    """Every document's new row values, in one executemany per shape of values: a recrawl of
    10,000 unchanged documents is a few statements, not 10,000 (a 304 costs one tuple here)."""
    fresh: list[dict[str, Any]] = []
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for url, values in run.updates.items():
        old = run.known.get(url)
        if old is None:
            fresh.append({"source_id": run.source_id, "url": url, **values})
        else:
            shapes.setdefault(tuple(sorted(values)), []).append({"doc_id": old.id, **values})
    for columns, rows in shapes.items():
        conn.execute(
            update(crawl_documents)
            .where(crawl_documents.c.id == bindparam("doc_id"))
            .values({c: bindparam(c) for c in columns}),
            rows,
        )
    # inserted rows differ in their keys (a 404 has no etag): one shape each, as above
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in fresh:
        by_shape.setdefault(tuple(sorted(row)), []).append(row)
    for rows in by_shape.values():
        conn.execute(insert(crawl_documents), rows)


def _withdraw(conn: Connection, urls: list[str], when: str) -> int:
    """Mark the designs of gone documents withdrawn; how many were."""
    count = 0
    for url in urls:
        done = conn.execute(
            update(designs)
            .where(designs.c.source == url)
            .where(designs.c.withdrawn_at.is_(None))
            .values(withdrawn_at=when)
        )
        count += done.rowcount or 0
    return count


def _restore(conn: Connection, urls: list[str]) -> int:
    count = 0
    for url in urls:
        done = conn.execute(
            update(designs).where(designs.c.source == url).values(withdrawn_at=None)
        )
        count += done.rowcount or 0
    return count


