"""Web: POST /designs/{id}/meshes — the design page's mesh upload form (`_mesh_upload.html`).

A plain multipart form (works without JavaScript) carrying the admin token, since it
writes; the token is checked before any file is read (`gated_form`), the meshes are
measured in worker processes, and the design page is rendered again with what became of
each file.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from refaire.api._deps import require_admin
from refaire.registry.designs import UnknownDesign, design_detail
from refaire.registry.part_meshes import attach_meshes, file_name
from refaire.web import render
from refaire.web.gated_form import NotAllowed, gated_form, upload_cap
from refaire.web.i18n import choose_language, translate

router = APIRouter()


def _design_page(
    request: Request, ident: str, status: int, mesh_upload: dict[str, Any]
) -> HTMLResponse:
    try:
        d = design_detail(request.app.state.store, ident)
    except UnknownDesign as exc:
        return render(request, "error.html", status_code=404, message=str(exc))
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


@router.post("/designs/{ident}/meshes", response_class=HTMLResponse)
async def mesh_upload_submit(request: Request, ident: str) -> HTMLResponse:
    from refaire.jobs import JobsBusy
    from refaire.jobs.uploads import mesh_report_off_loop

    lang = choose_language(request)

    def gate(fields: dict[str, str]) -> None:
        try:
            require_admin(f"Bearer {fields.get('token', '').strip()}")
        except HTTPException as exc:
            raise NotAllowed(exc) from None

    try:
        data = await gated_form(request, gate)
    except NotAllowed as refused:
        status = refused.reason.status_code
        key = "meshes.error.disabled" if status == 403 else "meshes.error.token"
        return _design_page(request, ident, status, {"error": translate(lang, key)})
    except ValueError:
        return _design_page(request, ident, 400, {"error": translate(lang, "meshes.error.nofile")})
    cap = upload_cap()
    uploads = []
    for item in data.getlist("files"):
        if isinstance(item, str) or not item.filename:
            continue
        uploads.append((item.filename, await item.read(cap)))
    if not uploads:
        return _design_page(request, ident, 422, {"error": translate(lang, "meshes.error.nofile")})
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
    except UnknownDesign as exc:
        return render(request, "error.html", status_code=404, message=str(exc))
    return _design_page(request, ident, 200, {"result": result})
