"""/api/peers: the Refaire instances this one follows (federation), their pull history,
a pull on the queue. Site admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from refaire.api._deps import get_store
from refaire.contract.errors import error_responses, problem
from refaire.contract.params import RowId
from refaire.federation.peers import PeerError, UnknownPeer, add_peer, list_peers, peer_detail
from refaire.federation.peers import remove_peer as _remove
from refaire.people.actor import Actor
from refaire.people.auth import require_admin
from refaire.store import Store

router = APIRouter(tags=["federation"])
Admin = Annotated[Actor, Depends(require_admin)]
StoreDep = Annotated[Store, Depends(get_store)]


class PeerIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"url": "https://refaire.example", "name": "example"}]}
    )

    url: str = Field(max_length=2000, description="The peer's base URL (http or https).")
    name: str | None = Field(None, max_length=100, description="Local name; default: its own.")


@router.get("/peers")
def peers_list(_: Admin, store: StoreDep) -> dict[str, Any]:
    """Followed instances with their cursor, pinned key and record counts (admins only)."""
    return list_peers(store)


@router.post("/peers", status_code=201, responses=error_responses(401, 403, 422))
def peers_add(body: PeerIn, actor: Admin, store: StoreDep) -> dict[str, Any]:
    """Follow an instance: its /federation/actor is read now and its public key pinned
    (trust on first use). 422 lists `{field, message}` when it cannot be read."""
    try:
        return add_peer(store, body.url, body.name, actor)
    except PeerError as exc:
        raise problem(422, str(exc), exc.errors) from None


@router.get("/peers/{peer_id}")
def peers_show(peer_id: RowId, _: Admin, store: StoreDep) -> dict[str, Any]:
    """A peer with its pull history, newest first (refused pages and records listed)."""
    try:
        return peer_detail(store, peer_id)
    except UnknownPeer:
        raise HTTPException(404, f"no peer {peer_id}") from None


@router.delete("/peers/{peer_id}")
def peers_remove(peer_id: RowId, actor: Admin, store: StoreDep) -> dict[str, Any]:
    """Stop following; the records it brought stay."""
    try:
        _remove(store, peer_id, actor)
    except UnknownPeer:
        raise HTTPException(404, f"no peer {peer_id}") from None
    return {"removed": peer_id}


@router.post("/peers/{peer_id}/pull", status_code=202)
def peers_pull(peer_id: RowId, actor: Admin, store: StoreDep) -> dict[str, Any]:
    """Queue a pull of the peer's outbox from its cursor; follow it at /api/jobs/{job}."""
    from refaire.jobs.queue import submit
    from refaire.jobs.tasks import peer_pull
    from refaire.people.audit import record_write

    try:
        peer_detail(store, peer_id, history=0)
    except UnknownPeer:
        raise HTTPException(404, f"no peer {peer_id}") from None
    job = submit(store, peer_pull, peer_id, label=f"pull of peer {peer_id}")
    record_write(store, actor, "peer.pull", "peer", str(peer_id), None, {"job": job})
    return {"job": job, "peer_id": peer_id}
