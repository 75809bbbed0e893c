"""The body of the `measure` job: stored upload files measured in the process pool.

Kept apart from `tasks` so that it is a plain function of a store and the stored files,
testable without a queue. The pool gives each file its time and memory limits and runs it
at a lower CPU priority; a file that ran over becomes that file's error report.
"""

from __future__ import annotations

from typing import Any

from refaire.geometry import MeshReport
from refaire.geometry.upload import failed_upload, is_drawing, measure_mesh_upload, measure_upload
from refaire.store import Store

from .pool import JobFailed, JobTimeout, shared_pool


def _one(name: str, data: bytes, errors: list[str]) -> dict[str, Any]:
    try:
        return shared_pool().run_sync(measure_upload, name, data)
    except (JobTimeout, JobFailed) as exc:
        errors.append(f"{name}: {exc}")
        return failed_upload(name, exc.args[0] if exc.args else str(exc), is_drawing(name, data))


def _mesh_report(name: str, data: bytes, errors: list[str]) -> MeshReport:
    try:
        return shared_pool().run_sync(measure_mesh_upload, name, data)
    except (JobTimeout, JobFailed) as exc:
        errors.append(f"{name}: {exc}")
        report = MeshReport(file=name)
        report.error(str(exc))
        return report


def measure_stored(store: Store, stored: dict[str, Any]) -> tuple[Any, list[str]]:
    """(the result to keep, the errors that make the job fail) for a loaded measurement."""
    from refaire import limits
    from refaire.registry.designs import UnknownDesign
    from refaire.registry.part_meshes import attach_meshes, file_name

    errors: list[str] = []
    files = stored["files"]
    if stored["purpose"] == "measure":
        return [_one(name, data, errors) for name, data in files], errors
    # "part-meshes": measured here, attached to the design's parts as the route used to.
    cap = limits.max_upload_bytes()
    reports: list[MeshReport | None] = [
        _mesh_report(file_name(name), data, errors) if len(data) <= cap else None
        for name, data in files
    ]
    try:
        return attach_meshes(store, stored["design"], files, cap, reports), errors
    except UnknownDesign as exc:  # deleted since the upload
        errors.append(str(exc))
        return {"error": str(exc)}, errors
