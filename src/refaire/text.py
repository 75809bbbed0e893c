"""Text folding and tokenising shared by search indexing and querying.

Folding removes case and accents so that "découpe" finds "Decoupe"; the same
function runs on both sides, which is what makes the inverted index agree with
the queries.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[0-9a-z]+")
# Combining marks (accents) left by NFKD decomposition; a regex is much faster than
# testing characters one by one.
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")

# Words too common in manifests to narrow a search (English and French).
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "the",
        "this",
        "to",
        "with",
        "au",
        "aux",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "en",
        "et",
        "la",
        "le",
        "les",
        "par",
        "pour",
        "sur",
        "un",
        "une",
    ]
)
MAX_TERM = 40


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, strip accents and ligatures: "Découpe Œuvre" -> "decoupe oeuvre"."""
    if text.isascii():
        return text.lower()
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


def words(text: str | None) -> list[str]:
    """The folded words of a text, stopwords and one-letter words dropped."""
    if not text:
        return []
    return [w[:MAX_TERM] for w in _WORD.findall(fold(text)) if len(w) > 1 and w not in STOPWORDS]


def decimal(value: float, spec: str, lang: str) -> str:
    """`value` as `spec` ("g", ".1f") would give it, in the language's separators by Babel
    (CLDR): 1.5 -> "1,5", 1000 -> "1 000" in French."""
    from refaire.localise import num, pct, short

    fixed = re.fullmatch(r",?\.(\d)(f|%)", spec)
    if fixed:
        digits = int(fixed[1])
        return num(value, digits, lang) if fixed[2] == "f" else pct(value, digits, lang)
    # "g", ".4g": the significant digits the spec keeps, written as Babel writes numbers
    return short(float(format(value, spec or "g")), lang, most=6)


def slug(text: str, max_length: int = 80) -> str:
    """A URL- and key-friendly form: "Baby Crib (v2)" -> "baby-crib-v2"."""
    return "-".join(_WORD.findall(fold(text)))[:max_length].strip("-")


def weighted_terms(fields: list[tuple[str | None, int]]) -> dict[str, int]:
    """Index terms of several fields with a weight each; a term keeps its best weight."""
    out: dict[str, int] = {}
    for text, weight in fields:
        for w in words(text):
            if out.get(w, 0) < weight:
                out[w] = weight
    return out
