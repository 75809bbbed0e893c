"""Small helpers the people modules share: timestamps, token digests, the service errors."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta


def now() -> datetime:
    return datetime.now(UTC)


def stamp(when: datetime | None = None) -> str:
    """ISO 8601 UTC to the second: sortable as text in both databases."""
    return (when or now()).isoformat(timespec="seconds")


def stamp_in(delta: timedelta) -> str:
    return stamp(now() + delta)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean(text: str | None) -> str:
    """Text without control characters (PostgreSQL refuses NUL; none belongs in a name)."""
    return _CONTROL.sub("", text or "")


def digest(secret: str) -> str:
    """SHA-256 of a high-entropy secret (session id, API token, mailed link): what is stored,
    so a copy of the database gives nobody a usable credential. Slow hashing is for
    passwords, which are low-entropy; these are 256-bit random values."""
    return hashlib.sha256(secret.encode()).hexdigest()


class PeopleError(ValueError):
    """Input a people service refuses; `problems` lists (field, message key) pairs.

    Message keys are those of the web locales (`people.error.*`), so the web pages word
    them in the reader's language and the API and CLI in English.
    """

    def __init__(self, problems: list[tuple[str, str]], **values: object) -> None:
        self.problems = problems
        self.values = values
        super().__init__("; ".join(self.texts("en")))

    def texts(self, lang: str) -> list[str]:
        from refaire.web.i18n import translate

        return [translate(lang, key, **self.values) for _field, key in self.problems]

    def to_list(self, lang: str = "en") -> list[dict[str, str]]:
        from refaire.web.i18n import translate

        return [
            {"field": field, "message": translate(lang, key, **self.values)}
            for field, key in self.problems
        ]


class UnknownUser(LookupError):
    """No (live) account with that id or e-mail."""


class NotAllowed(PermissionError):
    """The actor may not do this; the message is a sentence saying why."""
