"""/api/measurements: uploads measured by a queued job, answered at once with where to poll.

`POST /api/mesh` waits for its measurement and answers with the reports (as before the
queue); this route does not wait: 202 and the measurement's URL, whose `state` goes
queued → running → done (or failed, with the error) and whose `result` holds the reports.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, HTTPException, Path, UploadFile
from fastapi.responses import JSONResponse

from refaire.api._deps import get_store
from refaire.api._uploads import busy_as_503, read_upload
from refaire.contract.errors import error_responses
from refaire.jobs.measurements import UnknownMeasurement, get_measurement
from refaire.store import Store

router = APIRouter(tags=["quotes"])
MAX_FILES = 20


@router.post("/measurements", status_code=202, responses=error_responses(413, 503))
async def queue_measurement(
    store: Annotated[Store, Depends(get_store)],
    files: Annotated[list[UploadFile], File(description="Meshes (STL, 3MF, OBJ) or SVG/DXF")],
) -> JSONResponse:
    """Store the files and queue their measurement (the reports of `POST /api/mesh`); 202
    with the URL to poll. 503 when too many measurements are waiting."""
    from refaire.jobs.uploads import submit_off_loop

    if len(files) > MAX_FILES:
        raise HTTPException(413, f"{len(files)} files: at most {MAX_FILES} per request")
    read = [await read_upload(upload) for upload in files]
    with busy_as_503():
        ident = await submit_off_loop(store, "measure", read)
    url = f"/api/measurements/{ident}"
    body = {"id": ident, "url": url, "state": "queued", "files": [name for name, _ in read]}
    return JSONResponse(body, status_code=202, headers={"Location": url})


@router.get("/measurements/{ident}")
def measurement_show(
    ident: Annotated[str, Path(max_length=64, pattern=r"^[0-9a-f]+$")],
    store: Annotated[Store, Depends(get_store)],
) -> dict[str, Any]:
    """One measurement: its job's state and error, the file names, and `result` once done
    (for part meshes, the attachment report of `POST /api/designs/{ident}/meshes`)."""
    try:
        return get_measurement(store, ident)
    except UnknownMeasurement:
        raise HTTPException(404, f"no measurement {ident}") from None
