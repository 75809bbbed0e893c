"""Web: POST /designs/{id}/meshes — the design page's mesh upload form (`_mesh_upload.html`).

A plain multipart form (works without JavaScript) carrying the admin token, since it
writes; the design page is rendered again with what became of each file.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from refaire.api._deps import require_admin
from refaire.contract.nul import refuse_nul_in_form
from refaire.registry.designs import UnknownDesign, design_detail
from refaire.registry.part_meshes import MAX_BYTES, attach_meshes
from refaire.web import render
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
    lang = choose_language(request)
    data = await request.form()
    refuse_nul_in_form(data.multi_items())
    token = str(data.get("token") or "").strip()
    try:
        require_admin(f"Bearer {token}")
    except HTTPException as exc:
        key = "meshes.error.disabled" if exc.status_code == 403 else "meshes.error.token"
        return _design_page(request, ident, exc.status_code, {"error": translate(lang, key)})
    uploads = []
    for item in data.getlist("files"):
        if isinstance(item, str) or not item.filename:
            continue
        uploads.append((item.filename, await item.read(MAX_BYTES + 1)))
    if not uploads:
        return _design_page(request, ident, 422, {"error": translate(lang, "meshes.error.nofile")})
    try:
        result = attach_meshes(request.app.state.store, ident, uploads)
    except UnknownDesign as exc:
        return render(request, "error.html", status_code=404, message=str(exc))
    return _design_page(request, ident, 200, {"result": result})
