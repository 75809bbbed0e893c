"""Pages: /designs/{id}/match (where can I make this?) and the panels other pages include.

`_match_panel.html` (on a design page) is a plain GET form: a town or coordinates
(`places.resolve_place`), or a preset city when the place is left empty, and a radius;
"use my location" (static/locate.js) fills the place from the browser where it can. The results page is rendered on the
server (matches, reasons, plans); its map is an enhancement over the same data.
`_match_facility.html` (on a facility page) calls the `match_made_here` template global.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from refaire.said import error_text
from refaire.web import render, templates
from refaire.web.i18n import choose_language, translate

router = APIRouter()

# A few places to try the engine without looking up coordinates.
PRESETS: tuple[tuple[str, float, float], ...] = (
    ("Lyon", 45.764, 4.8357),
    ("Paris", 48.8566, 2.3522),
    ("London", 51.5074, -0.1278),
    ("Cardiff", 51.4816, -3.1791),
    ("Manchester", 53.4808, -2.2426),
    ("Glasgow", 55.8642, -4.2518),
    ("Berlin", 52.52, 13.405),
    ("Barcelona", 41.3874, 2.1686),
    ("Nairobi", -1.2921, 36.8219),
    ("New York", 40.7128, -74.006),
)
DEFAULT_RADIUS_KM = 50.0
# Beyond this, getting a part made means a trip or a parcel: the quote panel says so.
FAR_KM = 80.0


def match_presets() -> list[dict[str, Any]]:
    return [{"name": n, "value": f"{lat},{lon}"} for n, lat, lon in PRESETS]


def match_made_here(request: Request, facility_id: int, limit: int = 12) -> dict[str, Any]:
    """Reverse match for the facility page, in the page language."""
    from refaire.match.engine import match_facility

    return match_facility(request.app.state.store, facility_id, choose_language(request), limit)


templates.env.globals["match_presets"] = match_presets
templates.env.globals["match_made_here"] = match_made_here


@router.get("/designs/{ident}/match", response_class=HTMLResponse)
def design_match_page(
    request: Request,
    ident: str,
    near: str | None = None,
    preset: str | None = None,
    radius_km: str | None = None,
    quote_at: int | None = None,
) -> HTMLResponse:
    from refaire.match.engine import UnknownDesign, match_design
    from refaire.places import parse_radius, resolve_place

    store = request.app.state.store
    lang = choose_language(request)
    from refaire.people.web import home_place

    # no place given: the town of the signed-in person's profile
    where = (near or "").strip() or (preset or "").strip() or home_place(request)
    form = {"near": where, "radius_km": radius_km or f"{DEFAULT_RADIUS_KM:g}"}
    try:
        radius = parse_radius(radius_km, DEFAULT_RADIUS_KM) or DEFAULT_RADIUS_KM
        if not where:
            raise ValueError("")
        place = resolve_place(where)
    except ValueError as exc:
        from refaire.registry.designs import UnknownDesign as UnknownDetail
        from refaire.registry.designs import design_detail

        try:
            d = design_detail(store, ident, with_manifest=False)
        except UnknownDetail:
            return _not_found(request, ident)
        return render(
            request,
            "match.html",
            status_code=400 if where else 200,
            d={"id": d["id"], "name": d["name"], "requirements": d["requirements"]},
            result=None,
            error=error_text(exc, lang) or None,
            form=form,
        )
    try:
        lat, lon = place.point
        result = match_design(store, ident, lat, lon, radius, lang, place=place)
    except UnknownDesign:
        return _not_found(request, ident)
    points = [
        {
            "id": m["facility"]["id"],
            "name": m["facility"]["name"],
            "lat": m["latitude"],
            "lon": m["longitude"],
            "complete": m["complete"],
            "coverage": m["coverage"],
            "km": m["distance_km"],
        }
        for m in result["matches"]
    ]
    return render(
        request,
        "match.html",
        d={**result["design"], "requirements": result["requirements"]},
        result=result,
        error=None,
        form=form,
        points=points,
        centre=[lat, lon],
        radius=radius,
        quote=quote_choice(result["matches"], quote_at),
    )


def _not_found(request: Request, ident: str) -> HTMLResponse:
    message = translate(choose_language(request), "designs.not_found", ident=ident)
    return render(request, "error.html", status_code=404, message=message)


def quote_choice(matches: list[dict[str, Any]], chosen: int | None) -> dict[str, Any]:
    """The place the quote panel of the results is for, and how far the nearest capable
    place is: the one the user chose ("quote here"), else the nearest place that can make
    everything, else the nearest match. `far` is set when even the nearest capable place
    is over `FAR_KM` away, or none within the radius can make everything."""
    capable = [m for m in matches if m["complete"]]
    nearest = min(capable, key=lambda m: m["distance_km"]) if capable else None
    picked = next((m for m in matches if m["facility"]["id"] == chosen), None)
    picked = picked or nearest or (matches[0] if matches else None)
    return {
        "match": picked,
        "nearest_capable": nearest,
        "far": nearest is None or nearest["distance_km"] > FAR_KM,
        "far_km": FAR_KM,
    }
