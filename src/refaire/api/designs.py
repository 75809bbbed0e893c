"""/api/designs and /api/import."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from refaire.api._deps import get_store
from refaire.api._uploads import busy_as_503, form_files, multipart_body
from refaire.contract.errors import error_responses, problem
from refaire.contract.params import Offset, limit_query
from refaire.ingest.runner import ImportSummary, import_bytes
from refaire.ingest.sources import MAX_BYTES
from refaire.people.actor import Actor
from refaire.people.audit import record_write
from refaire.people.auth import require_admin
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
    """Search designs by words, filter by facets, get facet counts; paginated.

    A design read from several sources (records sharing a repository or an OSHWA UID)
    is one item: the first stored record, its other records in `also_from` (each with
    its source, format and the reason of the link); `total` and facet counts count
    such a group once."""
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
    """A design by id or key: parts, licence, maturity, lineage, notes, problems, provenance.

    `also_from` lists the records of the same design read from other sources (same
    repository or OSHWA UID), each with its own source and the reason of the link."""
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


@router.post("/import", responses=error_responses(401, 403, 413, 503))
async def import_upload(
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    actor: Annotated[Actor, Depends(require_admin)],
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
        # Parsing and storing is CPU and database work: keep it off the event loop.
        one = await run_in_threadpool(import_bytes, store, f"upload:{name}", data)
        total.add(one)
    counts = {k: v for k, v in total.to_dict().items() if isinstance(v, int)}
    record_write(store, actor, "import.upload", "import", "upload", None, counts)
    if request.app.state.prepare and (total.imported or total.updated):
        from refaire.jobs.queue import prepare_soon

        prepare_soon(store, queued=request.app.state.jobs)
    return total.to_dict()


@router.post(
    "/designs/{ident}/meshes",
    openapi_extra=multipart_body("files", "STL, 3MF or OBJ meshes of parts"),
    responses=error_responses(401, 403, 404, 413, 503),
)
async def upload_part_meshes(
    ident: str,
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    actor: Annotated[Actor, Depends(require_admin)],
) -> dict[str, Any]:
    """Measure meshes onto the design's parts (matched by file name; a part per file when
    the design has none); per file: the part it was attached to and the measurement, or why not.
    The token is checked before the body is read; meshes are measured in worker processes."""
    from refaire import limits
    from refaire.jobs.uploads import mesh_report_off_loop, queue_store
    from refaire.registry.part_meshes import attach_meshes, file_name

    if get_design(store, ident) is None:
        raise HTTPException(404, str(UnknownDesign(ident)))
    uploads = await form_files(request, "files")
    files = [name for name, _ in uploads]
    queue = queue_store(request)
    if queue is not None:  # a queued job measures and attaches; the request waits for it
        from refaire.jobs.uploads import attach_queued

        with busy_as_503():
            ident_m, done = await attach_queued(queue, ident, uploads)
        record_write(store, actor, "design.meshes", "design", ident, None, {"files": files})
        if done is None:  # still waiting for a worker: where to follow it
            url = f"/api/measurements/{ident_m}"
            return JSONResponse({"measurement": ident_m, "url": url, "state": "queued"},
                                status_code=202, headers={"Location": url})  # fmt: skip
        if "error" in done:
            raise HTTPException(404, done["error"])
        return done
    cap = limits.max_upload_bytes()
    reports = []
    with busy_as_503():
        for name, data in uploads:
            fits = len(data) <= cap
            reports.append(await mesh_report_off_loop(file_name(name), data) if fits else None)
    try:
        result = await run_in_threadpool(attach_meshes, store, ident, uploads, cap, reports)
    except UnknownDesign as exc:
        raise HTTPException(404, str(exc)) from None
    record_write(store, actor, "design.meshes", "design", ident, None, {"files": files})
    return result
