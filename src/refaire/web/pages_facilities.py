"""Pages: facility search, facility detail, and the map of every facility."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from refaire.contract.params import Page, RowId, page_offset
from refaire.places import parse_radius
from refaire.registry.facilities import (
    FilterError,
    UnknownFacility,
    check_filters,
    facility_detail,
    search,
)
from refaire.said import error_text
from refaire.store.facility_search import facility_points
from refaire.web import render
from refaire.web.i18n import catalogue, choose_language, translate

router = APIRouter()
PAGE_SIZE = 20


def _options(kind: str, lang: str) -> list[dict[str, Any]]:
    """Vocabulary ids for a <select>, children indented under their parent."""
    from refaire.vocab.capabilities import vocabulary

    rows = vocabulary(kind)
    parents = {r["id"]: r["parent"] for r in rows}

    def depth(i: str) -> int:
        d, p = 0, parents.get(i)
        while p:
            d, p = d + 1, parents.get(p)
        return d

    labelled = [
        {"id": r["id"], "label": r.get(f"label_{lang}") or r["label_en"], "depth": depth(r["id"])}
        for r in rows
    ]
    if kind == "material":
        # materials have no useful hierarchy for choosing; alphabetical reads best
        labelled.sort(key=lambda o: o["label"].casefold())
    return labelled


RULES = ("catalogue", "alias", "brand", "wikipedia", "tsdc", "fab-charter-inventory")


def _helpers(lang: str) -> dict[str, Any]:
    """Template functions that explain kinds and inference rules in the page language."""

    def kind_label(kind: str) -> str:
        key = f"kind.{kind}"
        return translate(lang, key) if key in catalogue("en") else kind

    def rule_text(cap: dict[str, Any]) -> str:
        kind = cap.get("rule_kind")
        if kind in RULES:
            text = translate(lang, f"rule.{kind}", detail=cap.get("rule_detail") or "")
        else:
            # an unknown rule is shown as is rather than hidden
            text = translate(lang, "rule.other", rule=cap.get("rule") or "?")
        pct = round(float(cap.get("confidence") or 0) * 100)
        return translate(lang, "rule.confidence", text=text, confidence=pct)

    def km(distance: float) -> str:
        from refaire.localise import num

        return translate(lang, "facilities.km", km=num(distance, 1, lang))

    return {"kind_label": kind_label, "rule_text": rule_text, "km": km}


@router.get("/facilities", response_class=HTMLResponse)
def facilities_page(
    request: Request,
    q: str | None = None,
    near: str | None = None,
    radius_km: str | None = None,
    process: str | None = None,
    material: str | None = None,
    country: str | None = None,
    page: Page = 1,
) -> HTMLResponse:
    store = request.app.state.store
    lang = choose_language(request)
    form = {
        "q": q or "",
        "near": near or "",
        "radius_km": radius_km or "",
        "process": process or "",
        "material": material or "",
        "country": country or "",
    }
    error = None
    result: dict[str, Any] = {"total": 0, "items": [], "offset": 0}
    try:
        filters = check_filters(
            near or None,
            parse_radius(radius_km, None),
            process or None,
            material or None,
            country or None,
            lang,
        )
    except ValueError as exc:  # FilterError, or a radius that is not a number
        error = error_text(exc, lang)
    else:
        offset = page_offset(page, PAGE_SIZE)
        result = search(store, filters, lang, q=q, limit=PAGE_SIZE, offset=offset)
    pages = max(1, -(-result["total"] // PAGE_SIZE))
    return render(
        request,
        "facilities.html",
        status_code=400 if error else 200,
        result=result,
        form=form,
        error=error,
        page=page,
        pages=pages,
        processes=_options("process", lang),
        materials=_options("material", lang),
        **_helpers(lang),
    )


HERE_PAGE = 50


@router.get("/facilities/{fid}/designs", response_class=HTMLResponse)
def facility_designs_page(
    request: Request,
    fid: RowId,
    which_list: Annotated[str | None, Query(alias="list")] = None,
    page: Page = 1,
) -> HTMLResponse:
    """Every design the place can make (or misses by one requirement), best first, paged."""
    from refaire.match.engine import UnknownFacility as NoFacility
    from refaire.match.engine import match_facility

    lang = choose_language(request)
    which = "near" if which_list == "near" else "complete"
    try:
        here = match_facility(
            request.app.state.store, fid, lang, HERE_PAGE, page_offset(page, HERE_PAGE)
        )
    except NoFacility:
        message = translate(lang, "facility.not_found", ident=fid)
        return render(request, "error.html", status_code=404, message=message)
    pages = max(1, -(-here["counts"][which] // HERE_PAGE))
    return render(
        request, "facility_designs.html", here=here, which=which, page=page, pages=pages
    )


@router.get("/facilities/{ident:path}", response_class=HTMLResponse)
def facility_page(request: Request, ident: str) -> HTMLResponse:
    store = request.app.state.store
    try:
        f = facility_detail(store, ident)
    except UnknownFacility:
        message = translate(choose_language(request), "facility.not_found", ident=ident)
        return render(request, "error.html", status_code=404, message=message)
    return render(request, "facility.html", f=f, **_helpers(choose_language(request)))


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, process: str | None = None) -> HTMLResponse:
    store = request.app.state.store
    lang = choose_language(request)
    try:
        chosen = check_filters(process=process or None).get("process")
    except FilterError:
        chosen = None
    located = len(facility_points(store, process=chosen))
    from refaire.web.map_layers import tile_settings

    return render(
        request,
        "map.html",
        tiles=tile_settings(),
        processes=_options("process", lang),
        process=chosen or "",
        located=located,
    )
