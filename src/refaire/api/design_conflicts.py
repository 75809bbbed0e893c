"""/api/designs/{id}/conflicts and /api/design-conflicts: identity claims kept aside by imports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel

from refaire.api._deps import get_store
from refaire.people.actor import Actor
from refaire.people.audit import record_write
from refaire.people.auth import require_admin
from refaire.registry.conflicts import (
    ConflictError,
    UnknownConflict,
    list_conflicts,
    resolve_conflict,
)
from refaire.registry.designs import UnknownDesign
from refaire.store import Store
from refaire.store.designs import get_design

router = APIRouter(tags=["designs"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000)]
Status = Annotated[Literal["open", "kept", "replaced"] | None, Query()]


@router.get("/designs/{ident}/conflicts")
def design_conflicts(
    ident: str,
    store: Annotated[Store, Depends(get_store)],
    status: Status = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Manifests from other sources that claimed this design's identity (not applied)."""
    # NUL or an id beyond the id column's range can name no design (and PostgreSQL
    # would refuse the query): a 404, not a 500.
    usable = "\x00" not in ident and not (ident.isdigit() and int(ident) > 2**31 - 1)
    found = get_design(store, ident) if usable else None
    if found is None:
        raise HTTPException(404, str(UnknownDesign(ident)))
    return list_conflicts(store, design_id=found[0], limit=limit, offset=offset, status=status)


@router.get("/design-conflicts")
def all_conflicts(
    store: Annotated[Store, Depends(get_store)],
    status: Status = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Every identity claim kept aside by imports, newest first."""
    return list_conflicts(store, limit=limit, offset=offset, status=status)


class Resolution(BaseModel):
    action: Literal["keep", "replace"]


@router.post("/design-conflicts/{conflict_id}/resolve")
def resolve(
    conflict_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    body: Resolution,
    store: Annotated[Store, Depends(get_store)],
    actor: Annotated[Actor, Depends(require_admin)],
) -> dict[str, Any]:
    """Keep the stored design, or replace it with the claim (admins)."""
    try:
        result = resolve_conflict(store, conflict_id, body.action, actor.label)
    except UnknownConflict as exc:
        raise HTTPException(404, str(exc)) from None
    except ConflictError as exc:
        raise HTTPException(400, str(exc)) from None
    record_write(
        store, actor, f"design_conflict.{body.action}", "design_conflict", str(conflict_id),
        None, {"status": result.get("status")},
    )  # fmt: skip
    return result
