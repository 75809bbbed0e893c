"""The public federation endpoints: the instance's actor (its public key) and its signed
outbox. Public on purpose: they carry only what the public pages show."""

from __future__ import annotations

import json
import os
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from refaire.contract.errors import error_responses
from refaire.federation.keys import instance_key, public_pem
from refaire.federation.outbox import CONTEXT, page
from refaire.federation.signing import sign

router = APIRouter(tags=["federation"])
MEDIA = "application/activity+json"


def base_url(request: Request) -> str:
    """This instance's public base URL: `$REFAIRE_PUBLIC_URL`, else the one asked."""
    return (os.environ.get("REFAIRE_PUBLIC_URL") or str(request.base_url)).rstrip("/")


def instance_name(request: Request) -> str:
    return os.environ.get("REFAIRE_INSTANCE_NAME") or request.url.netloc


@router.get("/federation/actor", responses=error_responses(400, 422))
def actor(request: Request) -> dict[str, Any]:
    """This instance as an ActivityStreams actor, with its Ed25519 public key (PEM)."""
    base = base_url(request)
    me = f"{base}/federation/actor"
    store = request.app.state.store
    return {
        "@context": [*CONTEXT, "https://w3id.org/security/v1"],
        "id": me,
        "type": "Application",
        "name": instance_name(request),
        "url": base,
        "outbox": f"{base}/federation/outbox",
        "publicKey": {"id": f"{me}#main-key", "owner": me, "publicKeyPem": public_pem(store)},
    }


@router.get(
    "/federation/outbox",
    response_class=Response,
    responses={
        200: {"description": "A signed OrderedCollectionPage.",
              "content": {MEDIA: {"schema": {"type": "object"}}}},
        **error_responses(400, 422),
    },
)  # fmt: skip
def outbox(
    request: Request,
    after: Annotated[
        int, Query(ge=0, le=2**31 - 1, description="Cursor: the last change seen (0: all).")
    ] = 0,
    # large pages by default: a follower checks one signature per page, not per record
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> Response:
    """Changes of local public designs and facilities after the cursor, as an
    ActivityStreams OrderedCollectionPage of Create/Update/Delete, signed (RFC 9421,
    Ed25519 over "@method" "@target-uri" "content-digest"; key id: the actor's #main-key)."""
    store = request.app.state.store
    base = base_url(request)
    body = json.dumps(page(store, base, after, limit), ensure_ascii=False).encode("utf-8")
    # the URI the peer asked for: behind a proxy, the public base, not the one uvicorn sees
    target = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    headers = sign("GET", target, body, instance_key(store), f"{base}/federation/actor#main-key")
    return Response(content=body, media_type=MEDIA, headers=headers)
