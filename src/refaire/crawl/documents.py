"""What a fetched source body is: one document to import, or a list of document URLs.

A list is: a JSON array of URLs; a JSON object with a `urls` array; a SpaceAPI directory
(a JSON object mapping space names to their endpoint URLs); or text whose every
non-empty, non-`#` line is a URL. Anything an importer claims is a document, whatever its
shape. Relative URLs are read against the source's URL; only http(s) ones are kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from refaire.ingest.base import detect
from refaire.ingest.sources import Source
from refaire.model import Problem

MAX_LISTED = 200_000


@dataclass(slots=True)
class FetchedSource(Source):
    """A document already fetched by the crawler, read by the import runner like any other
    source (its name is its URL, which records keep as their source)."""

    data: bytes = b""

    def read(self) -> tuple[bytes | None, Problem | None]:
        return self.data, None


def _http(base: str, items: list[str]) -> list[str]:
    out = []
    for item in items[:MAX_LISTED]:
        url = urljoin(base, item.strip())
        if urlsplit(url).scheme in ("http", "https"):
            out.append(url)
    return out


def listed_urls(source_url: str, body: bytes) -> list[str] | None:
    """The URLs a list source names, or None when `body` is a document itself."""
    if detect(source_url, body) is not None:
        return None
    text = body.decode("utf-8", "replace").strip()
    if text[:1] in "[{":
        try:
            value = json.loads(text)
        except ValueError:
            return None
        if isinstance(value, dict) and isinstance(value.get("urls"), list):
            value = value["urls"]
        elif isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
            value = list(value.values())  # a SpaceAPI directory: {space name: endpoint}
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return _http(source_url, value)
        return None
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    if lines and all(
        line.startswith(("http://", "https://")) and " " not in line for line in lines
    ):
        return _http(source_url, lines)
    return None


def looks_like_html(content_type: str | None, body: bytes) -> bool:
    head = body[:512].lstrip().lower()
    return (content_type or "").split(";")[0].strip() == "text/html" or head.startswith(
        (b"<!doctype html", b"<html")
    )
