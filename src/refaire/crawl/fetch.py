"""One polite HTTP client for crawling.

- Conditional GET: the ETag and Last-Modified of the last answer are sent back
  (If-None-Match, If-Modified-Since); a 304 costs no body and no import.
- robots.txt of each host is read once per crawl and obeyed (user agent `Refaire`), with
  its Crawl-delay if longer than ours.
- One connection at a time, and at least `delay` seconds between two requests to one host.
  With no gap (`delay` 0, no Crawl-delay) a recrawl's conditional GETs to a host are
  pipelined on one connection (`unchanged`, see `crawl.pipeline`).
- Timeouts per step (connect, read), and a total deadline per document, so a peer that
  drips one byte every few seconds (slowloris) is cut off too.
- A size limit counted while reading (a gigabyte body stops at the limit, it is not
  downloaded), at most `max_redirects` redirects, each one re-checked by `guard`.
- Retries with exponential back-off on connection errors, timeouts, 429 and 5xx.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from urllib import robotparser
from urllib.parse import urljoin, urlsplit

import httpx

from refaire import __version__
from refaire.crawl.guard import Network, Refused, allowed_networks, check_url
from refaire.crawl.pipeline import unchanged
from refaire.crawl.tls import tls_context

USER_AGENT = f"Refaire/{__version__} (+https://refaire.example/crawler)"
ROBOTS_AGENT = "Refaire"
RETRY_STATUSES = {429, 500, 502, 503, 504}


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(slots=True)
class Answer:
    """What one document's fetch came to. `error` set means no usable body."""

    url: str
    final_url: str
    status: int | None = None
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    error: str | None = None
    attempts: int = 0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def gone(self) -> bool:
        return self.status in (404, 410)


DRAIN_BYTES = 64 * 1024


def _drain(resp: httpx.Response, until: float) -> None:
    """Read the rest of a small answer we do not use (a 304, a 404 page, a redirect's body).
    httpcore closes a connection whose answer was left unread, so without this every 304 of
    a recrawl paid a new TCP connection; an answer past DRAIN_BYTES is left unread and its
    connection closed (a gigabyte error page is not downloaded to save a handshake), and so
    is one still dripping at the document's deadline (slowloris)."""
    total = 0
    for chunk in resp.iter_raw():
        total += len(chunk)
        if total > DRAIN_BYTES or time.monotonic() > until:
            return


@dataclass
class Fetcher:
    """A crawl's client; use as a context manager (it holds one connection pool)."""

    delay: float = field(default_factory=lambda: _env_float("REFAIRE_CRAWL_DELAY", 1.0))
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    deadline: float = field(default_factory=lambda: _env_float("REFAIRE_CRAWL_DEADLINE", 60.0))
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2
    backoff: float = field(default_factory=lambda: _env_float("REFAIRE_CRAWL_BACKOFF", 1.0))
    allow: list[Network] | None = None
    _client: httpx.Client | None = None
    _last: dict[str, float] = field(default_factory=dict)
    _robots: dict[str, robotparser.RobotFileParser | None] = field(default_factory=dict)
    _robots_delay: dict[str, float] = field(default_factory=dict)

    def __enter__(self) -> Fetcher:
        if self.allow is None:
            self.allow = allowed_networks()
        self._client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            verify=tls_context(),
            timeout=httpx.Timeout(self.read_timeout, connect=self.connect_timeout),
            # one connection: requests of a crawl go one after the other
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            follow_redirects=False,  # each hop is checked by the guard first
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()

    # --- politeness -------------------------------------------------------------------

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc
        gap = self._gap(host)
        last = self._last.get(host)
        if last is not None and gap > 0:
            pause = last + gap - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self._last[host] = time.monotonic()

    def allowed_by_robots(self, url: str) -> bool:
        parts = urlsplit(url)
        host = parts.netloc
        if host not in self._robots:
            robots_url = f"{parts.scheme}://{host}/robots.txt"
            answer = self._get(robots_url, {}, self.max_bytes // 20)
            parser: robotparser.RobotFileParser | None = None
            if answer.status == 200 and answer.body is not None:
                parser = robotparser.RobotFileParser()
                parser.parse(answer.body.decode("utf-8", "replace").splitlines())
                crawl_delay = parser.crawl_delay(ROBOTS_AGENT)
                if crawl_delay:
                    self._robots_delay[host] = min(float(crawl_delay), 60.0)
            elif answer.status in (401, 403):
                # RFC 9309: an unreachable robots.txt by refusal means disallow all
                parser = robotparser.RobotFileParser()
                parser.disallow_all = True
            self._robots[host] = parser  # None: no robots.txt, everything allowed
        parser = self._robots[host]
        return parser is None or parser.can_fetch(ROBOTS_AGENT, url)

    def _gap(self, host: str) -> float:
        return max(self.delay, self._robots_delay.get(host, 0.0))

    # --- fetching ---------------------------------------------------------------------

    def unchanged(self, wanted: list[tuple[str, str | None, str | None]]) -> set[str]:
        """Of `wanted` (url, etag, last_modified), the URLs confirmed 304 Not Modified by
        pipelined conditional GETs (`crawl.pipeline`), host by host, where the politeness
        gap to the host is zero; the others are for `fetch`. The guard and robots.txt
        apply as in `fetch` (a URL either refuses is not asked here)."""
        assert self.allow is not None, "use Fetcher as a context manager"
        by_host: dict[tuple[str, str], list[tuple[str, str | None, str | None]]] = {}
        for item in wanted:
            parts = urlsplit(item[0])
            by_host.setdefault((parts.scheme, parts.netloc), []).append(item)
        confirmed: set[str] = set()
        for (_scheme, host), items in by_host.items():
            try:
                check_url(items[0][0], self.allow)
            except Refused:
                continue
            items = [item for item in items if self.allowed_by_robots(item[0])]
            if not items or self._gap(host) > 0:
                continue
            confirmed |= unchanged(
                items, allow=self.allow, agent=USER_AGENT, connect_timeout=self.connect_timeout,
                read_timeout=self.read_timeout, deadline=self.deadline,
            )  # fmt: skip
            self._last[host] = time.monotonic()
        return confirmed

    def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Answer:
        """GET `url` conditionally, politely, within the limits; never raises for the network."""
        try:
            check_url(url, self.allow)
        except Refused as exc:
            return Answer(url, url, error=str(exc))
        if not self.allowed_by_robots(url):
            return Answer(url, url, error="robots.txt of the site disallows this URL")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        answer = Answer(url, url)
        for attempt in range(self.retries + 1):
            answer = self._get(url, headers, self.max_bytes)
            answer.attempts = attempt + 1
            transient = answer.status in RETRY_STATUSES or (
                answer.status is None
                and answer.error is not None
                and answer.error.startswith("network")
            )
            if not transient or attempt == self.retries:
                break
            time.sleep(self.backoff * 2**attempt)  # 1 s, 2 s, … by default
        return answer

    def _get(self, url: str, headers: dict[str, str], max_bytes: int) -> Answer:
        """One GET following redirects by hand (each re-checked), with the size and time limits."""
        assert self._client is not None, "use Fetcher as a context manager"
        seen: set[str] = set()
        current = url
        for _hop in range(self.max_redirects + 1):
            if current != url:
                try:
                    check_url(current, self.allow)
                except Refused as exc:
                    return Answer(url, current, error=f"redirected to {current}: {exc}")
            if current in seen:
                return Answer(url, current, error=f"redirect loop at {current}")
            seen.add(current)
            self._wait_turn(current)
            started = time.monotonic()
            try:
                with self._client.stream("GET", current, headers=headers) as resp:
                    if resp.is_redirect and "location" in resp.headers:
                        _drain(resp, started + self.deadline)
                        current = urljoin(current, resp.headers["location"])
                        continue
                    answer = Answer(
                        url, current, status=resp.status_code,
                        etag=resp.headers.get("etag"),
                        last_modified=resp.headers.get("last-modified"),
                        content_type=resp.headers.get("content-type"),
                    )  # fmt: skip
                    if resp.status_code != 200:
                        _drain(resp, started + self.deadline)
                        return answer
                    declared = resp.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > max_bytes:
                        answer.error = f"the body would be {int(declared):,} bytes, over the {max_bytes:,}-byte limit"
                        return answer
                    chunks, total = [], 0
                    for chunk in resp.iter_bytes():
                        total += len(chunk)
                        if total > max_bytes:
                            answer.error = f"the body is over the {max_bytes:,}-byte limit"
                            return answer
                        if time.monotonic() - started > self.deadline:
                            answer.error = f"the answer took over {self.deadline:g} s, cut off"
                            return answer
                        chunks.append(chunk)
                    answer.body = b"".join(chunks)
                    return answer
            except httpx.TimeoutException:
                return Answer(
                    url, current, error=f"network: no answer within {self.read_timeout:g} s"
                )
            except httpx.HTTPError as exc:
                return Answer(url, current, error=f"network: {type(exc).__name__}: {exc}")
        return Answer(url, current, error=f"more than {self.max_redirects} redirects")
