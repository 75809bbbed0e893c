"""Text folding and tokenising for the capability resolver and the machine catalogue.

Both the vocabulary aliases and the incoming text go through the same functions, which
is what lets a plain dictionary lookup replace a scan over every alias.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Characters NFKD does not decompose into a base letter plus accent.
_LIGATURES = str.maketrans({"ß": "ss", "œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d"})
# Hard breaks between list items. A dash only breaks when spaced ("Mill - Sherline"), a dot
# only at a sentence end, so that "CNC-Fräse" and "2.5D" stay whole.
_HARD_BREAK = re.compile(r"[,;\n\r\t|:•·\"“”«»]|\s[-–—]+\s|\.(?=\s|$)")
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_TOKEN = re.compile(r"[a-z0-9]+|[&+/]")
_CATALOGUE_TOKEN = re.compile(r"[a-z0-9]+|\+")
# Conjunctions separate list items ("laser cutter and 3D printer") but an alias may still
# contain one ("pick and place"), so they are kept as tokens and only mark a soft boundary.
SOFT_BREAKS = frozenset({"and", "et", "y", "und", "or", "ou", "oder", "+"})
# A slash separates alternatives ("Laser cutter/engraver", "Planer/Thicknesser"): it marks
# a soft boundary but is not a word, so an alias may span it.
SLASH = "/"


def fold(text: str) -> str:
    """Lower case, no accents, ligatures spelled out: "Découpe Fräse" -> "decoupe frase"."""
    if text.isascii():  # most inputs: skip the Unicode work
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    return _COMBINING.sub("", decomposed)


@lru_cache(maxsize=1 << 16)  # a text's words repeat, and so do a corpus's
def stem(token: str) -> str:
    """Drop a plural "s" ("printers", "imprimantes") but keep "glass", "abs" and "mk3s"."""
    if token == "&":
        return "and"
    if len(token) > 4 and token.endswith(("ches", "shes", "xes")):
        return token[:-2]  # "benches", "boxes" (not "glasses": 3D glasses are no glass)
    if len(token) > 3 and token[-1] == "s" and token[-2] != "s" and not token[-2].isdigit():
        return token[:-1]
    return token


def tokens(text: str) -> list[str]:
    """The stemmed word tokens of one list item, conjunctions included."""
    return [stem(t) for t in _TOKEN.findall(fold(text))]


def alias_key(alias: str) -> str:
    """The lookup key of a vocabulary alias: its tokens joined by single spaces."""
    return " ".join(t for t in tokens(alias) if t != SLASH)


def pieces(text: str) -> list[str]:
    """The list items of a text, split on punctuation and line breaks."""
    return [p for p in _HARD_BREAK.split(text) if p.strip()]


def catalogue_tokens(text: str) -> list[str]:
    """Tokens for machine names: no stemming (model numbers), "+" kept as "plus"."""
    return ["plus" if t == "+" else t for t in _CATALOGUE_TOKEN.findall(fold(text))]
