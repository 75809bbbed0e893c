"""Dimension strings -> millimetres: build volumes, bed sizes, working areas.

Real inputs: "200 x 270 x 200 mm", "250×210×210" (and the Cyrillic "х"), "726x432",
"60 cm x 40 cm", '12"x24"', "1.2 x 0.6 m", "2m", "2,500mm x 1250mm", model ranges such as
"2000/8000 x 1300/3200 mm" (first size kept), paper sizes such as "A4", and a belt printer's "340 × 340 × ∞ mm" (the infinite axis stays `math.inf`).
"""

from __future__ import annotations

import math
import re

_MM_PER_UNIT = {
    "mm": 1.0,
    "cm": 10.0,
    "dm": 100.0,
    "m": 1000.0,
    "in": 25.4,
    "inch": 25.4,
    "inches": 25.4,
    '"': 25.4,
    "''": 25.4,
    "ft": 304.8,
    "feet": 304.8,
}
# ISO 216 A sizes, portrait (short side first), in mm.
_PAPER = {
    "a0": (841.0, 1189.0),
    "a1": (594.0, 841.0),
    "a2": (420.0, 594.0),
    "a3": (297.0, 420.0),
    "a4": (210.0, 297.0),
    "a5": (148.0, 210.0),
    "a6": (105.0, 148.0),
}
# A number may follow "x" ("726x432") but no other letter ("A4", "MK3").
_NUMBER = r"(?<![a-wyz0-9.,])(\d{1,3}(?:,\d{3})+(?![\d.,])|\d+(?:[.,]\d+)?|inf(?![a-z]))"
_UNIT = r"\s*(mm|cm|dm|m(?![a-z])|inches|inch|in(?![a-z])|feet|ft|''|\")?"
_TERM = re.compile(_NUMBER + _UNIT)
_ALTERNATIVES = re.compile(r"(?:\s*/\s*\d+(?:[.,]\d+)?)+" + _UNIT)
_SEPARATOR = re.compile(r"\s*(?:x|by)\s*")
_PAPER_SIZE = re.compile(r"(?<![a-z0-9])(a[0-6])(?![a-z0-9])")


def _clean(text: str) -> str:
    text = text.lower()
    for times in ("×", "х", "*", "✕"):  # multiplication sign, Cyrillic "kha", star
        text = text.replace(times, " x ")
    for quote in ("″", "”", "“"):
        text = text.replace(quote, '"')
    return text.replace("∞", "inf").replace("′", "'")


def _number(raw: str) -> float:
    if raw == "inf":
        return math.inf
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", raw):
        return float(raw.replace(",", ""))  # thousands separator: "2,500"
    return float(raw.replace(",", "."))  # decimal comma: "1,2 m"


def _group(text: str, start: int) -> tuple[list[tuple[str, str | None]], int] | None:
    """Numbers joined by "x"/"by" from `start`, each with its own unit if written."""
    terms: list[tuple[str, str | None]] = []
    pos = start
    while True:
        m = _TERM.match(text, pos)
        if m is None:
            break
        pos = m.end()
        alt = _ALTERNATIVES.match(text, pos)
        if alt is not None:  # "2000/8000 x 1300/3200 mm": a model range, keep the first size
            pos = alt.end()
        terms.append((m.group(1), m.group(2) or (alt.group(1) if alt else None)))
        sep = _SEPARATOR.match(text, pos)
        if sep is None or _TERM.match(text, sep.end()) is None or len(terms) == 3:
            break
        pos = sep.end()
    return (terms, pos) if terms else None


def parse_dimensions(text: str | None) -> tuple[float, ...] | None:
    """The first size written in `text`, one float per axis, in millimetres.

    A unit written only after the last number applies to all of them; no unit at all
    means millimetres. A lone A-series paper size gives its two sides. None when the
    text holds no size.
    """
    if not text:
        return None
    clean = _clean(text)
    for start in (m.start() for m in re.finditer(r"\d|inf", clean)):
        found = _group(clean, start)
        if found is None:
            continue
        terms, _ = found
        last_unit = next((u for _, u in reversed(terms) if u), None)
        factors = [_MM_PER_UNIT[u or last_unit or "mm"] for _, u in terms]
        return tuple(round(_number(raw) * f, 4) for (raw, _), f in zip(terms, factors, strict=True))
    paper = _PAPER_SIZE.search(clean)
    if paper:
        return _PAPER[paper.group(1)]
    return None
