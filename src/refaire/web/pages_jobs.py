"""/admin/jobs: the background jobs with their state and last error, for site admins."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from refaire.contract.params import Page, page_offset
from refaire.jobs import log as job_log
from refaire.web import render
from refaire.web._admin_only import page_admin

router = APIRouter()
PAGE = 50


@router.get("/admin/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request,
    state: Annotated[
        Literal["queued", "running", "retrying", "done", "failed"] | None, Query()
    ] = None,
    page: Page = 1,
) -> HTMLResponse:
    page_admin(request)
    result = job_log.list_jobs(
        request.app.state.store, state=state, limit=PAGE, offset=page_offset(page, PAGE)
    )
    return render(
        request, "admin_jobs.html", result=result, state=state or "", states=job_log.STATES,
        page=page, pages=max(1, -(-result["total"] // PAGE)),
    )  # fmt: skip
