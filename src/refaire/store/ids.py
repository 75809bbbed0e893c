"""Telling a numeric row id from a key in what a user typed.

`str.isdigit` accepts "²" and "٣", which `int` then refuses or reads as 3, and any run of
ASCII digits, which the id columns cannot hold: they are `Integer`, 32-bit on PostgreSQL
(which refuses `id = 2147483648` outright: a 500) and 64-bit on SQLite. Only ASCII digits
within the 32-bit range are an id; anything else is looked up as a key (and not found).
"""

from __future__ import annotations

MAX_ROW_ID = 2**31 - 1


def row_id(ident: int | str) -> int | None:
    """`ident` as a row id when it is written as one every store's id column can hold."""
    if isinstance(ident, int):
        return ident if 0 <= ident <= MAX_ROW_ID else None
    text = str(ident)
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if value <= MAX_ROW_ID else None
