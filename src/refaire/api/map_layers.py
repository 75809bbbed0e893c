"""/api/map/towns: the named towns the maps draw offline (see `refaire.web.map_layers`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from refaire.web.map_layers import TOWN_MIN_POPULATION, towns

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
