"""/api/jobs: the background jobs and their state, for site admins."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from refaire.api._deps import get_store
from refaire.contract.params import Offset, limit_query
from refaire.jobs import log as job_log
from refaire.people.actor import Actor
from refaire.people.auth import require_admin
from refaire.store import Store

router = APIRouter(tags=["jobs"])
Admin = Annotated[Actor, Depends(require_admin)]
StoreDep = Annotated[Store, Depends(get_store)]
State = Literal["queued", "running", "retrying", "done", "failed"]


@router.get("/jobs")
def jobs_list(
    _: Admin,
    store: StoreDep,
    state: Annotated[State | None, Query(description="Only jobs in this state.")] = None,
    limit: Annotated[int, limit_query(500)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Jobs, newest first, with state, attempts and last error (admins only)."""
    return job_log.list_jobs(store, state=state, limit=limit, offset=offset)


@router.get("/jobs/{job_id}")
def job_show(
    job_id: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9-]+$")],
    _: Admin,
    store: StoreDep,
) -> dict[str, Any]:
    """One job (admins only)."""
    try:
        return job_log.get_job(store, job_id)
    except job_log.UnknownJob:
        raise HTTPException(404, f"no job {job_id}") from None
