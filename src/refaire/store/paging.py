"""Reading a whole table in id order, a page at a time, so memory stays flat.

Keyset paging (`WHERE id > last ORDER BY id LIMIT n`) costs the same for the last page
as for the first, where OFFSET paging rereads everything before the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import ColumnElement, Row, Select

from refaire.store.db import Store


def rows_by_id(
    store: Store, query: Select[Any], id_column: ColumnElement[int], batch: int = 1000
) -> Iterator[Row[Any]]:
    """Every row of `query` in `id_column` order; the id must be the query's first column.

    Each page is read in its own short connection, so a long consumer holds no
    transaction open.
    """
    last = 0
    while True:
        with store.engine.connect() as conn:
            rows = conn.execute(
                query.where(id_column > last).order_by(id_column).limit(batch)
            ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1][0]
