"""/api: designs registered by their authors, and claims on imported designs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Query, UploadFile
from pydantic import BaseModel, Field

from refaire.api._deps import get_store
from refaire.api.manage import answer
from refaire.contract.params import RowId
from refaire.manage import designs as authors
from refaire.people.actor import Actor
from refaire.people.auth import current_actor
from refaire.store import Store

router = APIRouter(tags=["designs by their authors"])
StoreDep = Annotated[Store, Depends(get_store)]
ActorDep = Annotated[Actor, Depends(current_actor)]


class DesignForm(BaseModel):
    """The short form: what an OKH manifest needs to be useful."""

    name: str = Field(min_length=1, max_length=500)
    function: str | None = Field(None, max_length=5000)
    licence: str | None = Field(None, description="SPDX expression, e.g. CERN-OHL-S-2.0.")
    repo: str | None = Field(None, description="Where the design lives (http(s) URL).")
    files: list[str] = Field(default_factory=list, description="Source file paths or URLs.")
    parts: list[str] = Field(
        default_factory=list, description="'name: process, process; material, material'."
    )


@router.post("/designs/register", status_code=201)
async def register_manifest(
    store: StoreDep,
    actor: ActorDep,
    file: Annotated[UploadFile, File(description="An OKH manifest, any dialect Refaire reads.")],
) -> dict[str, Any]:
    """Register the design(s) of a manifest; you become their maintainer."""
    data = await file.read(authors.MAX_MANIFEST + 1)
    name = file.filename or "manifest"
    return answer(lambda: authors.register_design(store, actor, name, data))


@router.post("/designs/register/form", status_code=201)
def register_form(form: DesignForm, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    """Register a design from the short form (written as an OKH-LOSH manifest)."""
    text = authors.form_manifest(form.model_dump())
    return answer(lambda: authors.register_design(store, actor, "form.toml", text.encode()))


@router.get("/designs/{ident}/maintainers")
def design_maintainers(ident: str, store: StoreDep) -> list[dict[str, Any]]:
    def run() -> list[dict[str, Any]]:
        did, _ = authors.design_id(store, ident)
        return [
            {"user_id": m["user_id"], "via": m["via"], "added_at": m["added_at"]}
            for m in authors.maintainers_of(store, did)
        ]

    return answer(run)


@router.post("/designs/{ident}/claims", status_code=201)
def claim_design(
    ident: str,
    store: StoreDep,
    actor: ActorDep,
    message: Annotated[str | None, Body(embed=True, max_length=2000)] = None,
) -> dict[str, Any]:
    """Ask to maintain an imported design; a site admin decides."""
    return answer(lambda: authors.claim_design(store, actor, ident, message))


@router.get("/design-claims")
def list_design_claims(
    store: StoreDep,
    actor: ActorDep,
    status: Annotated[Literal["pending", "approved", "rejected"] | None, Query()] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    return answer(
        lambda: authors.list_design_claims(store, actor, status=status, limit=limit, offset=offset)
    )


@router.post("/design-claims/{cid}/approve")
def approve_design_claim(cid: RowId, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    return answer(lambda: authors.decide_design_claim(store, actor, cid, True))


@router.post("/design-claims/{cid}/reject")
def reject_design_claim(cid: RowId, store: StoreDep, actor: ActorDep) -> dict[str, Any]:
    return answer(lambda: authors.decide_design_claim(store, actor, cid, False))
