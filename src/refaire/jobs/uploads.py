"""Uploaded files measured off the event loop, for the API and the web pages alike.

An app that runs with the queue (`refaire serve`: `app.state.jobs`) measures through a
queued job (`jobs.measurements`) and waits for its result; otherwise (an app built for
tests or a script) in the process pool directly. Either way a file whose measurement runs
over time or kills its worker becomes that file's error report, so the other files of a
request go on; only `JobsBusy` (the whole server is full) reaches the caller, who answers 503.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread

from refaire.geometry import MeshReport
from refaire.geometry.upload import (
    failed_upload,
    is_drawing,
    measure_mesh_upload,
    measure_upload,
)
from refaire.said import Said
from refaire.store import Store

from .measurements import submit_measurement, wait_result, wait_seconds
from .pool import JobFailed, JobTimeout, run_job


def queue_store(request: Any) -> Store | None:
    """The store whose queue measures this app's uploads, or None when the app has no queue."""
    state = request.app.state
    return state.store if getattr(state, "jobs", False) else None


async def submit_off_loop(
    store: Store, purpose: str, files: list[tuple[str, bytes]], design: str | None = None
) -> str:
    """`submit_measurement` from async code (it writes the store and the queue)."""
    return await anyio.to_thread.run_sync(submit_measurement, store, purpose, files, design)


async def measure_queued(store: Store, files: list[tuple[str, bytes]]) -> list[dict[str, Any]]:
    """The files measured by one queued job, waited for. A job not done after the wait gives
    each file a report saying where its measurement can be followed."""
    ident = await submit_off_loop(store, "measure", files)
    done = await wait_result(store, ident, wait_seconds(len(files)))
    if done is None:
        message = Said("geom.err.still_measuring", ident=ident)
        return [failed_upload(name, message, is_drawing(name, data)) for name, data in files]
    return list(done["result"])


async def attach_queued(
    store: Store, design: str, files: list[tuple[str, bytes]]
) -> tuple[str, dict[str, Any] | None]:
    """Meshes measured and attached to `design`'s parts by one queued job, waited for:
    (the measurement's id, its result, None if the job is not done after the wait)."""
    ident = await submit_off_loop(store, "part-meshes", files, design)
    done = await wait_result(store, ident, wait_seconds(len(files)))
    return ident, (done["result"] if done is not None else None)


async def measure_off_loop(name: str, data: bytes, queue: Store | None = None) -> dict[str, Any]:
    """`measure_upload(name, data)` off the event loop (by a queued job when `queue` is the
    app's store); a timed-out or crashed measurement is reported."""
    if queue is not None:
        return (await measure_queued(queue, [(name, data)]))[0]
    try:
        return await run_job(measure_upload, name, data)
    except (JobTimeout, JobFailed) as exc:
        return failed_upload(name, exc.args[0] if exc.args else str(exc), is_drawing(name, data))


async def mesh_report_off_loop(name: str, data: bytes) -> MeshReport:
    """`measure_mesh_upload(name, data)` in a worker, with the same failure rule."""
    try:
        return await run_job(measure_mesh_upload, name, data)
    except (JobTimeout, JobFailed) as exc:
        report = MeshReport(file=name)
        report.error(str(exc))
        return report
