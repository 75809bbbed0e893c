"""Design identity conflicts: listing the claims an import kept aside, and deciding them.

An import never lets a manifest from another source replace a stored design that
has its identity (same repository and name): the claim is kept as a conflict
(`refaire.store.conflicts`). These are the service functions every interface
calls: `list_conflicts` for the CLI, the API and the design page, and
`resolve_conflict` for whoever may maintain the design (it takes an actor's label;
who may call it is the caller's check).
"""

from __future__ import annotations

from typing import Any, Literal

from refaire.model import Design
from refaire.store import Store
from refaire.store.conflicts import STATUSES, conflict_claim, conflict_rows, set_status
from refaire.store.designs import get_design, save_designs
from refaire.store.locking import writing


class UnknownConflict(LookupError):
    def __init__(self, conflict_id: int) -> None:
        super().__init__(
            f"no design conflict {conflict_id}; `refaire designs conflicts` lists them"
        )


class ConflictError(ValueError):
    """A resolution that cannot be applied: [(field, message)]."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = errors


def _item(row: dict[str, Any]) -> dict[str, Any]:
    record = row["record"] or {}
    licence = record.get("licence") or {}
    return {
        "id": row["id"],
        "design_id": row["design_id"],
        "design_name": row["design_name"],
        "stored_source": row["stored_source"],
        "source": row["source"],
        "format": row["format"],
        "sha256": row["checksum"],
        # what the claim would have changed: shown beside the stored design's values
        "claimed_name": record.get("name"),
        "claimed_licence": licence.get("expression"),
        "claimed_licensor": record.get("licensor"),
        "created_at": row["created_at"],
        "status": row["status"],
        "resolved_by": row["resolved_by"],
        "resolved_at": row["resolved_at"],
    }


def list_conflicts(
    store: Store,
    design_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
    status: str | None = None,
) -> dict[str, Any]:
    """Claims on designs' identities, newest first: {total, limit, offset, items}."""
    if status is not None and status not in STATUSES:
        raise ConflictError(
            [("status", f"unknown status {status!r}; one of {', '.join(STATUSES)}")]
        )
    total, rows = conflict_rows(store, design_id, status, limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "items": [_item(r) for r in rows]}


def resolve_conflict(
    store: Store,
    conflict_id: int,
    action: Literal["keep", "replace"],
    actor_label: str,
) -> dict[str, Any]:
    """Keep the stored design (the claim is closed), or replace it with the claim.

    Replacing stores the claim's record and manifest text as the design, from the
    claim's source; later imports from that source then update it.
    """
    if action not in ("keep", "replace"):
        raise ConflictError([("action", f"unknown action {action!r}; use keep or replace")])
    claim = conflict_claim(store, conflict_id)
    if claim is None:
        raise UnknownConflict(conflict_id)
    if claim["status"] != "open":
        raise ConflictError([("status", f"conflict {conflict_id} is already {claim['status']}")])
    if action == "replace":
        design = Design.from_dict(claim["record"])
        if design.provenance is not None:
            design.provenance.text = claim["manifest_text"]
        found = get_design(store, claim["design_id"])
        if found is None or found[1].key != design.key:
            raise ConflictError([("design_id", "the claimed design's identity has changed")])
        save_designs(store, [design], takeover={design.key})
    with writing(store.engine) as conn:
        set_status(conn, conflict_id, "replaced" if action == "replace" else "kept", actor_label)
    _total, rows = conflict_rows(store, conflict_id=conflict_id)
    return _item(rows[0])
