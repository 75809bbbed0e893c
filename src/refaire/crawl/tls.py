"""One TLS context for every outgoing request of a process."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (its CA bundle), made once per process: loading the
    bundle costs a few tenths of a second, which every crawl and every pull paid again
    with a client of its own. A context is safe to share between clients."""
    return httpx.create_ssl_context()
