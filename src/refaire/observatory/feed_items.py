"""From a feed's bytes to clean signal candidates: text-only titles, http(s) links, dates,
and tags by the classifiers designs use.

- Parsing is `feedparser`'s (RSS 0.9x/1.0/2.0, Atom, malformed XML it can recover).
  Bytes that are no feed at all (an HTML page, an image) give `FeedError` with a sentence
  saying what came instead.
- Titles and summaries are stripped of every tag (script and style content dropped,
  entities decoded): they are stored and shown as text, never rendered as HTML.
- Sectors: `vocab.sectors.infer_sectors` on title and summary, kept from the same
  confidence as for designs (`ingest.okh_fields.MIN_SECTOR_CONFIDENCE`), marked inferred.
  Practices: keyword rule `PRACTICE_WORDS` (EN/FR), inferred with confidence
  `PRACTICE_CONFIDENCE`. Actors: the item's authors and the feed's own title, stated by
  the feed (what it says, not what we guess).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import feedparser

MAX_ITEMS = 500
PRACTICE_CONFIDENCE = 0.6
PRACTICE_WORDS: dict[str, tuple[str, ...]] = {
    "open-design": (
        "open hardware", "open-source hardware", "open source hardware", "open design",
        "matériel libre", "matériel open source", "conception libre", "oshwa", "open know-how",
    ),
    "fabrication-place": (
        "fablab", "fab lab", "makerspace", "hackerspace", "repair café", "repair cafe",
        "atelier partagé", "tiers-lieu", "tiers lieu", "maker space", "atelier de réparation",
    ),
    "offers": ("quote", "devis", "fabrication service", "service de fabrication"),
    "bookings": ("booking", "réservation", "reserve a machine", "réserver une machine"),
}  # fmt: skip


class FeedError(ValueError):
    """The bytes are not a feed that can be read; the message says what they are."""


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def strip_html(text: str | None) -> str:
    """The text of `text` without any tag; script and style content dropped; one-spaced."""
    if not text:
        return ""
    parser = _Text()
    parser.feed(text)
    parser.close()
    return " ".join("".join(parser.parts).split())


def _http(url: str | None) -> str | None:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc and " " not in url and len(url) <= 2000:
        return url
    return None


def _date(entry: Any, fallback: dt.date) -> tuple[str, bool]:
    """(YYYY-MM-DD, dated by the feed?)"""
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                day = dt.date(value[0], value[1], value[2])
            except (TypeError, ValueError):
                continue
            if 1990 <= day.year <= fallback.year + 1:
                return day.isoformat(), True
    return fallback.isoformat(), False


def practices_of(text: str) -> list[str]:
    low = text.casefold()
    return [p for p, words in PRACTICE_WORDS.items() if any(w in low for w in words)]


@dataclass
class Item:
    title: str
    url: str
    published: str
    dated: bool  # False: the feed gave no date, `published` is the day it was first read
    summary: str | None
    tags: list[tuple[str, str, str, float | None]] = field(default_factory=list)
    # (kind, value, origin, confidence)


@dataclass
class Parsed:
    title: str | None
    items: list[Item]
    skipped: list[str]  # one sentence per item left out
    warning: str | None  # malformed but readable: what the parser complained about


def parse_feed(body: bytes, today: dt.date, content_type: str | None = None) -> Parsed:
    """The items of a feed's bytes; `FeedError` when the bytes are no feed."""
    from refaire.ingest.okh_fields import MIN_SECTOR_CONFIDENCE
    from refaire.vocab.sectors import infer_sectors

    parsed = feedparser.parse(body, sanitize_html=True, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    if not parsed.get("version") and not entries:
        head = body[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or "html" in (content_type or ""):
            raise FeedError("the URL gave an HTML page, not an RSS or Atom feed")
        reason = parsed.get("bozo_exception")
        raise FeedError("not an RSS or Atom feed" + (f": {str(reason)[:300]}" if reason else ""))
    feed_title = strip_html(parsed.feed.get("title"))[:300] or None
    items, skipped = [], []
    for n, entry in enumerate(entries[:MAX_ITEMS], start=1):
        title = strip_html(entry.get("title"))[:500]
        url = _http(entry.get("link"))
        if not title or url is None:
            why = "no title" if not title else f"no http(s) link ({str(entry.get('link'))[:80]!r})"
            skipped.append(f"item {n}: {why}")
            continue
        summary = strip_html(entry.get("summary"))[:5000] or None
        published, dated = _date(entry, today)
        text = f"{title}. {summary or ''}"
        tags: list[tuple[str, str, str, float | None]] = []
        for sector, confidence in infer_sectors(text):
            if confidence >= MIN_SECTOR_CONFIDENCE:
                tags.append(("sector", sector, "inferred", round(confidence, 2)))
        for practice in practices_of(text):
            tags.append(("practice", practice, "inferred", PRACTICE_CONFIDENCE))
        authors = [strip_html(a.get("name")) for a in entry.get("authors") or [] if a]
        for actor in dict.fromkeys(a[:300] for a in [*authors, feed_title or ""] if a):
            tags.append(("actor", actor, "stated", None))
        items.append(Item(title, url, published, dated, summary, tags))
    if len(entries) > MAX_ITEMS:
        skipped.append(f"{len(entries) - MAX_ITEMS} items beyond the first {MAX_ITEMS}")
    warning = None
    if parsed.get("bozo"):
        warning = (
            f"malformed feed, read as far as possible: {str(parsed.get('bozo_exception'))[:300]}"
        )
    return Parsed(feed_title, items, skipped, warning)
