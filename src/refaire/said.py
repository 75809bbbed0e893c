"""Messages for people, kept as a catalogue key and its values until they are shown.

A service that refuses input raises an error carrying `Said(key, values)`; the API and the
CLI print it in English (`str`), a page words it in its own language with `text(lang)`.
The words live in the one message catalogue of the pages (`web/locales/*.json`), so a
French page never shows an English refusal and no second dictionary of sentences grows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Said:
    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        from refaire.catalogue import translate

        return translate(lang, self.key, **self.values)

    def __str__(self) -> str:
        return self.text("en")


class SaidError(ValueError):
    """A refusal worded from the catalogue: `str()` is English, `text(lang)` any language."""

    def __init__(self, key: str, **values: Any) -> None:
        self.said = Said(key, values)
        super().__init__(str(self.said))

    def text(self, lang: str = "en") -> str:
        return self.said.text(lang)


def error_text(exc: Exception, lang: str) -> str:
    """The message of `exc` in `lang` when it can say it, else its own text."""
    text = getattr(exc, "text", None)
    return text(lang) if callable(text) else str(exc)
