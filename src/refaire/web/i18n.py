"""French and English for the web pages: message catalogues and language choice.

Choice order: `?lang=` (remembered in a cookie), then the cookie, then the
browser's Accept-Language, then English.
"""

from __future__ import annotations

from starlette.requests import Request

# one catalogue for pages and services (refaire.catalogue); re-exported for the pages
from refaire.catalogue import LANGUAGES, LOCALES, catalogue, translate

__all__ = ["LANGUAGES", "LOCALES", "catalogue", "choose_language", "translate"]


def parse_accept_language(header: str | None) -> str | None:
    """The first supported language of an Accept-Language header, by quality."""
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(header.split(",")):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower().split("-")[0]
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        if tag in LANGUAGES and q > 0:
            ranked.append((-q, i, tag))
    return min(ranked)[2] if ranked else None


def choose_language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get("lang")
    if cookie in LANGUAGES:
        return cookie
    return parse_accept_language(request.headers.get("accept-language")) or "en"
