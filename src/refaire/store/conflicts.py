"""Conflicting claims on a design's identity, as stored rows.

A design's key is its repository and name, which any manifest can state: one
read from another source claiming an existing key must not silently replace the
stored design (its licence, its licensor). The import keeps the claim here, with
its source, format, checksum, normalised record and original text, so that a
maintainer can later keep the stored design or replace it with the claim
(`refaire.registry.conflicts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, insert, select, update

from refaire.store.db import Store
from refaire.store.tables import design_conflicts as table
from refaire.store.tables import designs

if TYPE_CHECKING:
    from refaire.store.designs import PreparedDesign

STATUSES = ("open", "kept", "replaced")


@dataclass(slots=True)
class Conflict:
    """What an import reports about one claim it did not let through."""

    id: int
    design_id: int
    key: str
    source: str
    stored_source: str


def record_conflict(
    conn: Connection, design_id: int, stored_source: str, claim: PreparedDesign
) -> Conflict:
    """Keep a claim on design `design_id` (once: the same open claim re-imported is not added)."""
    row = claim.row
    found = conn.execute(
        select(table.c.id).where(
            and_(
                table.c.design_id == design_id,
                table.c.source == row["source"],
                table.c.checksum == row["checksum"],
                table.c.status == "open",
            )
        )
    ).scalar()
    if found is None:
        found = conn.execute(
            insert(table).returning(table.c.id),
            [
                {
                    "design_id": design_id,
                    "source": row["source"],
                    "format": row["format"],
                    "checksum": row["checksum"],
                    "record": row["record"],
                    "manifest_text": row["manifest_text"],
                    "created_at": _now(),
                    "status": "open",
                }
            ],
        ).scalar_one()
    return Conflict(found, design_id, claim.key, row["source"], stored_source)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def conflict_rows(
    store: Store,
    design_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
    offset: int = 0,
    conflict_id: int | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """(total, page) of claims, newest first, each with its record and the design's name."""
    cond = [] if conflict_id is None else [table.c.id == conflict_id]
    if design_id is not None:
        cond.append(table.c.design_id == design_id)
    if status is not None:
        cond.append(table.c.status == status)
    where = and_(*cond) if cond else None
    count = select(func.count()).select_from(table)
    query = (
        select(
            table.c.id,
            table.c.design_id,
            designs.c.name.label("design_name"),
            designs.c.source.label("stored_source"),
            table.c.source,
            table.c.format,
            table.c.checksum,
            table.c.record,
            table.c.created_at,
            table.c.status,
            table.c.resolved_by,
            table.c.resolved_at,
        )
        .join(designs, designs.c.id == table.c.design_id)
        .order_by(table.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if where is not None:
        count, query = count.where(where), query.where(where)
    with store.engine.connect() as conn:
        total = conn.execute(count).scalar_one()
        rows = [dict(r._mapping) for r in conn.execute(query)]
    return total, rows


def conflict_claim(store: Store, conflict_id: int) -> dict[str, Any] | None:
    """One claim with its original manifest text, or None."""
    with store.engine.connect() as conn:
        row = conn.execute(select(table).where(table.c.id == conflict_id)).first()
    return None if row is None else dict(row._mapping)


def set_status(conn: Connection, conflict_id: int, status: str, actor_label: str) -> None:
    conn.execute(
        update(table)
        .where(table.c.id == conflict_id)
        .values(status=status, resolved_by=actor_label[:200], resolved_at=_now())
    )
