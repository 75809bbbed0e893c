"""Asking one host "still unchanged?" for many documents over one connection, pipelined.

A recrawl of 10,000 unchanged documents is 10,000 conditional GETs answered 304. One after
the other, each costs a full round trip, and on a busy machine a round trip is mostly
waiting for the scheduler to run the other side: the recrawl was hardly faster than the
first crawl. HTTP/1.1 lets a client send several requests on one connection before the
answers come (pipelining, RFC 9112 §9.3.2, for safe methods such as GET), so a batch of
requests costs about one wait. It is still one connection to the host.

Only a 304 is taken from here. Any other answer (changed, gone, redirected, an error) is
read to its end within a small limit and left for `Fetcher.fetch`, which fetches it again
with every limit, retry and redirect check; an answer over the limit, a closed connection, a
protocol error or a timeout ends the pipelining and the rest goes the ordinary way too.
httpx does not pipeline, so this writes plain conditional GETs (a URL or validator with
anything but visible ASCII is left to httpx) and reads no more of each answer than its
status and length (`_Connection.answer`), on a socket connected to an address the guard
checked (no second DNS answer to trust).

Used only when the politeness gap to the host is zero (`delay=0` and no robots.txt
Crawl-delay): with a gap, requests are spaced anyway and a round trip is not what costs.
"""

from __future__ import annotations

import re
import socket
import ssl
import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from refaire.crawl.guard import Network, Refused, checked_addresses
from refaire.crawl.tls import tls_context

# Requests sent at once: about 20 kB, which the peer's kernel takes into its receive buffer
# (typically 128 kB or more) without the server reading, so sending never waits on the
# answers we have not read yet. Each batch costs one wait for the other side to be
# scheduled: on a loaded machine that wait, not the bytes, is what a recrawl is made of.
BATCH = 100
DRAIN_BYTES = 64 * 1024


class _Stop(Exception):
    """Pipelining ends here; whatever is not confirmed goes the ordinary way."""


class _Last(_Stop):
    """A 304 after which the server closes the connection."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


_SAFE = re.compile(r"[!-~]+")  # visible ASCII, no space or control character


def _request(url: str, etag: str | None, last_modified: str | None, agent: str) -> bytes | None:
    """The bytes of one conditional GET, or None for a URL or validator this does not send
    as is (non-ASCII, spaces, control characters): `fetch` and httpx take those."""
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not _SAFE.fullmatch(target) or not _SAFE.fullmatch(parts.netloc):
        return None
    lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc}", f"User-Agent: {agent}",
             "Accept-Encoding: identity"]  # fmt: skip
    for name, value in (("If-None-Match", etag), ("If-Modified-Since", last_modified)):
        if value:
            if not _SAFE.fullmatch(value.replace(" ", "")):
                return None
            lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


_STATUS = re.compile(rb"HTTP/1\.[01] (\d{3})(?: [^\r\n]*)?")
MAX_HEAD = 16 * 1024


class _Connection:
    """One socket and what was read from it ahead: answers arrive back to back."""

    def __init__(self, url: str, allow: list[Network], connect_timeout: float,
                 read_timeout: float) -> None:  # fmt: skip
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = checked_addresses(url, allow)[0]
        sock = socket.create_connection((address, port), timeout=connect_timeout)
        sock.settimeout(read_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if parts.scheme == "https":
            sock = tls_context().wrap_socket(sock, server_hostname=host)
        self.sock = sock
        self.buffer = b""

    def close(self) -> None:
        self.sock.close()

    def _more(self, until: float) -> None:
        if time.monotonic() > until:
            raise _Stop
        data = self.sock.recv(65536)
        if not data:
            raise _Stop  # the server closed the connection
        self.buffer += data

    def answer(self, until: float) -> int:
        """The status of the next answer, read to its end.

        Only what decides "304 or not" and where the answer ends is read: the status line,
        Content-Length, Transfer-Encoding and Connection. A 304 has no body (RFC 9110
        §15.4.5); another answer must say its length and be small, else `_Stop`. A wrong
        reading can only make a document be fetched again the ordinary way, or take a
        server's word that a document is unchanged, which its own 304 says anyway."""
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            if len(self.buffer) > MAX_HEAD:
                raise _Stop
            self._more(until)
        head, self.buffer = self.buffer[:end], self.buffer[end + 4 :]
        lines = head.split(b"\r\n")
        status = _STATUS.fullmatch(lines[0])
        if status is None:
            raise _Stop
        fields: dict[bytes, bytes] = {}
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not name or name != name.strip():
                raise _Stop  # folded or malformed header lines: not for this shortcut
            key = name.lower()
            if key in fields and key in (b"content-length", b"transfer-encoding"):
                raise _Stop
            fields[key] = value.strip()
        code = int(status.group(1))
        if code >= 200 and code != 304 and code != 204:
            if b"transfer-encoding" in fields or not fields.get(b"content-length", b"").isdigit():
                raise _Stop
            length = int(fields[b"content-length"])
            if length > DRAIN_BYTES:
                raise _Stop
            while len(self.buffer) < length:
                self._more(until)
            self.buffer = self.buffer[length:]
        elif code < 200:
            raise _Stop  # 1xx interim answers: not expected for a GET, not handled here
        if fields.get(b"connection", b"").lower() == b"close":
            raise _Stop if code != 304 else _Last(code)
        return code


def unchanged(
    wanted: Iterable[tuple[str, str | None, str | None]],
    *,
    allow: list[Network],
    agent: str,
    connect_timeout: float,
    read_timeout: float,
    deadline: float,
) -> set[str]:
    """Of `wanted` (url, etag, last_modified), all on one host, the URLs the host answered
    304 Not Modified. Never raises for the network: what is not confirmed is not returned."""
    items = [
        (url, request) for url, etag, lm in wanted
        if (etag or lm) and (request := _request(url, etag, lm, agent)) is not None
    ]  # fmt: skip
    confirmed: set[str] = set()
    if not items:
        return confirmed
    try:
        conn = _Connection(items[0][0], allow, connect_timeout, read_timeout)
    except (OSError, Refused, ssl.SSLError):
        return confirmed
    try:
        for start in range(0, len(items), BATCH):
            batch = items[start : start + BATCH]
            conn.sock.sendall(b"".join(request for _, request in batch))
            until = time.monotonic() + deadline
            for url, _request_bytes in batch:
                try:
                    status = conn.answer(until)
                except _Last:
                    confirmed.add(url)
                    raise
                if status == 304:
                    confirmed.add(url)
    except (_Stop, OSError, ssl.SSLError):
        pass  # the rest is fetched one by one, with every check
    finally:
        conn.close()
    return confirmed
