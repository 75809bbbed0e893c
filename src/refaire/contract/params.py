"""Bounded paging parameters, one definition for every list route and page.

An unbounded `int` query parameter lets `offset=9223372036854775808` reach the database,
which overflows (SQLite's and PostgreSQL's integers are 64-bit) and answers 500. The
bounds are those of `bounds`, which the CLI's options share.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query

from refaire.contract.bounds import MAX_OFFSET, MAX_PAGE

Offset = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description=f"Items to skip (0 to {MAX_OFFSET:,}).")
]
Page = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Page number (1 to {MAX_PAGE:,}).")]


def limit_query(maximum: int) -> Any:
    """The `Query` of a `limit` parameter allowing 1 to `maximum` items."""
    return Query(ge=1, le=maximum, description=f"Items to return (1 to {maximum}).")


def page_offset(page: int, page_size: int) -> int:
    """The offset of a 1-based page, for pages whose `page` is already bounded by `Page`."""
    return (min(max(page, 1), MAX_PAGE) - 1) * page_size


# A record id in a path: the columns are 32-bit on PostgreSQL, so a larger number names no
# record (a 422 naming the parameter, not a database overflow).
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Record id.")]
