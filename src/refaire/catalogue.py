"""The message catalogue (web/locales/{en,fr}.json) and `translate`, importable without the
web stack: services word their refusals and notes from it (`refaire.said`, the matching
notes) and a command-line start does not import FastAPI and Jinja2 to do so.
`refaire.web.i18n` re-exports these for the pages."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "fr")
LOCALES = Path(__file__).parent / "web" / "locales"


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
