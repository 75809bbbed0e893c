"""Text garbled by a wrong decoding upstream ("CafÃ©" for "Café"), repaired at import.

Facility lists pass through spreadsheets and scrapers that decode UTF-8 as Latin-1 or
Windows-1252 and save the result again; the place's name and address then show "Ã©",
"â€™". `ftfy` (maintained, widely used) undoes exactly such round trips and leaves correct
text alone; only its encoding repair is used here (quotes, widths and ligatures stay as the
source wrote them). Each repaired field gets an `info` problem naming it, so the record
says that the text shown is not byte for byte what the source held.
"""

from __future__ import annotations

from refaire.model import Facility, Problem

# "Ã", "Â", "â€" start the two- and three-byte garbles of Latin and punctuation
_SUSPECT = ("Ã", "Â", "â€", "Å", "Ä", "Ð", "Ñ")


def repair(text: str) -> str:
    """`text` with mis-decoded UTF-8 undone; text without the tell-tale letters is
    returned untouched (and fast: most records have none)."""
    if not any(s in text for s in _SUSPECT):
        return text
    import ftfy

    return ftfy.fix_text(
        text,
        unescape_html=False,
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_character_width=False,
        fix_line_breaks=False,
        normalization=None,
    )


def repair_facility(facility: Facility, source: str) -> None:
    """Repair the shown text fields of `facility` in place (its key is left as read)."""
    fixed: list[str] = []

    def fix(name: str, value: str | None) -> str | None:
        if not value:
            return value
        new = repair(value)
        if new != value:
            fixed.append(name)
        return new

    for name in ("name", "description", "city", "owner", "opening_hours", "access_type"):
        setattr(facility, name, fix(name, getattr(facility, name)))
    facility.address = {k: fix(f"address.{k}", v) or v for k, v in facility.address.items()}
    for i, eq in enumerate(facility.equipment):
        eq.text = fix(f"equipment[{i}].text", eq.text)
        eq.equipment_type = fix(f"equipment[{i}].equipment_type", eq.equipment_type)
    if fixed:
        facility.problems.append(
            Problem(
                source,
                "info",
                ", ".join(fixed),
                "text decoded twice upstream (UTF-8 read as Latin-1) was repaired",
            )
        )
