"""Telling a numeric row id from a key in what a user typed.

`str.isdigit` accepts "²" and "٣", which `int` then refuses or reads as 3, and any run of
ASCII digits, which a 64-bit id column cannot hold: `/designs/9223372036854775808` was a 500.
Only ASCII digits within the column's range are an id; anything else is looked up as a key.
"""

from __future__ import annotations

MAX_ROW_ID = 2**63 - 1


def row_id(ident: int | str) -> int | None:
    """`ident` as a row id when it is written as one a database can hold, else None."""
    if isinstance(ident, int):
        return ident if 0 <= ident <= MAX_ROW_ID else None
    text = str(ident)
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    value = int(text)
    return value if value <= MAX_ROW_ID else None
