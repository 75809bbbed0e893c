"""/api/users and /api/audit for site admins; /api/facilities/{id}/managers for everyone
(names), and for a facility's managers and admins (adding and removing managers)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, Field

from refaire.api._deps import get_store
from refaire.api.accounts import RowId, refuse
from refaire.people import roles
from refaire.people._common import NotAllowed, PeopleError, UnknownUser
from refaire.people.actor import Actor
from refaire.people.audit import list_entries, parse_target
from refaire.people.auth import current_actor, require, require_admin
from refaire.people.users import find_user, get_user, list_users, set_admin
from refaire.store import Store

router = APIRouter(tags=["people"])
Admin = Annotated[Actor, Depends(require_admin)]
StoreDep = Annotated[Store, Depends(get_store)]


@router.get("/users")
def users_list(
    _: Admin,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    """Accounts, oldest first (admins only)."""
    return list_users(store, limit=limit, offset=offset)


@router.get("/users/{user_id}")
def user_show(user_id: RowId, _: Admin, store: StoreDep) -> dict[str, Any]:
    """One account with the facilities it manages (admins only)."""
    try:
        user = get_user(store, user_id)
    except UnknownUser as exc:
        refuse(exc)
    return {**user, "facilities": roles.facilities_managed_by(store, user_id)}


@router.post("/users/{user_id}/promote")
def promote(user_id: RowId, actor: Admin, store: StoreDep) -> dict[str, Any]:
    """Make the account a site admin."""
    try:
        return set_admin(store, user_id, True, by=actor)
    except (PeopleError, NotAllowed, UnknownUser) as exc:
        refuse(exc)


@router.post("/users/{user_id}/demote")
def demote(user_id: RowId, actor: Admin, store: StoreDep) -> dict[str, Any]:
    """Make a site admin a member again (an admin cannot demote themself if they are the last)."""
    try:
        return set_admin(store, user_id, False, by=actor)
    except (PeopleError, NotAllowed, UnknownUser) as exc:
        refuse(exc)


@router.get("/audit")
def audit(
    _: Admin,
    store: StoreDep,
    target: Annotated[
        str | None, Query(max_length=250, description="TYPE or TYPE:ID, e.g. facility:12")
    ] = None,
    actor: Annotated[str | None, Query(max_length=60, description="e.g. user:3, cli")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> dict[str, Any]:
    """The audit trail, newest first: who changed what, when, before → after (admins only)."""
    kind = ident = None
    if target:
        try:
            kind, ident = parse_target(target)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
    return list_entries(
        store, target_type=kind, target_id=ident, actor=actor, limit=limit, offset=offset
    )


class ManagerIn(BaseModel):
    email: str = Field(max_length=320, description="The account to add")
    role: str = Field(default="co-manager", description="manager or co-manager")


@router.get("/facilities/{ident}/managers")
def facility_managers(
    ident: Annotated[str, Path(max_length=1000)],
    actor: Annotated[Actor, Depends(current_actor)],
    store: StoreDep,
) -> dict[str, Any]:
    """Who manages the facility. E-mail addresses only for its managers and admins."""
    items = roles.managers_of(store, ident)
    if not roles.manages_facility(store, actor, ident):
        items = [{k: v for k, v in m.items() if k != "email"} for m in items]
    return {"total": len(items), "limit": len(items), "offset": 0, "items": items}


@router.post("/facilities/{ident}/managers", status_code=201)
def facility_manager_add(
    ident: Annotated[str, Path(max_length=1000)],
    body: ManagerIn,
    actor: Annotated[Actor, Depends(require("write:facilities"))],
    store: StoreDep,
) -> dict[str, Any]:
    """Invite a co-manager (or, for admins, a manager) by the e-mail of their account."""
    try:
        user = find_user(store, body.email)
        return roles.add_manager(store, ident, user["id"], by=actor, role=body.role)
    except (PeopleError, NotAllowed, LookupError) as exc:
        refuse(exc)


@router.delete("/facilities/{ident}/managers/{user_id}", status_code=204)
def facility_manager_remove(
    ident: Annotated[str, Path(max_length=1000)],
    user_id: RowId,
    actor: Annotated[Actor, Depends(require("write:facilities"))],
    store: StoreDep,
) -> None:
    """Remove a manager (a manager of the facility, an admin, or the person leaving)."""
    try:
        roles.remove_manager(store, ident, user_id, by=actor)
    except (NotAllowed, LookupError) as exc:
        refuse(exc)
