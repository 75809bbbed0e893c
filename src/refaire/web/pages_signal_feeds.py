"""/observatory/signals/feeds: the feeds the watch reads, for site admins — add one, see its
poll history (errors in plain words), queue a poll, remove one; and the analyst's form that
confirms or corrects a signal's tags (POST /observatory/signals/{id}/tags)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refaire.contract.nul import refuse_nul_in_form
from refaire.contract.params import RowId
from refaire.observatory.feeds import (
    FeedInputError,
    UnknownFeed,
    add_feed,
    feed_detail,
    list_feeds,
    remove_feed,
)
from refaire.observatory.signals import SignalError, UnknownSignal, tag_signal
from refaire.web import render
from refaire.web._admin_only import page_admin
from refaire.web.i18n import choose_language, translate

router = APIRouter()


def _error_key(field: str, message: str) -> str:
    if field == "every":
        return "sources.error.every_min" if "at least" in message else "sources.error.every"
    return "feeds.error.taken" if "already" in message else "sources.error.url"


def _list(request: Request, status: int = 200, **extra: object) -> HTMLResponse:
    context = {"errors": [], "form": {"url": "", "every": ""}, **extra}
    result = list_feeds(request.app.state.store)
    return render(request, "signal_feeds.html", status_code=status, result=result, **context)


def _not_found(request: Request) -> HTMLResponse:
    lang = choose_language(request)
    return render(
        request, "error.html", status_code=404, message=translate(lang, "error.not_found")
    )


@router.get("/observatory/signals/feeds", response_class=HTMLResponse)
def feeds_page(request: Request) -> HTMLResponse:
    page_admin(request)
    return _list(request)


@router.post("/observatory/signals/feeds", response_class=HTMLResponse)
async def feeds_add(request: Request) -> Response:
    actor = page_admin(request)
    form = await request.form()
    refuse_nul_in_form(form.multi_items())
    values = {k: str(form.get(k) or "") for k in ("url", "every")}
    try:
        made = add_feed(request.app.state.store, values["url"], values["every"] or None, actor)
    except FeedInputError as exc:
        lang = choose_language(request)
        errors = [translate(lang, _error_key(f, m)) for f, m in exc.errors]
        return _list(request, status=422, errors=errors, form=values)
    return RedirectResponse(f"/observatory/signals/feeds/{made['id']}", status_code=303)


@router.get("/observatory/signals/feeds/{feed_id}", response_class=HTMLResponse)
def feed_page(request: Request, feed_id: RowId) -> HTMLResponse:
    page_admin(request)
    try:
        detail = feed_detail(request.app.state.store, feed_id)
    except UnknownFeed:
        return _not_found(request)
    return render(
        request, "signal_feed.html", feed=detail, queued=request.query_params.get("queued")
    )


@router.post("/observatory/signals/feeds/{feed_id}/poll")
def feed_poll(request: Request, feed_id: RowId) -> Response:
    actor = page_admin(request)
    store = request.app.state.store
    try:
        feed_detail(store, feed_id, history=0)
    except UnknownFeed:
        return _not_found(request)
    from refaire.jobs.queue import submit
    from refaire.jobs.tasks import poll_feed
    from refaire.people.audit import record_write

    job = submit(store, poll_feed, feed_id, label=f"poll of feed {feed_id}")
    record_write(store, actor, "feed.poll", "signal_feed", str(feed_id), None, {"job": job})
    return RedirectResponse(f"/observatory/signals/feeds/{feed_id}?queued={job}", status_code=303)


@router.post("/observatory/signals/feeds/{feed_id}/remove")
def feed_remove(request: Request, feed_id: RowId) -> Response:
    actor = page_admin(request)
    try:
        remove_feed(request.app.state.store, feed_id, actor)
    except UnknownFeed:
        return _not_found(request)
    return RedirectResponse("/observatory/signals/feeds", status_code=303)


@router.post("/observatory/signals/{signal_id}/tags")
async def signal_tags(request: Request, signal_id: RowId) -> Response:
    actor = page_admin(request)
    form = await request.form()
    refuse_nul_in_form(form.multi_items())
    sectors = [str(s) for s in form.getlist("sectors") if str(s).strip()]
    lang = choose_language(request)
    try:
        tag_signal(
            request.app.state.store, signal_id, actor, sectors=sectors or None,
            confirm=form.get("confirm") == "1",
        )  # fmt: skip
    except UnknownSignal:
        return _not_found(request)
    except SignalError:
        return render(
            request, "error.html", status_code=422, message=translate(lang, "feeds.tag_nothing")
        )
    return RedirectResponse(f"/observatory/signals?tagged={signal_id}", status_code=303)
