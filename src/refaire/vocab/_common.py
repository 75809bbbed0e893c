"""Helpers shared by the normalisation vocabularies: data-file loading and text folding."""

from __future__ import annotations

import json
import unicodedata
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_json(name: str) -> Any:
    """A data file of `refaire/vocab/data/`, parsed once per process."""
    text = resources.files("refaire.vocab").joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


def fold(text: str) -> str:
    """Lower case without accents, so that 'Vélo', 'velo' and 'VELO' compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def ui_lang(lang: str) -> str:
    """The UI language we have texts for: French for any 'fr…' tag, English otherwise."""
    return "fr" if (lang or "").lower().startswith("fr") else "en"


def public(mapping: dict[str, Any]) -> dict[str, Any]:
    """A data-file table without its `_why`/`_source` comment keys."""
    return {k: v for k, v in mapping.items() if not k.startswith("_")}
