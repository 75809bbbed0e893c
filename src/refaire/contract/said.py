"""Sentences a service says once and every interface says in its reader's language.

A service raises its errors in English (the API, the CLI and the audit trail read them as
they are); a `Said` is that English sentence, a `str`, which also remembers its catalogue
key and values, so a page can say the same thing in French. One catalogue for both: the web
locale files, where the key's English text is the sentence the API returns.
"""

from __future__ import annotations

from typing import Any


class Said(str):
    """An English sentence (a str) that knows its message key and values."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, /, **values: Any) -> Said:
        from refaire.web.i18n import translate

        text = super().__new__(cls, translate("en", key, **values))
        text.key, text.values = key, values
        return text


def in_language(lang: str, text: object) -> str:
    """`text` in `lang` when it is a `Said` (its values too, when they are), else as it is."""
    if not isinstance(text, Said):
        return str(text)
    from refaire.web.i18n import translate

    values = {k: in_language(lang, v) if isinstance(v, Said) else v for k, v in text.values.items()}
    return translate(lang, text.key, **values)
