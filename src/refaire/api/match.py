"""/api/match: where a design can be made near a place, what a facility can make, coverage."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from refaire.api._deps import get_store
from refaire.contract.errors import error_responses
from refaire.contract.params import Offset, limit_query
from refaire.store import Store

router = APIRouter(tags=["match"])


@router.get("/match", responses=error_responses(404))
def match(
    store: Annotated[Store, Depends(get_store)],
    design: Annotated[str, Query(description="Design id or key.")],
    near: Annotated[str, Query(description='A town ("Lyon", "Troy, NY", "Lyon, FR") or LAT,LON.')],
    radius_km: Annotated[float, Query(gt=0, le=20000, description="Search radius.")] = 50.0,
    lang: Annotated[str, Query(pattern="^(en|fr)$", description="Language of reasons.")] = "en",
    limit: Annotated[int, limit_query(500)] = 20,
) -> dict[str, Any]:
    """Facilities within the radius that can make the design (complete first, then by
    coverage and distance), each requirement with its status and reason, and the best
    plans combining several facilities. Requirements only probably met (a Fab Lab's usual
    inventory) have status `probable` and rank after what is met; places that state no
    capability are listed apart in `unknown_capability`. `place` echoes the resolved
    place; an ambiguous town name is a 400 listing the candidates.

    Stated and inferred stay apart: a requirement met only through inferred machine data
    (a catalogue model's process, size or materials, or a material the machine does not
    list but its process can work) has status `met-inferred` and ranks after `met`; each
    match says whether it is `stated` throughout. A material the process cannot work
    (process–material table) is `missing` with constraint `material-incompatible`. A design
    with parts of unknown requirements (`unknown_parts`) is never `complete`: each match
    and plan gives `parts` (`met` of `total`, the `unknown` names, a sentence), and
    `complete_known_parts` counts the places making every known part."""
    from refaire.match.engine import UnknownDesign, match_design
    from refaire.places import PlaceError, resolve_place

    try:
        place = resolve_place(near)
    except PlaceError as exc:
        raise HTTPException(400, f"near: {exc.text(lang)}") from None
    try:
        return match_design(
            store, design, place.latitude, place.longitude, radius_km, lang, limit, place
        )
    except UnknownDesign as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/match/coverage")
def match_coverage(
    store: Annotated[Store, Depends(get_store)],
    radius_km: Annotated[float, Query(gt=0, le=20000)] = 50.0,
    per_design: Annotated[bool, Query(description="Include the per-design table.")] = False,
) -> dict[str, Any]:
    """Share of designs some facility can make alone, by country, and within the radius.

    `makeable_anywhere_stated` counts those made on stated facts alone; designs with parts
    of unknown requirements are never makeable (`with_unknown_parts`), those whose every
    known part one facility makes are counted apart (`known_parts_only_anywhere`)."""
    from refaire.match.coverage import bulk_coverage

    cov = bulk_coverage(store, radius_km)
    return cov.to_dict() if per_design else cov.summary()


@router.get("/match/facility/{ident}", responses=error_responses(404))
def match_facility_route(
    ident: str,
    store: Annotated[Store, Depends(get_store)],
    lang: Annotated[str, Query(pattern="^(en|fr)$")] = "en",
    limit: Annotated[int, limit_query(1000)] = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Designs this facility can make completely, and those it misses by one requirement;
    best first (stated requirements, then the most requirements), `limit`/`offset` page
    both lists, `counts` gives their sizes.

    Designs with parts of unknown requirements are never in `complete`: those whose every
    known part it makes are in `complete_known_parts` ("complete for N of M parts").
    `stated` is false when some requirement is only met (inferred)."""
    from refaire.match.engine import UnknownFacility, match_facility

    try:
        return match_facility(store, ident, lang, limit, offset)
    except UnknownFacility as exc:
        raise HTTPException(404, str(exc)) from None
