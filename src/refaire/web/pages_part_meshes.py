"""Web: POST /designs/{id}/meshes — the design page's mesh upload form (`_mesh_upload.html`).

A plain multipart form (works without JavaScript) posted by a signed-in admin (session and
CSRF token); the design page is rendered again with what became of each file.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from refaire.people.audit import record_write
from refaire.people.auth import session_actor
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
    actor = session_actor(request)
    if not actor.is_admin:
        status = 401 if actor.is_anonymous else 403
        return _design_page(
            request, ident, status, {"error": translate(lang, "people.admin_needed")}
        )
    data = await request.form()
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
    files = [name for name, _ in uploads]
    record_write(
        request.app.state.store, actor, "design.meshes", "design", ident, None, {"files": files}
    )
    return _design_page(request, ident, 200, {"result": result})
