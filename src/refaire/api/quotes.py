"""/api/mesh, /api/quote and /api/facilities/{id}/pricing: measure files, quote parts, and
let a facility manager publish the prices quotes use."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Body,
    Depends,
    File,
    Form,
    HTTPException,
    Path,
    Request,
    UploadFile,
)
from starlette.concurrency import run_in_threadpool

from refaire.api._deps import get_store
from refaire.api._uploads import busy_as_503, read_upload
from refaire.contract.errors import QuoteErrorBody, error_responses, problem
from refaire.contract.nul import NoNul, has_nul
from refaire.people.actor import Actor
from refaire.people.auth import require
from refaire.store import Store

router = APIRouter(tags=["quotes"])

MAX_FILES = 20


@router.post("/mesh", responses=error_responses(413, 503))
async def measure_uploads(
    request: Request,
    files: Annotated[list[UploadFile], File(description="Meshes (STL, 3MF, OBJ) or SVG/DXF")],
) -> list[dict[str, Any]]:
    """Measure each file: a mesh gives bbox, volume, area and watertightness; a drawing
    gives cut length, area and bbox. Bad files get `ok: false` and their problems.
    Files are measured in worker processes with a time limit; 503 when all are busy."""
    from refaire.jobs.uploads import measure_off_loop, measure_queued, queue_store

    if len(files) > MAX_FILES:
        raise HTTPException(413, f"{len(files)} files: at most {MAX_FILES} per request")
    read = [await read_upload(upload) for upload in files]
    queue = queue_store(request)
    with busy_as_503():
        if queue is not None:  # one queued job for the request's files, waited for
            return await measure_queued(queue, read)
        return [await measure_off_loop(name, data) for name, data in read]


@router.post(
    "/quote",
    responses={**error_responses(404, 413, 503), **error_responses(422, model=QuoteErrorBody)},
)
async def quote_upload(
    request: Request,
    store: Annotated[Store, Depends(get_store)],
    file: Annotated[UploadFile, File(description="The part: STL, 3MF, OBJ, SVG or DXF")],
    material: Annotated[NoNul, Form(description="Material id: pla, petg, resin, plywood, …")],
    facility_id: Annotated[NoNul | None, Form(description="Quote at this facility only")] = None,
    qty: Annotated[int, Form(ge=1, le=100000)] = 1,
    near: Annotated[
        NoNul | None, Form(description='A town ("Lyon", "Troy, NY") or LAT,LON: nearest first')
    ] = None,
    thickness: Annotated[float | None, Form(gt=0, description="Sheet thickness, mm")] = None,
    limit: Annotated[int, Form(ge=1, le=50)] = 5,
    lang: Annotated[
        str, Form(pattern="^(en|fr)$", description="Language of assumptions and reasons.")
    ] = "en",
) -> dict[str, Any]:
    """Measure the part and quote it at one facility or at the best candidates, with
    whether it fits their machines, the price breakdown and the assumptions."""
    from refaire.jobs.uploads import measure_off_loop, queue_store
    from refaire.quote.service import QuoteError, UnknownFacilityError, quote_file

    name, data = await read_upload(file)
    with busy_as_503():
        measurement = await measure_off_loop(name, data, queue_store(request))
    try:
        return await run_in_threadpool(
            quote_file, store, name, data, material, facility_id=facility_id or None,
            qty=qty, near=near or None, limit=limit, thickness_mm=thickness, lang=lang,
            measurement=measurement,
        )  # fmt: skip
    except UnknownFacilityError as exc:
        raise HTTPException(404, str(exc)) from None
    except QuoteError as exc:
        raise problem(422, str(exc), measurement=exc.measurement) from None


@router.put("/facilities/{ident}/pricing", responses=error_responses(401, 403, 404))
def put_pricing(
    ident: Annotated[str, Path(description="Facility id or key.", examples=["1"])],
    store: Annotated[Store, Depends(get_store)],
    actor: Annotated[Actor, Depends(require("write:facilities"))],
    pricing: Annotated[
        dict[str, Any],
        Body(
            examples=[
                {
                    "hourly-rate": {"fdm": 4, "laser": 25},
                    "material-price-per-g": {"pla": 0.05},
                    "setup-fee": 3,
                    "minimum-order": 10,
                    "quantity-breaks": [{"min-qty": 10, "discount": 0.1}],
                    "currency": "EUR",
                }
            ]
        ),
    ],
) -> dict[str, Any]:
    """Replace a facility's quote prices (keys in kebab-case or snake_case: hourly-rate,
    material-price-per-g, material-price-per-cm3, setup-fee, minimum-order,
    quantity-breaks [{min-qty, discount}], currency). Every problem is listed in a 422.
    Needs a manager of the facility or an admin (token scope `write:facilities`)."""
    from refaire.people.roles import manages_facility
    from refaire.store.pricing import PricingError, set_pricing

    if has_nul(pricing):
        message = "the NUL character is not allowed"
        raise problem(422, f"pricing: {message}", [("pricing", message)])
    if not manages_facility(store, actor, ident):
        from refaire.store.facilities import get_facility

        if get_facility(store, ident) is None:
            raise HTTPException(404, f"no facility with id or key {ident!r}")
        raise HTTPException(403, "Only a manager of this facility or an admin can set its prices.")
    try:
        stored = set_pricing(store, ident, pricing, actor=actor)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except PricingError as exc:
        raise problem(422, str(exc), [(f or "pricing", m) for f, m in exc.problems]) from None
    return {"id": ident, "pricing": stored}
