"""Messages for people, said once by a service and worded by every interface in its reader's
language.

A service says a refusal as a `Said`: an English sentence (a `str`, so the API, the CLI and
the audit trail use it as it is) that also keeps its catalogue key and values, so a page can
word the same thing in French (`text(lang)`, `in_language`). A service that refuses input
raises a `SaidError`, or puts `Said` messages in its own error's problems. The words live in
the one message catalogue of the pages (`web/locales/*.json`, read by `refaire.catalogue`),
so no second dictionary of sentences grows.
"""

from __future__ import annotations

from typing import Any


class Said(str):
    """An English sentence (a str) that knows its message key and values."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, values: dict[str, Any] | None = None, /, **more: Any) -> Said:
        from refaire.catalogue import translate

        values = {**(values or {}), **more}
        text = super().__new__(cls, translate("en", key, **values))
        text.key, text.values = key, values
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        # through a worker process (run_job) it stays a Said, not its English text as a key
        return (Said, (self.key, self.values))

    def text(self, lang: str = "en") -> str:
        from refaire.catalogue import translate

        return translate(lang, self.key, **{k: in_language(lang, v) for k, v in self.values.items()})


class Joined(Said):
    """Said parts joined by `sep` (a list of moves, of parties): English is the parts'
    English joined, `text(lang)` joins each part worded in `lang`; `sep` may be a `Said`
    (" or ") so the joint is worded too."""

    parts: tuple[Any, ...]
    sep: Any

    def __new__(cls, sep: Any, parts: Any) -> Joined:  # type: ignore[override]
        parts = tuple(parts)
        text = str.__new__(cls, str(sep).join(str(p) for p in parts))
        text.key, text.values, text.parts, text.sep = "", {}, parts, sep
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (Joined, (self.sep, self.parts))

    def text(self, lang: str = "en") -> str:
        return str(in_language(lang, self.sep)).join(str(in_language(lang, p)) for p in self.parts)


class Worded(Said):
    """The message of an error that words itself (`exc.text(lang)`, as `PlaceError`), kept
    as a `Said` so it can sit among a form's problems and still be worded per language."""

    def __new__(cls, exc: Any) -> Worded:  # type: ignore[override]
        text = str.__new__(cls, exc.text("en"))
        text.key, text.values, text.exc = "", {}, exc
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (str, (str(self),))  # the error may not travel: its English does

    def text(self, lang: str = "en") -> str:
        return str(self.exc.text(lang))


def in_language(lang: str, text: object) -> Any:
    """`text` worded in `lang` when it is a `Said` (its values too), else as it is."""
    return text.text(lang) if isinstance(text, Said) else text


class SaidError(ValueError):
    """A refusal worded from the catalogue: `str()` is English, `text(lang)` any language."""

    def __init__(self, key: str, **values: Any) -> None:
        self.said = Said(key, values)
        super().__init__(self.said)

    def text(self, lang: str = "en") -> str:
        return self.said.text(lang)


def error_text(exc: Exception, lang: str) -> str:
    """The message of `exc` in `lang`: a `SaidError`, an error whose `problems` are
    (field, message) pairs, or whose message is a `Said`; else its own text."""
    text = getattr(exc, "text", None)
    if callable(text):
        return text(lang)
    problems = getattr(exc, "problems", None)
    if problems:
        return "; ".join(str(in_language(lang, m)) for _, m in problems)
    first = exc.args[0] if exc.args else str(exc)
    return str(in_language(lang, first)).strip("'\"")


def plain_values(values: dict[str, Any]) -> dict[str, Any]:
    """`values` as plain JSON: a Said value (a word such as "truncated") is kept as its key
    and values, not its English, so it can be worded again."""
    return {k: {"said": v.key, "values": plain_values(v.values)} if isinstance(v, Said) and v.key
            else v for k, v in values.items()}  # fmt: skip


def _said_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: Said(v["said"], _said_values(v.get("values") or {}))
            if isinstance(v, dict) and "said" in v else v for k, v in values.items()}  # fmt: skip


def said_problem(entry: dict[str, Any]) -> str:
    """The message of a report problem (`{severity, message, key?, values?}`, plain JSON
    as it crosses processes and is stored) as a `Said` when it has a key, else as it is."""
    if entry.get("key"):
        return Said(entry["key"], _said_values(entry.get("values") or {}))
    return str(entry.get("message", ""))
