"""Where a stored record came from when a peer brought it: for the detail views."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from refaire.store import Store
from refaire.store.tables import federation_origins, peers


def origin_of(store: Store, kind: str, record_id: int) -> dict[str, Any] | None:
    """{instance, url, id, pulled_at, deleted_at} of a record pulled from a peer, else None
    (a local record)."""
    query = (
        select(federation_origins, peers.c.name, peers.c.url)
        .join(peers, peers.c.id == federation_origins.c.peer_id)
        .where(federation_origins.c.kind == kind)
        .where(federation_origins.c.record_id == record_id)
        .limit(1)
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return {"instance": row.name, "url": row.url, "id": row.origin_id,
            "pulled_at": row.updated_at, "deleted_at": row.deleted_at}  # fmt: skip
