"""/api/designs/{id}/thumbnail.png: the picture drawn from a part's mesh (see `refaire.pictures`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response

from refaire.api._deps import get_store
from refaire.contract.errors import error_responses
from refaire.pictures import thumbnail_png
from refaire.store import Store
from refaire.store.designs import get_design

router = APIRouter(tags=["designs"])


@router.get(
    "/designs/{ident}/thumbnail.png",
    response_class=Response,
    responses={
        200: {
            "description": "PNG, 160×160, an isometric view of the part's mesh.",
            "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
        },
        **error_responses(404),
    },
)
def design_thumbnail(
    ident: str,
    store: Annotated[Store, Depends(get_store)],
    part: Annotated[int | None, Query(ge=0, le=100_000, description="part index")] = None,
) -> Response:
    """The thumbnail drawn from a part's mesh when it was measured (first such part by
    default); 404 when the design or that part has none. The design's `thumbnail_url` and
    each part's `thumbnail_url` point here."""
    found = get_design(store, ident)
    if found is None:
        raise HTTPException(404, f"no design with id or key {ident!r}")
    png = thumbnail_png(found[1].to_dict(), part)
    if png is None:
        raise HTTPException(404, "no mesh thumbnail for this design or part")
    # Redrawn only when a mesh is measured again, which changes the record: a day is safe.
    return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})
