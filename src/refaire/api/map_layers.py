"""/api/map/towns and /api/map/regions: the named towns and the first-level administrative
units the maps draw offline (see `refaire.web.map_layers`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, JSONResponse

from refaire.web.map_layers import REGIONS_FILE, TOWN_MIN_POPULATION, towns

router = APIRouter(tags=["facilities"])


@router.get("/map/towns", response_model=list[list[Any]])
def map_towns(
    min_population: Annotated[
        int, Query(ge=TOWN_MIN_POPULATION, le=50_000_000, description="Smallest town kept.")
    ] = TOWN_MIN_POPULATION,
) -> JSONResponse:
    """`[name, latitude, longitude, population]` of the towns of the offline gazetteer
    (GeoNames, CC BY 4.0) with at least `min_population` inhabitants, largest first."""
    return JSONResponse(towns(min_population), headers={"Cache-Control": "public, max-age=86400"})


@router.get(
    "/map/regions",
    response_class=FileResponse,
    responses={200: {"content": {"application/json": {}}, "description": "A TopoJSON topology."}},
)
def map_regions() -> FileResponse:
    """The first-level administrative units of every country (Natural Earth 1:10m admin-1,
    public domain) as one TopoJSON topology: object `admin1`, each geometry with its `name`,
    `country` (three-letter code) and `label` point `[longitude, latitude]`; lines
    simplified to about 1.5 km, coordinates on a 0.01° grid."""
    # the file is vendored and never changes between releases: a day of caching is safe
    return FileResponse(
        REGIONS_FILE, media_type="application/json", headers={"Cache-Control": "public, max-age=86400"}
    )
