"""A real HTTP server on 127.0.0.1 (a free port) whose documents a test changes as it goes:
ETag/Last-Modified with 304 answers, gone documents, slow ones, huge ones, redirect loops,
wrong content types, and a robots.txt."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Doc:
    body: bytes
    content_type: str = "text/plain"
    status: int = 200
    slow_s: float = 0.0  # seconds between bytes (a slowloris peer)
    redirect: str | None = None
    conditional: bool = True


@dataclass
class Site:
    docs: dict[str, Doc] = field(default_factory=dict)
    robots: str | None = None
    hits: dict[str, int] = field(default_factory=dict)
    not_modified: int = 0
    huge: int = 0  # size in bytes of /huge, streamed without being held in memory
    connections: int = 0  # TCP connections accepted
    close_each: bool = False  # answer with Connection: close (a server without keep-alive)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    port: int = 0


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
        disable_nagle_algorithm = True  # headers and body go out at once, no delayed ACK

        def log_message(self, *args: object) -> None:
            pass

        def setup(self) -> None:
            site.connections += 1
            super().setup()

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if site.close_each:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.send_header("Content-Length", str(len(body)))
            try:
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client left (a pipeline it cut short)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path
            site.hits[path] = site.hits.get(path, 0) + 1
            if path == "/robots.txt":
                if site.robots is None:
                    return self._send(404, b"", {})
                return self._send(200, site.robots.encode(), {"Content-Type": "text/plain"})
            if path == "/huge" and site.huge:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(site.huge))
                self.end_headers()
                block = b" " * 65536
                try:
                    for _ in range(site.huge // len(block)):
                        self.wfile.write(block)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            doc = site.docs.get(path)
            if doc is None:
                return self._send(404, b"not here", {"Content-Type": "text/plain"})
            if doc.redirect:
                return self._send(302, b"", {"Location": doc.redirect})
            if doc.status != 200:
                return self._send(doc.status, b"", {})
            etag = '"' + hashlib.sha256(doc.body).hexdigest()[:16] + '"'
            if doc.conditional and self.headers.get("If-None-Match") == etag:
                site.not_modified += 1
                return self._send(304, b"", {"ETag": etag})
            headers = {"Content-Type": doc.content_type}
            if doc.conditional:
                headers["ETag"] = etag
            if doc.slow_s:
                self.send_response(200)
                self.send_header("Content-Length", str(len(doc.body)))
                self.end_headers()
                try:
                    for byte in doc.body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(doc.slow_s)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            self._send(200, doc.body, headers)

    return Handler


class Serving:
    """`with Serving(site) as site:` serves it on a free port of 127.0.0.1."""

    def __init__(self, site: Site, port: int = 0) -> None:
        self.site = site
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(site))
        self.server.daemon_threads = True
        site.port = self.server.server_address[1]

    def __enter__(self) -> Site:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.site

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
