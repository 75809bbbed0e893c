"""Pages: the observatory dashboard (/observatory) and the watch of signals (/observatory/signals)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from refaire.contract.nul import refuse_nul_in_form
from refaire.observatory.figures import FilterError, dashboard
from refaire.observatory.signals import PRACTICES, SignalError, add_signal, list_signals
from refaire.observatory.tables import TABLES
from refaire.people.auth import session_actor
from refaire.web import render
from refaire.web.i18n import choose_language, translate

router = APIRouter()

CHART_LABELS = (
    "sectors", "countries", "facilities", "designs", "maturity", "otrl", "odrl", "not_stated",
    "growth", "created", "certified", "updated", "signals", "index", "index_axis",
)  # fmt: skip


def _sector_options(lang: str) -> list[dict[str, str]]:
    from refaire.vocab.sectors import known_sectors, sector_label

    return [{"id": s, "label": f"{s} · {sector_label(s, lang)}"} for s in known_sectors()]


def _formatters(lang: str) -> dict[str, Any]:
    """num, pct, country_name and day in the page's language (Babel, see refaire.localise)."""
    from refaire import localise as numbers

    return {
        "num": lambda v, digits=0: numbers.num(v, digits, lang),
        "pct": lambda v, digits=0: numbers.pct(v, digits, lang),
        "country_name": lambda code: numbers.country(code, lang),
        "day": lambda v: numbers.date(v, lang),
    }


@router.get("/observatory", response_class=HTMLResponse)
def observatory_page(
    request: Request, sector: str | None = None, country: str | None = None
) -> HTMLResponse:
    lang = choose_language(request)
    error = None
    try:
        d = dashboard(request.app.state.store, sector=sector, country=country, lang=lang)
    except FilterError as exc:
        error = str(exc)
        d = dashboard(request.app.state.store, lang=lang)
    labels = {k: translate(lang, f"obs.chart.{k}") for k in CHART_LABELS}
    query = "&".join(f"{k}={v}" for k, v in d["filters"].items() if v)
    return render(
        request,
        "observatory.html",
        status_code=400 if error else 200,
        d=d,
        error=error,
        charts=_charts(d, labels),
        sectors=_sector_options(lang),
        tables=list(TABLES),
        query=query,
        **_formatters(lang),
        sector=d["filters"]["sector"] or "",
        country=d["filters"]["country"] or (country or ""),
    )


@router.get("/observatory/sectors/{sector_id}", response_class=HTMLResponse)
def sector_page(request: Request, sector_id: str) -> HTMLResponse:
    """One sector as a printable report (see observatory.sector_report)."""
    from refaire.observatory.local import country_centres
    from refaire.observatory.sector_report import sector_report

    lang = choose_language(request)
    try:
        r = sector_report(request.app.state.store, sector_id, lang=lang)
    except FilterError as exc:
        return render(request, "error.html", status_code=404, message=str(exc))
    points = []
    if r["where_made"] and r["where_made"]["computed"]:
        centres = country_centres()
        from refaire.localise import country

        for c in r["where_made"]["countries"]:
            if c["country"] in centres:
                lat, lon = centres[c["country"]]
                points.append([lat, lon, c["designs"], country(c["country"], lang)])
    return render(request, "observatory_sector.html", r=r, where_points=points, **_formatters(lang))


def _signals_context(
    request: Request, lang: str, sector: str | None, tag: str | None
) -> dict[str, Any]:
    store = request.app.state.store
    error = None
    try:
        result = list_signals(store, sector=sector, tag=tag, limit=200)
    except SignalError as exc:
        error = "; ".join(m for _, m in exc.texts(lang))
        result = list_signals(store, limit=200)
    return {
        "result": result,
        "list_error": error,
        "sectors": _sector_options(lang),
        "practices": PRACTICES,
        "sector": sector or "",
        "tag": tag or "",
        "form": {},
        "errors": {},
    }


@router.get("/observatory/signals", response_class=HTMLResponse)
def signals_page(
    request: Request, sector: str | None = None, tag: str | None = None, added: int | None = None
) -> HTMLResponse:
    lang = choose_language(request)
    ctx = _signals_context(request, lang, sector, tag)
    status = 400 if ctx["list_error"] else 200
    return render(request, "signals.html", status_code=status, added=added, **ctx)


@router.post("/observatory/signals", response_class=HTMLResponse)
async def signals_post(request: Request) -> HTMLResponse:
    lang = choose_language(request)
    form = await request.form()
    refuse_nul_in_form(form.multi_items())
    values = {k: str(form.get(k) or "") for k in ("title", "url", "published", "summary", "actors")}
    sectors = [str(s) for s in form.getlist("sectors") if str(s).strip()]
    practices = [str(p) for p in form.getlist("practices")]
    ctx = _signals_context(request, lang, None, None)
    ctx["form"] = {**values, "sectors": sectors, "practices": practices}
    actor = session_actor(request)
    if not actor.is_admin:
        status = 401 if actor.is_anonymous else 403
        return render(
            request,
            "error.html",
            status_code=status,
            message=translate(lang, "people.admin_needed"),
        )
    try:
        sig = add_signal(
            request.app.state.store,
            title=values["title"],
            url=values["url"],
            published=values["published"],
            summary=values["summary"],
            sectors=sectors,
            practices=practices,
            actors=values["actors"],
            actor=actor,
        )
    except SignalError as exc:
        errors: dict[str, str] = {}
        for fld, msg in exc.texts(lang):
            errors[fld] = f"{errors[fld]}; {msg}" if fld in errors else msg
        ctx["errors"] = errors
        return render(request, "signals.html", status_code=422, added=None, **ctx)
    # post/redirect/get: reloading the list does not post the signal twice
    return RedirectResponse(f"/observatory/signals?added={sig['id']}", status_code=303)


def _charts(d: Any, labels: Any) -> Any:
    # matplotlib takes a large part of the server's start: loaded at the first chart drawn
    from refaire.observatory.charts import all_charts

    return all_charts(d, labels)
