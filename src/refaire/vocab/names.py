"""A name a person types → the one vocabulary id it means, for every interface.

`refaire quote --material`, `refaire facilities list --material`, the facility search
of the API and the quote page all take a process or material by name. They answer
alike because they all go through `canonical_id`: an id of the vocabulary as is, or a
name the vocabulary knows for exactly one id ("PLA+" → pla, "contreplaqué" → plywood,
"felt" → textile, "ASA" → abs, the printer-relevant base polymer); anything else is
refused with the ids whose names contain the word ("wood" → plywood, hardwood…).
"""

from __future__ import annotations

from refaire.vocab._text import fold
from refaire.vocab.capabilities import all_ids, is_known, label, resolve

# An alias that is the whole text resolves with this confidence or more; a word found
# inside a longer text, or a weak alias, is a guess and never taken for a name.
_WHOLE = 0.9
MAX_SUGGESTIONS = 6


class UnknownName(ValueError):
    """No single vocabulary id for a name; `suggestions` are ids close to it."""

    def __init__(self, kind: str, given: str, suggestions: list[str]) -> None:
        self.kind, self.given, self.suggestions = kind, given, suggestions
        close = f"; close ids: {', '.join(suggestions)}" if suggestions else ""
        super().__init__(
            f"unknown {kind} {given!r}{close}; `refaire vocab list --kind {kind}` lists every id"
        )


def canonical_id(text: str, kind: str) -> str:
    """The vocabulary id of `kind` that `text` names, or UnknownName."""
    value = (text or "").strip().lower()
    if is_known(value, kind):
        return value
    hits = [r for r in resolve(value, kind, machines=False) if r.confidence >= _WHOLE]
    if len(hits) == 1:
        return hits[0].id
    raise UnknownName(kind, text, [h.id for h in hits] or suggestions(value, kind))


def suggestions(text: str, kind: str) -> list[str]:
    """Ids whose id or English label contains the folded word(s) of `text`."""
    words = fold(text).split()
    if not words:
        return []
    out = []
    for rid in all_ids(kind):
        name = f"{rid} {fold(label(rid, 'en'))}"
        if all(w in name for w in words):
            out.append(rid)
    return out[:MAX_SUGGESTIONS]
