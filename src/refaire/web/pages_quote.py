"""Page: /quote — upload a part, see its size, who can make it, and the price breakdown.

The form is a plain multipart POST (works without JavaScript); the drop zone is a small
progressive enhancement in the template. `_quote_panel.html` is a compact version of the
form for other pages (design, facility); it reads `quote_materials` from the template
globals set here.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from refaire.contract.nul import refuse_nul_in_form
from refaire.said import error_text
from refaire.web import render, templates
from refaire.web.i18n import choose_language, translate

router = APIRouter()

PROCESS_ORDER = ("fdm", "sla", "laser")


def quote_materials(lang: str) -> list[dict[str, Any]]:
    """Quotable materials grouped by process, labelled in `lang`, for a <select>."""
    from refaire.quote.rates import materials_for
    from refaire.vocab.capabilities import is_known, label

    groups = []
    for process in PROCESS_ORDER:
        options = [
            {"id": m, "label": label(m, lang) if is_known(m, "material") else m.upper()}
            for m in materials_for(process)
        ]
        options.sort(key=lambda o: o["label"].casefold())
        groups.append(
            {
                "process": process,
                "label": translate(lang, f"quote.process.{process}"),
                "options": options,
            }
        )
    return groups


def panel_material(parts: list[dict[str, Any]] | None) -> str:
    """The first quotable material a design's parts name, to preselect in the panel."""
    from refaire.quote.rates import rates

    known = rates()["materials"]
    for part in parts or []:
        for m in part.get("materials") or []:
            if m in known:
                return m
    return "pla"


templates.env.globals["quote_materials"] = quote_materials
templates.env.globals["quote_panel_material"] = panel_material


def _number(lang: str):  # noqa: ANN202 - a template helper
    from refaire.localise import num

    def fmt(value: float | None, digits: int = 2) -> str:
        # amounts: two decimals unless the template asks otherwise; Babel's separators
        return num(value, digits, lang)

    return fmt


def _form(data: Any) -> dict[str, str]:
    keys = ("material", "qty", "facility_id", "near", "thickness", "design")
    return {k: str(data.get(k) or "").strip() for k in keys}


def _page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    lang = choose_language(request)
    context.setdefault("result", None)
    context.setdefault("error", None)
    context.setdefault("design", None)
    return render(
        request,
        "quote.html",
        status_code=status,
        num=_number(lang),
        materials=quote_materials(lang),
        **context,
    )


def _design(request: Request, ident: str) -> dict[str, Any] | None:
    if not ident:
        return None
    from refaire.registry.designs import UnknownDesign, design_detail

    try:
        d = design_detail(request.app.state.store, ident)
    except UnknownDesign:
        return None
    return {"id": d["id"], "name": d["name"], "parts": d.get("parts") or []}


def _facility(request: Request, ident: str) -> dict[str, Any] | None:
    if not ident:
        return None
    from refaire.store.facilities import get_facility

    found = get_facility(request.app.state.store, ident)
    return None if found is None else {"id": found[0], "name": found[1].name}


@router.get("/quote", response_class=HTMLResponse)
def quote_page(request: Request) -> HTMLResponse:
    form = _form(request.query_params)
    design = _design(request, form["design"])
    if not form["material"]:
        form["material"] = panel_material(design["parts"]) if design else "pla"
    return _page(
        request, form=form, design=design, facility=_facility(request, form["facility_id"])
    )


@router.post("/quote", response_class=HTMLResponse)
async def quote_submit(request: Request) -> HTMLResponse:
    from refaire import limits
    from refaire.jobs import JobsBusy
    from refaire.jobs.uploads import measure_off_loop, queue_store
    from refaire.quote.service import QuoteError, UnknownFacilityError, quote_file

    lang = choose_language(request)
    data = await request.form()  # already read by the CSRF check (people.csrf)
    refuse_nul_in_form(data.multi_items())
    form = _form(data)
    context = {
        "form": form,
        "design": _design(request, form["design"]),
        "facility": _facility(request, form["facility_id"]),
    }
    upload = data.get("file")
    if upload is None or isinstance(upload, str) or not upload.filename:
        return _page(request, 422, error=translate(lang, "quote.error.nofile"), **context)
    cap = limits.max_upload_bytes()
    payload = await upload.read(cap + 1)
    if len(payload) > cap:
        message = translate(lang, "quote.error.toobig", mb=cap // 2**20)
        return _page(request, 413, error=message, **context)
    try:
        qty = int(form["qty"] or 1)
        thickness = float(form["thickness"].replace(",", ".")) if form["thickness"] else None
    except ValueError:
        return _page(request, 422, error=translate(lang, "quote.error.number"), **context)
    try:
        measurement = await measure_off_loop(upload.filename, payload, queue_store(request))
    except JobsBusy:
        return _page(request, 503, error=translate(lang, "uploads.busy"), **context)
    try:
        result = await run_in_threadpool(
            quote_file, request.app.state.store, upload.filename, payload,
            form["material"] or "pla", facility_id=form["facility_id"] or None, qty=qty,
            near=form["near"] or None, thickness_mm=thickness, lang=lang,
            measurement=measurement,
        )  # fmt: skip
    except UnknownFacilityError as exc:
        return _page(request, 404, error=error_text(exc, lang), **context)
    except QuoteError as exc:
        return _page(request, 422, error=error_text(exc, lang), measurement=exc.measurement, **context)
    return _page(request, result=result, measurement=result["measurement"], **context)
