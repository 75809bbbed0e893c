"""French and English for the web pages: message catalogues and language choice.

Choice order: `?lang=` (remembered in a cookie), then the cookie, then the
browser's Accept-Language, then English.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from starlette.requests import Request

LANGUAGES = ("en", "fr")
LOCALES = Path(__file__).parent / "locales"


@cache
def catalogue(lang: str) -> dict[str, str]:
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def _singular(lang: str, n: object) -> bool:
    # French counts 0 and 1 as singular ("0 signal", "1 lieu"); English only 1.
    return isinstance(n, int) and (n in (0, 1) if lang == "fr" else n == 1)


def translate(lang: str, key: str, **values: object) -> str:
    """The message for `key` in `lang`, falling back to English, then to the key itself.

    With a count `n`, a `key.one` message, when there is one, is used for the singular.
    """
    if _singular(lang, values.get("n")) and (catalogue(lang).get(key + ".one")):
        key = key + ".one"
    text = catalogue(lang).get(key) or catalogue("en").get(key) or key
    return text.format(**values) if values else text


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
