"""/api/designs and /api/import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response

from refaire.api._deps import get_store, require_admin
from refaire.contract.errors import error_responses, problem
from refaire.contract.params import Offset, limit_query
from refaire.ingest.runner import ImportSummary, import_bytes
from refaire.ingest.sources import MAX_BYTES
from refaire.registry.designs import UnknownDesign, design_detail
from refaire.store import Store
from refaire.store.design_search import MAX_LIMIT, search_designs
from refaire.store.designs import get_design

router = APIRouter(tags=["designs"])

Facet = Annotated[list[str] | None, Query()]


@router.get("/designs")
def list_designs(
    store: Annotated[Store, Depends(get_store)],
    q: str | None = None,
    openness: Facet = None,
    sector: Facet = None,
    readiness: Facet = None,
    language: Facet = None,
    platform: Facet = None,
    format: Facet = None,
    limit: Annotated[int, limit_query(MAX_LIMIT)] = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Search designs by words, filter by facets, get facet counts; paginated."""
    filters = {
        "openness": openness,
        "sector": sector,
        "readiness": readiness,
        "language": language,
        "platform": platform,
        "format": format,
    }
    return search_designs(
        store, q=q, filters={k: v for k, v in filters.items() if v}, limit=limit, offset=offset
    )


@router.get("/designs/{ident}", responses=error_responses(404))
def get_design_detail(ident: str, store: Annotated[Store, Depends(get_store)]) -> dict[str, Any]:
    """A design by id or key: parts, licence, maturity, lineage, notes, problems, provenance."""
    try:
        return design_detail(store, ident)
    except UnknownDesign as exc:
        raise HTTPException(404, str(exc)) from None


EXPORT_TYPES = {
    "okh-toml": ("application/toml", "toml"),
    "json": ("application/json", "json"),
    "ttl": ("text/turtle", "ttl"),
    "original": ("text/plain", "txt"),
}


@router.get(
    "/designs/{ident}/export",
    response_class=Response,
    responses={
        200: {
            "description": "The design in the asked format.",
            "content": {
                media: {"schema": {"type": "string"}} for media, _ in EXPORT_TYPES.values()
            },
        },
        **error_responses(404),
    },
)
def export_design(
    ident: str,
    store: Annotated[Store, Depends(get_store)],
    format: str = "okh-toml",
) -> Response:
    """One design as OKH TOML, JSON, RDF Turtle, or its original manifest text."""
    if format not in EXPORT_TYPES:
        raise HTTPException(400, f"unknown format {format!r}; use one of {', '.join(EXPORT_TYPES)}")
    found = get_design(store, ident)
    if found is None:
        raise HTTPException(404, f"no design with id or key {ident!r}")
    design_id, design = found
    media, ext = EXPORT_TYPES[format]
    if format == "original":
        body = design.provenance.text if design.provenance else ""
    elif format == "okh-toml":
        from refaire.export.okh_toml import design_to_toml

        body = design_to_toml(design)
    elif format == "ttl":
        from refaire.export.rdf import designs_to_turtle

        body = "".join(designs_to_turtle([design]))
    else:
        import json

        from refaire.export.tabular import design_to_json

        body = json.dumps(design_to_json(design), ensure_ascii=False, indent=2)
    headers = {"Content-Disposition": f'inline; filename="design-{design_id}.{ext}"'}
    return Response(body, media_type=f"{media}; charset=utf-8", headers=headers)


@router.post(
    "/import", dependencies=[Depends(require_admin)], responses=error_responses(401, 403, 413)
)
async def import_upload(
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    files: Annotated[
        list[UploadFile] | None, File(description="Manifest or facility files")
    ] = None,
) -> dict[str, Any]:
    """Upload manifests (multipart `files`, or one raw body with `?name=`); same summary as the CLI."""
    total = ImportSummary()
    uploads: list[tuple[str, bytes]] = []
    if files:
        for f in files:
            uploads.append((f.filename or "upload", await f.read(MAX_BYTES + 1)))
    elif request.headers.get("content-type", "").startswith("multipart/form-data"):
        # the form was read looking for `files`: there is no raw body left to take instead
        message = "send each file as a multipart field named 'files'"
        raise problem(422, f"files: {message}", [("files", message)])
    else:
        body = await request.body()
        uploads.append((request.query_params.get("name", "upload"), body))
    for name, data in uploads:
        if len(data) > MAX_BYTES:
            raise HTTPException(413, f"{name}: over the {MAX_BYTES:,}-byte limit")
        one = import_bytes(store, f"upload:{name}", data)
        for attr in (
            "imported", "updated", "skipped", "rejected", "designs", "facilities", "conflicts"
        ):  # fmt: skip
            setattr(total, attr, getattr(total, attr) + getattr(one, attr))
        total.problems.extend(one.problems)
        total.merges.extend(one.merges)
    if request.app.state.prepare and (total.imported or total.updated):
        from refaire.observatory.warm import prepare_in_background

        prepare_in_background(store)
    return total.to_dict()


@router.post(
    "/designs/{ident}/meshes",
    dependencies=[Depends(require_admin)],
    responses=error_responses(401, 403, 404),
)
async def upload_part_meshes(
    ident: str,
    store: Annotated[Store, Depends(get_store)],
    files: Annotated[list[UploadFile], File(description="STL, 3MF or OBJ meshes of parts")],
) -> dict[str, Any]:
    """Measure meshes onto the design's parts (matched by file name; a part per file when
    the design has none); per file: the part it was attached to and the measurement, or why not."""
    from refaire.registry.part_meshes import MAX_BYTES as MESH_MAX_BYTES
    from refaire.registry.part_meshes import attach_meshes

    # One byte over the limit is enough for the service to say the file is too large.
    uploads = [(f.filename or "upload", await f.read(MESH_MAX_BYTES + 1)) for f in files]
    try:
        return attach_meshes(store, ident, uploads)
    except UnknownDesign as exc:
        raise HTTPException(404, str(exc)) from None
