"""Pages: home, design search, design detail."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from refaire.contract.params import Page, page_offset
from refaire.registry.designs import UnknownDesign, design_detail
from refaire.store.design_search import search_designs
from refaire.store.designs import FACETS, count_designs
from refaire.text_expand import tried_words
from refaire.web import render
from refaire.web.i18n import choose_language, translate

router = APIRouter()
PAGE_SIZE = 20


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    store = request.app.state.store
    counts = {"designs": count_designs(store)}
    try:
        from refaire.store.facilities import count_facilities

        counts["facilities"] = count_facilities(store)
    except ImportError:
        pass
    return render(request, "home.html", counts=counts)


@router.get("/designs", response_class=HTMLResponse)
def designs_page(
    request: Request, q: str | None = None, page: Page = 1, view: str | None = None
) -> HTMLResponse:
    store = request.app.state.store
    filters = {
        f: request.query_params.getlist(f) for f in FACETS if request.query_params.getlist(f)
    }
    result = search_designs(
        store, q=q, filters=filters, limit=PAGE_SIZE, offset=page_offset(page, PAGE_SIZE)
    )
    pages = max(1, -(-result["total"] // PAGE_SIZE))
    tried: list[str] = []
    sectors: list[dict] = []
    if q and not result["total"]:
        # Nothing found: say which words were tried, and offer the sectors to browse instead.
        tried = tried_words(q)
        sectors = search_designs(store, limit=1)["facets"]["sector"][:8]
    return render(
        request,
        "designs.html",
        result=result,
        page=page,
        pages=pages,
        q=q or "",
        tried=tried,
        browse_sectors=sectors,
        # cards with pictures by default; ?view=list is the plain list (no images)
        view="list" if view == "list" else "grid",
    )


@router.get("/designs/{ident}", response_class=HTMLResponse)
def design_page(request: Request, ident: str) -> HTMLResponse:
    store = request.app.state.store
    try:
        d = design_detail(store, ident)
    except UnknownDesign:
        message = translate(choose_language(request), "designs.not_found", ident=ident)
        return render(request, "error.html", status_code=404, message=message)
    licence_info = None
    if d.get("licence"):
        from refaire.vocab.licences import licence_summary

        licence_info = licence_summary(d["licence"]["expression"], lang=_lang(request))
    return render(request, "design.html", d=d, licence_info=licence_info)


def _lang(request: Request) -> str:
    from refaire.web.i18n import choose_language

    return choose_language(request)
