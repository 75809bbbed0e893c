"""/api/signal-feeds: RSS/Atom feeds the watch reads, their poll history, a poll on the
queue; /api/signals/{id}/tags: an analyst confirms or corrects a signal's tags.
Writes need a site admin, like the other signal writes (`POST /api/signals`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field, field_validator

from refaire.api._deps import get_store
from refaire.contract.errors import error_responses, problem
from refaire.contract.nul import has_nul
from refaire.contract.params import RowId
from refaire.observatory.feeds import (
    FeedInputError,
    UnknownFeed,
    add_feed,
    feed_detail,
    list_feeds,
    remove_feed,
)
from refaire.observatory.signals import SignalError, UnknownSignal, get_signal, tag_signal
from refaire.people.actor import Actor
from refaire.people.auth import require_admin
from refaire.store import Store

router = APIRouter(tags=["observatory"])
Admin = Annotated[Actor, Depends(require_admin)]
StoreDep = Annotated[Store, Depends(get_store)]


class _NoNul(BaseModel):
    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if has_nul(value):
            raise ValueError("the NUL character is not allowed")
        return value


class FeedIn(_NoNul):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"url": "https://example.org/news.rss", "every": "1d"}]}
    )

    url: str = Field(max_length=2000, description="http(s) URL of an RSS or Atom feed.")
    every: str | None = Field(
        None, max_length=20, description="Poll period (1d, 6h, 30m); none: only when asked."
    )


class TagsIn(_NoNul):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"sectors": ["A61"], "confirm": True}]}
    )

    sectors: list[str] | None = Field(
        None, description="The signal's sectors become exactly these, confirmed."
    )
    practices: list[str] | None = Field(None, description="Its practices, confirmed.")
    actors: list[str] | None = Field(None, description="Its actors, confirmed.")
    confirm: bool = Field(False, description="Confirm every remaining (inferred) tag.")


def _missing(feed_id: int) -> HTTPException:
    return HTTPException(404, f"no feed {feed_id}")


@router.get("/signal-feeds")
def feeds_list(_: Admin, store: StoreDep) -> dict[str, Any]:
    """Watched feeds with the signals each gave and its last poll (admins only)."""
    return list_feeds(store)


@router.post("/signal-feeds", status_code=201, responses=error_responses(401, 403))
def feeds_add(body: FeedIn, actor: Admin, store: StoreDep) -> dict[str, Any]:
    """Watch a feed. Bad values give 422 with `errors` listing every `{field, message}`."""
    try:
        return add_feed(store, body.url, body.every, actor)
    except FeedInputError as exc:
        raise problem(422, str(exc), exc.errors) from None


@router.get("/signal-feeds/{feed_id}")
def feeds_show(feed_id: RowId, _: Admin, store: StoreDep) -> dict[str, Any]:
    """A feed with its poll history, newest first (each poll's error in plain words)."""
    try:
        return feed_detail(store, feed_id)
    except UnknownFeed:
        raise _missing(feed_id) from None


@router.delete("/signal-feeds/{feed_id}")
def feeds_remove(feed_id: RowId, actor: Admin, store: StoreDep) -> dict[str, Any]:
    """Stop watching a feed; the signals it gave stay."""
    try:
        remove_feed(store, feed_id, actor)
    except UnknownFeed:
        raise _missing(feed_id) from None
    return {"removed": feed_id}


@router.post("/signal-feeds/{feed_id}/poll", status_code=202)
def feeds_poll(feed_id: RowId, actor: Admin, store: StoreDep) -> dict[str, Any]:
    """Queue a poll of the feed now; follow it at /api/jobs/{job}."""
    from refaire.jobs.queue import submit
    from refaire.jobs.tasks import poll_feed
    from refaire.people.audit import record_write

    try:
        feed_detail(store, feed_id, history=0)
    except UnknownFeed:
        raise _missing(feed_id) from None
    job = submit(store, poll_feed, feed_id, label=f"poll of feed {feed_id}")
    record_write(store, actor, "feed.poll", "signal_feed", str(feed_id), None, {"job": job})
    return {"job": job, "feed_id": feed_id}


@router.get("/signals/{signal_id}")
def signal_show(signal_id: RowId, store: StoreDep) -> dict[str, Any]:
    """One signal with each tag's origin (stated, inferred with confidence, confirmed)."""
    try:
        return get_signal(store, signal_id)
    except UnknownSignal:
        raise HTTPException(404, f"no signal {signal_id}") from None


@router.post("/signals/{signal_id}/tags", responses=error_responses(401, 403))
def signal_tags_set(
    signal_id: RowId, body: TagsIn, actor: Admin, store: StoreDep
) -> dict[str, Any]:
    """Confirm or correct a signal's tags: each kind given is replaced by those values,
    confirmed; `confirm` confirms the rest. Confirmed tags win over inferred ones."""
    try:
        return tag_signal(
            store, signal_id, actor, sectors=body.sectors, practices=body.practices,
            actors=body.actors, confirm=body.confirm,
        )  # fmt: skip
    except UnknownSignal:
        raise HTTPException(404, f"no signal {signal_id}") from None
    except SignalError as exc:
        raise problem(422, str(exc), exc.errors) from None
