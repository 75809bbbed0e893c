"""/api/designs/{id}/conflicts and /api/design-conflicts: identity claims kept aside by imports."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel

from refaire.api._deps import get_store
from refaire.contract.errors import error_responses
from refaire.contract.params import Offset, limit_query
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

Limit = Annotated[int, limit_query(200)]
Status = Annotated[Literal["open", "kept", "replaced"] | None, Query()]


@router.get("/designs/{ident}/conflicts", responses=error_responses(404))
def design_conflicts(
    ident: str,
    store: Annotated[Store, Depends(get_store)],
    status: Status = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Manifests from other sources that claimed this design's identity (not applied)."""
    # NUL is refused app-wide (400) and get_design reads an id beyond the column's
    # range as an unknown key, so both stores answer 404 rather than 500.
    found = get_design(store, ident)
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


@router.post(
    "/design-conflicts/{conflict_id}/resolve", responses=error_responses(401, 403, 404)
)
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
