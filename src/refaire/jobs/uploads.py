"""Uploaded files measured in the job pool, for the API and the web pages alike.

A file whose job runs over time or kills its worker becomes that file's error report,
so the other files of a request go on; only `JobsBusy` (the whole server is full)
reaches the caller, who answers 503.
"""

from __future__ import annotations

from typing import Any

from refaire.geometry import MeshReport
from refaire.geometry.upload import (
    failed_upload,
    is_drawing,
    measure_mesh_upload,
    measure_upload,
)

from .pool import JobFailed, JobTimeout, run_job


async def measure_off_loop(name: str, data: bytes) -> dict[str, Any]:
    """`measure_upload(name, data)` in a worker; a timed-out or crashed job is reported."""
    try:
        return await run_job(measure_upload, name, data)
    except (JobTimeout, JobFailed) as exc:
        return failed_upload(name, str(exc), is_drawing(name, data))


async def mesh_report_off_loop(name: str, data: bytes) -> MeshReport:
    """`measure_mesh_upload(name, data)` in a worker, with the same failure rule."""
    try:
        return await run_job(measure_mesh_upload, name, data)
    except (JobTimeout, JobFailed) as exc:
        report = MeshReport(file=name)
        report.error(str(exc))
        return report
