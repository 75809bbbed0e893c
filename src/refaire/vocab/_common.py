"""Helpers shared by the normalisation vocabularies: data-file loading and text folding."""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

# Combining marks (accents) left by NFKD; one regex pass beats a per-character test.
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


@cache
def load_json(name: str) -> Any:
    """A data file of `refaire/vocab/data/`, parsed once per process."""
    text = resources.files("refaire.vocab").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


def fold(text: str) -> str:
    """Lower case without accents, so that 'Vélo', 'velo' and 'VELO' compare equal."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold()))


def ui_lang(lang: str) -> str:
    """The UI language we have texts for: French for any 'fr…' tag, English otherwise."""
    return "fr" if (lang or "").lower().startswith("fr") else "en"


def public(mapping: dict[str, Any]) -> dict[str, Any]:
    """A data-file table without its `_why`/`_source` comment keys."""
    return {k: v for k, v in mapping.items() if not k.startswith("_")}
