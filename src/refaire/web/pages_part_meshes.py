"""Web: POST /designs/{id}/meshes — the design page's mesh upload form (`_mesh_upload.html`).

A plain multipart form (works without JavaScript) posted by a signed-in admin (session and
CSRF token); both are checked before any file is read (`upload_gate`, applied with the CSRF
check), the meshes are measured in worker processes, and the design page is rendered again
with what became of each file.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from refaire.contract.nul import refuse_nul_in_form
from refaire.people.audit import record_write
from refaire.people.auth import session_actor
from refaire.registry.designs import UnknownDesign, design_detail
from refaire.registry.part_meshes import attach_meshes, file_name
from refaire.web import render
from refaire.web.gated_form import upload_cap, upload_gate
from refaire.web.i18n import choose_language, translate

router = APIRouter()


def _design_page(
    request: Request, ident: str, status: int, mesh_upload: dict[str, Any]
) -> HTMLResponse:
    try:
        d = design_detail(request.app.state.store, ident)
    except UnknownDesign:
        message = translate(choose_language(request), "designs.not_found", ident=ident)
        return render(request, "error.html", status_code=404, message=message)
    licence_info = None
    if d.get("licence"):
        from refaire.vocab.licences import licence_summary

        licence_info = licence_summary(d["licence"]["expression"], lang=choose_language(request))
    return render(
        request,
        "design.html",
        status_code=status,
        d=d,
        licence_info=licence_info,
        mesh_upload=mesh_upload,
    )


def _admins_only(request: Request) -> None:
    actor = session_actor(request)
    if not actor.is_admin:
        lang = choose_language(request)
        raise HTTPException(
            401 if actor.is_anonymous else 403, translate(lang, "people.admin_needed")
        )


@router.post("/designs/{ident}/meshes", response_class=HTMLResponse)
@upload_gate(_admins_only)
async def mesh_upload_submit(request: Request, ident: str) -> HTMLResponse:
    from refaire.jobs import JobsBusy
    from refaire.jobs.uploads import mesh_report_off_loop, queue_store

    lang = choose_language(request)
    actor = session_actor(request)
    data = await request.form()  # already read by the CSRF check, behind `_admins_only`
    refuse_nul_in_form(data.multi_items())
    cap = upload_cap()
    uploads = []
    for item in data.getlist("files"):
        if isinstance(item, str) or not item.filename:
            continue
        uploads.append((item.filename, await item.read(cap)))
    if not uploads:
        return _design_page(request, ident, 422, {"error": translate(lang, "meshes.error.nofile")})
    queue = queue_store(request)
    if queue is not None:
        return await _attach_by_job(request, queue, ident, uploads, actor)
    reports = []
    try:
        for name, payload in uploads:
            fits = len(payload) < cap
            reports.append(await mesh_report_off_loop(file_name(name), payload) if fits else None)
    except JobsBusy:
        return _design_page(request, ident, 503, {"error": translate(lang, "uploads.busy")})
    try:
        result = await run_in_threadpool(
            attach_meshes, request.app.state.store, ident, uploads, cap - 1, reports
        )
    except UnknownDesign:
        message = translate(choose_language(request), "designs.not_found", ident=ident)
        return render(request, "error.html", status_code=404, message=message)
    files = [name for name, _ in uploads]
    record_write(
        request.app.state.store, actor, "design.meshes", "design", ident, None, {"files": files}
    )
    return _design_page(request, ident, 200, {"result": result})


async def _attach_by_job(
    request: Request, queue: Any, ident: str, uploads: list[tuple[str, bytes]], actor: Any
) -> HTMLResponse:
    """A served app's path: one queued job measures and attaches the meshes; the page waits
    for it, or says where to follow it when the workers are still busy."""
    from refaire.jobs import JobsBusy
    from refaire.jobs.uploads import attach_queued

    lang = choose_language(request)
    try:
        measurement, result = await attach_queued(queue, ident, uploads)
    except JobsBusy:
        return _design_page(request, ident, 503, {"error": translate(lang, "uploads.busy")})
    files = [name for name, _ in uploads]
    record_write(queue, actor, "design.meshes", "design", ident, None, {"files": files})
    if result is None:
        message = translate(lang, "meshes.queued", url=f"/api/measurements/{measurement}")
        return _design_page(request, ident, 202, {"error": message})
    if "error" in result:
        message = translate(lang, "designs.not_found", ident=ident)
        return render(request, "error.html", status_code=404, message=message)
    return _design_page(request, ident, 200, {"result": result})
