"""CSV that is safe to open in a spreadsheet: the one writer every CSV export uses.

Record text comes from anyone's manifest; a cell such as `=HYPERLINK(…)` or `@SUM(…)`
would run as a formula in Excel or LibreOffice when an analyst opens the export. Following
OWASP's rule, a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is
prefixed with `'`, which spreadsheets read as "text" and do not display. Numbers are
written as numbers (a negative longitude is no formula). Files and downloads are UTF-8
with a byte-order mark, so spreadsheets do not read accented names as Latin-1.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# "utf-8-sig" writes the byte-order mark once, at the start of the file or body
CSV_ENCODING = "utf-8-sig"


def neutralise(value: Any) -> Any:
    """The cell to write for `value`: text that a spreadsheet would take for a formula
    gets a leading `'`; None becomes an empty cell; anything else is unchanged."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


class SafeDictWriter(csv.DictWriter):
    """`csv.DictWriter` whose rows are neutralised cell by cell (the header is ours)."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: neutralise(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)
