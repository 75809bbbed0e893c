"""The one exception the mesh readers raise, and the problem entries of a report.

Readers raise instead of returning partial data so that a half-read file can never be
measured as if it were whole; the public functions never let it escape. A message may be a
`refaire.said.Said`: the problem then keeps its catalogue key and values beside the English
`message` (plain JSON, as reports cross worker processes and are stored), so a page words
it in its reader's language (`refaire.said.said_problem`).
"""

from __future__ import annotations

from typing import Any

from refaire.said import Said, plain_values


class MeshError(ValueError):
    """Input that cannot be measured; the message is written for the person who sent it."""


def problem(severity: str, message: object) -> dict[str, Any]:
    """A report problem; a `Said` message also gives its key and values."""
    entry: dict[str, Any] = {"severity": severity, "message": str(message)}
    if isinstance(message, Said) and message.key:
        entry["key"], entry["values"] = message.key, plain_values(message.values)
    return entry


def error_message(exc: MeshError) -> object:
    """The message a `MeshError` was raised with (a `Said` stays one)."""
    return exc.args[0] if exc.args else str(exc)
