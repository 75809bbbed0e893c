"""/api/sources: the sources this instance crawls, their history, a crawl on the queue.
Site admins only: a source URL may name something not meant for everyone."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from refaire.api._deps import get_store
from refaire.contract.errors import error_responses, problem
from refaire.contract.params import Offset, RowId, limit_query
from refaire.crawl.sources import (
    SourceError,
    UnknownSource,
    add_source,
    list_sources,
    remove_source,
    source_detail,
)
from refaire.people.actor import Actor
from refaire.people.auth import require_admin
from refaire.store import Store

router = APIRouter(tags=["sources"])
Admin = Annotated[Actor, Depends(require_admin)]
StoreDep = Annotated[Store, Depends(get_store)]


class SourceIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"url": "https://example.org/okh-list.txt", "every": "1d"}]}
    )

    url: str = Field(
        max_length=2000, description="http(s) URL: a manifest, a list of URLs, a facility list."
    )
    every: str | None = Field(
        None, max_length=20, description="Crawl period (1d, 6h, 30m); none: only when asked."
    )


def _missing(source_id: int) -> HTTPException:
    return HTTPException(404, f"no source {source_id}")


@router.get("/sources")
def sources_list(
    _: Admin, store: StoreDep, limit: Annotated[int, limit_query(500)] = 50, offset: Offset = 0
) -> dict[str, Any]:
    """Sources with their document counts and last crawl (admins only)."""
    return list_sources(store, limit=limit, offset=offset)


@router.post("/sources", status_code=201, responses=error_responses(401, 403))
def sources_add(body: SourceIn, actor: Admin, store: StoreDep) -> dict[str, Any]:
    """Add a source. Bad values give 422 with `errors` listing every `{field, message}`."""
    try:
        return add_source(store, body.url, body.every, actor)
    except SourceError as exc:
        raise problem(422, str(exc), exc.errors) from None


@router.get("/sources/{source_id}")
def sources_show(source_id: RowId, _: Admin, store: StoreDep) -> dict[str, Any]:
    """A source with its crawl history (newest first) and withdrawn documents."""
    try:
        return source_detail(store, source_id)
    except UnknownSource:
        raise _missing(source_id) from None


@router.delete("/sources/{source_id}")
def sources_remove(source_id: RowId, actor: Admin, store: StoreDep) -> dict[str, Any]:
    """Stop crawling a source; the records it brought stay."""
    try:
        remove_source(store, source_id, actor)
    except UnknownSource:
        raise _missing(source_id) from None
    return {"removed": source_id}


@router.post("/sources/{source_id}/crawl", status_code=202)
def sources_crawl(source_id: RowId, actor: Admin, store: StoreDep) -> dict[str, Any]:
    """Queue a crawl of the source now; follow it at /api/jobs/{job}."""
    from refaire.jobs.queue import submit
    from refaire.jobs.tasks import crawl
    from refaire.people.audit import record_write

    try:
        source_detail(store, source_id, history=0)
    except UnknownSource:
        raise _missing(source_id) from None
    job = submit(store, crawl, source_id, label=f"crawl of source {source_id}")
    record_write(store, actor, "source.crawl", "source", str(source_id), None, {"job": job})
    return {"job": job, "source_id": source_id}
