"""/admin/sources: the sources this instance crawls, for site admins — add one, see each
one's crawl history, queue a crawl, remove one."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refaire.contract.nul import refuse_nul_in_form
from refaire.contract.params import Page, RowId, page_offset
from refaire.crawl.sources import (
    SourceError,
    UnknownSource,
    add_source,
    list_sources,
    remove_source,
    source_detail,
)
from refaire.web import render
from refaire.web._admin_only import page_admin
from refaire.web.i18n import choose_language, translate

router = APIRouter()
PAGE = 50


def _list(request: Request, page: int, status: int = 200, **extra: object) -> HTMLResponse:
    result = list_sources(request.app.state.store, limit=PAGE, offset=page_offset(page, PAGE))
    context = {"error": None, "form": {"url": "", "every": ""}, **extra}
    return render(
        request, "admin_sources.html", status_code=status, result=result, page=page,
        pages=max(1, -(-result["total"] // PAGE)), **context,
    )  # fmt: skip


@router.get("/admin/sources", response_class=HTMLResponse)
def sources_page(request: Request, page: Page = 1) -> HTMLResponse:
    page_admin(request)
    return _list(request, page)


@router.post("/admin/sources", response_class=HTMLResponse)
async def sources_add(request: Request) -> Response:
    actor = page_admin(request)
    form = await request.form()
    refuse_nul_in_form(form.multi_items())
    values = {k: str(form.get(k) or "") for k in ("url", "every")}
    try:
        made = add_source(request.app.state.store, values["url"], values["every"] or None, actor)
    except SourceError as exc:
        error = translate(choose_language(request), exc.key)
        return _list(request, 1, status=422, error=error, form=values)
    return RedirectResponse(f"/admin/sources/{made['id']}", status_code=303)


def _detail_or_404(request: Request, source_id: int) -> dict | None:
    try:
        return source_detail(request.app.state.store, source_id)
    except UnknownSource:
        return None


def _not_found(request: Request) -> HTMLResponse:
    lang = choose_language(request)
    return render(
        request, "error.html", status_code=404, message=translate(lang, "error.not_found")
    )


@router.get("/admin/sources/{source_id}", response_class=HTMLResponse)
def source_page(request: Request, source_id: RowId) -> HTMLResponse:
    page_admin(request)
    detail = _detail_or_404(request, source_id)
    if detail is None:
        return _not_found(request)
    return render(
        request, "admin_source.html", source=detail, queued=request.query_params.get("queued")
    )


@router.post("/admin/sources/{source_id}/crawl")
def source_crawl(request: Request, source_id: RowId) -> Response:
    actor = page_admin(request)
    if _detail_or_404(request, source_id) is None:
        return _not_found(request)
    from refaire.jobs.queue import submit
    from refaire.jobs.tasks import crawl
    from refaire.people.audit import record_write

    store = request.app.state.store
    job = submit(store, crawl, source_id, label=f"crawl of source {source_id}")
    record_write(store, actor, "source.crawl", "source", str(source_id), None, {"job": job})
    return RedirectResponse(f"/admin/sources/{source_id}?queued={job}", status_code=303)


@router.post("/admin/sources/{source_id}/remove")
def source_remove(request: Request, source_id: RowId) -> Response:
    actor = page_admin(request)
    try:
        remove_source(request.app.state.store, source_id, actor)
    except UnknownSource:
        return _not_found(request)
    return RedirectResponse("/admin/sources", status_code=303)
