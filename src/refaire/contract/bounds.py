"""The largest offset and page number any interface accepts (no web framework imported,
so the CLI can share them).

Far beyond any real list, and well inside the 64-bit integers of SQLite and PostgreSQL
once a page number is multiplied by a page size: past them, `OFFSET` overflows (a 500).
"""

from __future__ import annotations

MAX_OFFSET = 1_000_000_000
MAX_PAGE = 10_000_000
