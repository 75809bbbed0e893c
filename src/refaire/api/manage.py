"""/api: facility management — editing by managers, machines, claims, suggestions.

Every route acts as the request's actor (session, personal token or bootstrap token); the
service decides who may do what and says why not (401/403 with a sentence). Wrong values
are 422 with `[{field, message}]`; a state that forbids the change (already managed,
already decided) is 409. Managers invite co-managers with `POST
/api/facilities/{ident}/managers` (refaire.api.people_admin).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field

from refaire.api._deps import get_store
from refaire.contract.params import RowId
from refaire.manage import claims, editing, suggestions
from refaire.manage.access import ManageError
from refaire.people._common import NotAllowed as PeopleNotAllowed
from refaire.people._common import PeopleError
from refaire.people.actor import Actor
from refaire.people.auth import current_actor
from refaire.store import Store

router = APIRouter(tags=["facility management"])
StoreDep = Annotated[Store, Depends(get_store)]
ActorDep = Annotated[Actor, Depends(current_actor)]


def answer(fn: Callable[[], Any]) -> Any:
    """Call a service; its refusals and errors become the HTTP answers the module names."""
    try:
        return fn()
    except PeopleNotAllowed as exc:
        raise HTTPException(getattr(exc, "status", 403), str(exc)) from None
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except ManageError as exc:
        detail: Any = [{"field": f, "message": m} for f, m in exc.problems]
        if exc.status != 422:
            detail = str(exc)
        raise HTTPException(exc.status, detail) from None
    except PeopleError as exc:  # e.g. "already a manager" from refaire.people.roles
        raise HTTPException(409, str(exc)) from None


class MachineIn(BaseModel):
    """A machine as the manager confirms it (see GET /api/machines/proposals)."""

    process: str | list[str] = Field(description="Process id(s), e.g. fdm.")
    make: str | None = None
    model: str | None = None
    equipment_type: str | None = None
    materials: str | list[str] | None = Field(None, description="Material ids, e.g. pla.")
    build_volume_mm: str | list[float] | None = Field(None, description="x, y, z in mm.")
    bed_size_mm: str | list[float] | None = Field(None, description="x, y in mm.")
    laser_power_w: float | None = None
    quantity: int = 1
    catalogue: str | None = Field(None, description="The catalogue machine proposed, if any.")
    text: str | None = None


class ClaimIn(BaseModel):
    method: Literal["admin", "mail"] = "admin"
    email: str | None = Field(
        None, description="For `mail`: a local part or an address at the website's domain."
    )
    message: str | None = None


class SuggestionIn(BaseModel):
    changes: dict[str, Any] = Field(description="Fields as in PATCH /api/facilities/{ident}.")
    note: str | None = None


@router.get("/facilities/{ident}/management")
def facility_management(ident: str, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """Managers, manager-stated fields (who, when) and the public sources' values kept
    beside them, opening hours (open now?), prices and the facility's history."""
    from refaire.manage.panel import management

    return answer(lambda: management(store, actor, ident))


@router.patch("/facilities/{ident}")
def edit_facility(
    ident: str,
    store: StoreDep,
    actor: ActorDep,
    changes: Annotated[
        dict[str, Any],
        Body(
            description="Any of description, email, phone, url, access_type (public, "
            "members, by-appointment), hours {time_zone, weekly, closures}, pricing, "
            "location (\"LAT,LON\" or {latitude, longitude}: the manager states where the "
            "place is, which confirms a location the import found doubtful); "
            "empty text clears a field."
        ),
    ],
) -> dict[str, Any]:
    """A manager edits the facility: what changes is stated by them, with who and when."""
    return answer(lambda: editing.edit_facility(store, actor, ident, changes))


@router.get("/machines/proposals")
def machine_proposals(
    text: Annotated[str, Query(min_length=1, max_length=200, description="e.g. Ultimaker S5")],
    lang: Annotated[Literal["en", "fr"], Query()] = "en",
) -> dict[str, Any]:
    """Process, size and materials proposed for a machine typed as text, each with its
    basis (the catalogue machine, or the resolver's rule)."""
    from refaire.manage.machines import propose_machine

    return propose_machine(text, lang)


@router.post("/facilities/{ident}/machines", status_code=201)
def add_machine(ident: str, machine: MachineIn, store: StoreDep, actor: ActorDep) -> dict:
    """Add a confirmed machine; its capabilities are stated by the manager."""
    return answer(lambda: editing.add_machine(store, actor, ident, machine.model_dump()))


@router.delete("/facilities/{ident}/machines/{index}")
def remove_machine(
    ident: str, index: Annotated[int, Path(ge=0, le=10_000)], store: StoreDep, actor: ActorDep
) -> dict:
    """Remove the machine at `index` (0-based, in the order of the facility's equipment)."""
    return answer(lambda: editing.remove_machine(store, actor, ident, index))


@router.put("/facilities/{ident}/capabilities/{kind}/{cap_id}")
def confirm_capability(
    ident: str, kind: Literal["process", "material"], cap_id: str, store: StoreDep, actor: ActorDep
) -> dict:
    """Confirm a capability (e.g. a probable one from the Fab Lab inventory): stated now."""
    return answer(lambda: editing.set_capability(store, actor, ident, kind, cap_id, True))


@router.delete("/facilities/{ident}/capabilities/{kind}/{cap_id}")
def remove_capability(
    ident: str, kind: Literal["process", "material"], cap_id: str, store: StoreDep, actor: ActorDep
) -> dict:
    """Remove a capability of the facility; a re-import does not bring it back."""
    return answer(lambda: editing.set_capability(store, actor, ident, kind, cap_id, False))


@router.post("/facilities/{ident}/claims", status_code=201)
def claim_facility(
    ident: str, claim: ClaimIn, request: Request, store: StoreDep, actor: ActorDep
) -> dict[str, Any]:
    """Ask to manage a facility nobody manages yet: an admin approves, or (method `mail`)
    a link mailed to an address at the facility website's domain confirms."""
    base = str(request.base_url)
    return answer(
        lambda: claims.claim_facility(
            store,
            actor,
            ident,
            method=claim.method,
            email=claim.email,
            message=claim.message,
            base_url=base,
        )  # fmt: skip
    )


@router.get("/claims")
def list_claims(
    store: StoreDep,
    actor: ActorDep,
    status: Annotated[Literal["pending", "approved", "rejected"] | None, Query()] = "pending",
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Claims, newest first: all of them for admins, one's own with `mine=true`."""
    return answer(
        lambda: claims.list_claims(
            store, actor, status=status, mine=mine, limit=limit, offset=offset
        )
    )


@router.post("/claims/{cid}/approve")
def approve_claim(cid: RowId, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """An admin approves a claim: the claimant becomes the facility's manager."""
    return answer(lambda: claims.decide_claim(store, actor, cid, True))


@router.post("/claims/{cid}/reject")
def reject_claim(
    cid: RowId,
    store: StoreDep,
    actor: ActorDep,
    reason: Annotated[str | None, Body(embed=True)] = None,
) -> dict[str, Any]:
    return answer(lambda: claims.decide_claim(store, actor, cid, False, reason))


@router.post("/claims/confirm")
def confirm_claim(
    store: StoreDep, token: Annotated[str, Body(embed=True, max_length=200)]
) -> dict[str, Any]:
    """The token of a mailed claim link: the claim is verified, its author becomes manager."""
    return answer(lambda: claims.confirm_by_mail(store, token))


@router.post("/facilities/{ident}/suggestions", status_code=201)
def suggest(ident: str, body: SuggestionIn, store: StoreDep, actor: ActorDep) -> dict:
    """A member suggests a correction; the managers (or admins) accept or reject it."""
    return answer(lambda: suggestions.suggest_change(store, actor, ident, body.changes, body.note))


@router.get("/facilities/{ident}/suggestions")
def list_suggestions(
    ident: str,
    store: StoreDep,
    actor: ActorDep,
    status: Annotated[Literal["pending", "accepted", "rejected"] | None, Query()] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    return answer(
        lambda: suggestions.list_suggestions(
            store, actor, ident, status=status, limit=limit, offset=offset
        )
    )


@router.post("/suggestions/{sid}/accept")
def accept_suggestion(sid: RowId, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    return answer(lambda: suggestions.decide_suggestion(store, actor, sid, True))


@router.post("/suggestions/{sid}/reject")
def reject_suggestion(sid: RowId, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    return answer(lambda: suggestions.decide_suggestion(store, actor, sid, False))
