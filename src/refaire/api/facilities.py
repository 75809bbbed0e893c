"""/api/facilities: search the places that make things, read one, and map them all."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from refaire.api._deps import get_store
from refaire.contract.errors import error_responses
from refaire.contract.params import Offset, limit_query
from refaire.registry.facilities import (
    FilterError,
    UnknownFacility,
    check_filters,
    facility_detail,
    search,
)
from refaire.store import Store
from refaire.store.facility_search import MAX_LIMIT, facility_points

router = APIRouter(tags=["facilities"])


@router.get("/facilities")
def list_facilities(
    store: Annotated[Store, Depends(get_store)],
    q: Annotated[str | None, Query(description="Words in name, city, equipment.")] = None,
    near: Annotated[
        str | None,
        Query(description='A town ("Lyon", "Troy, NY") or LAT,LON; results nearest first.'),
    ] = None,
    radius_km: Annotated[
        float | None, Query(gt=0, le=20000, description="Radius around `near` (default 50).")
    ] = None,
    process: Annotated[
        str | None, Query(description="Process id, e.g. laser-cutting; narrower ids match too.")
    ] = None,
    material: Annotated[str | None, Query(description="Material id, e.g. plywood.")] = None,
    country: Annotated[str | None, Query(description="Two-letter country code.")] = None,
    limit: Annotated[int, limit_query(MAX_LIMIT)] = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Facilities matching every filter; with `near`, each has `distance_km`, nearest
    first, and `place` echoes the resolved place (an ambiguous town is a 400 listing the
    candidates)."""
    try:
        filters = check_filters(near, radius_km, process, material, country)
    except FilterError as exc:
        raise HTTPException(400, str(exc)) from None
    return search(store, filters, q=q, limit=limit, offset=offset)


@router.get("/facilities/points")
def facilities_points(
    store: Annotated[Store, Depends(get_store)],
    process: Annotated[str | None, Query(description="Only facilities offering it.")] = None,
) -> list[list[Any]]:
    """`[id, name, latitude, longitude, approximate, data]` of every located facility,
    compact for maps; `approximate` is 1 when the point is its town's centre, not a stated
    place; `data` is the kind of capability data known: `stated`, `probable` (only what
    such places usually have) or `unknown`."""
    try:
        filters = check_filters(process=process)
    except FilterError as exc:
        raise HTTPException(400, str(exc)) from None
    return facility_points(store, process=filters.get("process"))


@router.get("/facilities/{ident}", responses=error_responses(404))
def get_facility_detail(ident: str, store: Annotated[Store, Depends(get_store)]) -> dict[str, Any]:
    """A facility by id or key: address, equipment with stated vs inferred capabilities,
    and which source gave each field."""
    try:
        return facility_detail(store, ident)
    except UnknownFacility as exc:
        raise HTTPException(404, str(exc)) from None
