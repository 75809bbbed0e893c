"""CPC patent classes: cleaning manifest values and mapping them to observatory sectors.

A CPC symbol is section (A–H, Y), class (2 digits), subclass (letter), then optionally
"group/subgroup" written after a space: `B65G 1/00`. Manifests drop the space
(`B65G1/00`) or paste the template's help text instead of a class; only a value that is a
CPC symbol as a whole is accepted, so an example inside a sentence is never picked up.

A sector is a section letter, refined by the class where the observatory distinguishes it
(`A61` medical, `H02` electric power…); the supported classes and their French and English
labels are in `data/cpc-sectors.json`.
"""

from __future__ import annotations

import re
from functools import cache

from refaire.vocab._common import load_json, ui_lang

_SYMBOL = re.compile(
    r"(?P<section>[A-HY])"
    r"(?:(?P<cls>\d{2})"
    r"(?:(?P<subclass>[A-Z])"
    r"(?:\s*(?P<group>\d{1,4})\s*/\s*(?P<subgroup>\d{2,6}))?)?)?"
)


def clean_cpc(text: str) -> str | None:
    """The canonical CPC symbol (`B65G 1/00`, `A61B`, `A61`, `A`), or None if not a symbol."""
    if not text:
        return None
    value = text.strip().upper()
    match = _SYMBOL.fullmatch(value)
    if not match:
        return None
    symbol = match["section"] + (match["cls"] or "") + (match["subclass"] or "")
    if match["group"]:
        symbol += f" {match['group']}/{match['subgroup']}"
    return symbol


@cache
def _sectors() -> dict:
    return load_json("cpc-sectors.json")


def sectors_for_cpc(code: str) -> list[str]:
    """Sector ids for a CPC value, most specific first: `A61B 5/00` → ["A61", "A"]."""
    symbol = clean_cpc(code)
    if symbol is None:
        return []
    result = []
    if symbol[:3] in _sectors()["classes"]:
        result.append(symbol[:3])
    result.append(symbol[0])
    return result


def sector_label(sector_id: str, lang: str = "en") -> str:
    """French or English label of a sector id (a CPC section or a supported class)."""
    ui = ui_lang(lang)
    data = _sectors()
    key = (sector_id or "").strip().upper()
    entry = data["classes"].get(key) or data["sections"].get(key)
    return entry[ui] if entry else sector_id


def known_sectors() -> list[str]:
    """Every sector id that has a label: the sections, then the refined classes."""
    data = _sectors()
    return [*data["sections"], *data["classes"]]
