"""CSV exports of availability and bookings, for spreadsheet software.

UTF-8 with a byte-order mark, so that a spreadsheet opened in French reads the accents;
every cell that a spreadsheet would take for a formula (starting with =, +, -, @, a tab or
a carriage return) is prefixed with an apostrophe, by the project's one rule
(`refaire.export.spreadsheet.neutralise`, which keeps numbers as numbers).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from refaire.export.spreadsheet import CSV_ENCODING, neutralise


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return out.getvalue().encode(CSV_ENCODING)


BOOKING_COLUMNS = ("id", "resource_id", "resource_name", "unit", "kind", "status",
                   "local_start", "local_end", "time_zone", "starts_at", "ends_at", "hours",
                   "price", "currency", "note")  # fmt: skip


def bookings_csv(items: list[dict[str, Any]]) -> bytes:
    return csv_bytes(BOOKING_COLUMNS, ([b.get(c) for c in BOOKING_COLUMNS] for b in items))


def slots_csv(slots: dict[str, Any]) -> bytes:
    header = ("resource_id", "name", "local_start", "local_end", "time_zone", "starts_at",
              "ends_at", "free_units")  # fmt: skip
    rows = ([slots["resource_id"], slots["name"], s["local_start"], s["local_end"],
             slots["time_zone"], s["starts_at"], s["ends_at"], s["free_units"]]
            for s in slots["slots"])  # fmt: skip
    return csv_bytes(header, rows)
