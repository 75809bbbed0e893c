"""/admin/peers: the Refaire instances this one follows, for site admins — follow one (its
key pinned at first contact), see each one's recent pulls and what they refused, queue a
pull, stop following."""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from refaire.contract.nul import refuse_nul_in_form
from refaire.contract.params import RowId
from refaire.federation.peers import PeerError, UnknownPeer, add_peer, list_peers, peer_detail
from refaire.federation.peers import remove_peer as _remove
from refaire.said import in_language
from refaire.web import render
from refaire.web._admin_only import page_admin
from refaire.web.i18n import choose_language

router = APIRouter()


def _page(request: Request, status: int = 200, **extra: object) -> HTMLResponse:
    store = request.app.state.store
    items = [peer_detail(store, p["id"], history=5) for p in list_peers(store)["items"]]
    context = {"error": None, "form": {"url": "", "name": ""},
               "queued": request.query_params.get("queued"), **extra}  # fmt: skip
    return render(request, "admin_peers.html", status_code=status, peers=items, **context)


@router.get("/admin/peers", response_class=HTMLResponse)
def peers_page(request: Request) -> HTMLResponse:
    page_admin(request)
    return _page(request)


@router.post("/admin/peers", response_class=HTMLResponse)
async def peers_add(request: Request) -> Response:
    actor = page_admin(request)
    form = await request.form()
    refuse_nul_in_form(form.multi_items())
    values = {k: str(form.get(k) or "") for k in ("url", "name")}
    try:
        add_peer(request.app.state.store, values["url"], values["name"] or None, actor)
    except PeerError as exc:
        # the message names the URL and what it answered: record text, escaped by the template
        lang = choose_language(request)
        error = "; ".join(str(in_language(lang, m)) for _, m in exc.errors)
        return _page(request, status=422, error=error, form=values)
    return RedirectResponse("/admin/peers", status_code=303)


@router.post("/admin/peers/{peer_id}/pull")
def peers_pull(request: Request, peer_id: RowId) -> Response:
    actor = page_admin(request)
    store = request.app.state.store
    try:
        peer_detail(store, peer_id, history=0)
    except UnknownPeer:
        return RedirectResponse("/admin/peers", status_code=303)
    from refaire.jobs.queue import submit
    from refaire.jobs.tasks import peer_pull
    from refaire.people.audit import record_write

    job = submit(store, peer_pull, peer_id, label=f"pull of peer {peer_id}")
    record_write(store, actor, "peer.pull", "peer", str(peer_id), None, {"job": job})
    return RedirectResponse(f"/admin/peers?queued={job}", status_code=303)


@router.post("/admin/peers/{peer_id}/remove")
def peers_remove(request: Request, peer_id: RowId) -> Response:
    actor = page_admin(request)
    with suppress(UnknownPeer):  # gone already: the list says so
        _remove(request.app.state.store, peer_id, actor)
    return RedirectResponse("/admin/peers", status_code=303)
