"""When two news items are one signal: same URL, or near-identical titles.

Feeds republish an item under a new URL (tracking parameters, a moved blog) or another
feed carries the same news with a retouched title ("Repair café opens!" / "Repair Café
opens"). Titles are compared normalised (lower case, accents kept, punctuation and
repeated spaces removed); equal normalised titles are one signal, and so are titles
whose `difflib` ratio is at least `RATIO` among the `RECENT` latest signals (comparing
with every signal ever stored would grow without bound and old news rarely comes back).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable

RATIO = 0.9
RECENT = 500
_PUNCT = re.compile(r"[^\w\s]+", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalise_title(title: str) -> str:
    """Lower case, NFC, punctuation as spaces, single spaces: the key of equal titles."""
    text = unicodedata.normalize("NFC", title or "").casefold()
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


def near_duplicate(norm: str, recent: Iterable[str], ratio: float = RATIO) -> str | None:
    """The first of `recent` (normalised titles) equal to `norm` or with a ratio ≥ `ratio`."""
    if not norm:
        return None
    # difflib caches what it learns about its second sequence: that is the fixed one
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(norm)
    for other in recent:
        if not other:
            continue
        if other == norm:
            return other
        matcher.set_seq1(other)
        # the cheap upper bounds first: most titles are far apart
        if (
            matcher.real_quick_ratio() >= ratio
            and matcher.quick_ratio() >= ratio
            and matcher.ratio() >= ratio
        ):
            return other
    return None
