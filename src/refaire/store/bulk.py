"""Fast bulk inserts of many small rows (search terms, facets, capabilities).

SQLAlchemy's executemany path processes every parameter of every row in Python;
for the hundred thousand term rows of a large import that costs more than the
database work. Handing tuples straight to the driver keeps the same SQL on SQLite
and PostgreSQL, with the placeholder style the driver expects.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, Table

_PLACEHOLDER = {"qmark": "?", "format": "%s", "pyformat": "%s"}


def insert_tuples(
    conn: Connection, table: Table, columns: Sequence[str], rows: list[tuple]
) -> None:
    """INSERT `rows` (tuples in `columns` order) into `table` in one executemany."""
    if not rows:
        return
    try:
        ph = _PLACEHOLDER[conn.dialect.paramstyle]
    except KeyError:  # a driver we do not know: let SQLAlchemy do it, slower but right
        conn.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in rows])
        return
    for c in columns:
        table.c[c]  # noqa: B018 (a KeyError here names a column the table lacks)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([ph] * len(columns))})"
    )
    conn.exec_driver_sql(sql, rows)
