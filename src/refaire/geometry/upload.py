"""One uploaded file measured whatever it is: a mesh (STL, 3MF, OBJ) or a drawing (SVG, DXF).

The single entry point the API, the web pages and the quote service hand to the job
pool (`refaire.jobs`): a module-level function of plain arguments returning a plain dict,
so it crosses into a worker process and back. Uploads are measured with at most
`limits.UPLOAD_MAX_TRIANGLES` triangles, which bounds the memory one upload can take.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from refaire.limits import UPLOAD_MAX_TRIANGLES

from .errors import problem
from .mesh import MeshReport, measure_bytes
from .vector2d import Report2D, detect_drawing, measure_vector_bytes


def is_drawing(name: str, data: bytes) -> bool:
    """SVG or DXF by extension or by content."""
    return Path(name).suffix.lower() in (".svg", ".dxf") or detect_drawing(name, data) in (
        "svg",
        "dxf",
    )


def measure_upload(
    name: str, data: bytes, max_triangles: int = UPLOAD_MAX_TRIANGLES
) -> dict[str, Any]:
    """{"kind": "mesh" | "drawing", "format", …the report}; never raises for bad input."""
    if is_drawing(name, data):
        return {"kind": "drawing", **measure_vector_bytes(name, data).to_dict()}
    report = measure_bytes(name, data, max_triangles)
    return {"kind": "mesh", "format": report.format, **report.to_dict()}


def measure_mesh_upload(name: str, data: bytes) -> MeshReport:
    """A mesh report under the upload triangle bound (for attaching meshes to parts),
    with the part's picture drawn here, in the worker."""
    return measure_bytes(name, data, UPLOAD_MAX_TRIANGLES, picture=True)


def failed_upload(name: str, message: object, drawing: bool) -> dict[str, Any]:
    """The report of a file whose measurement gave no result (over time, worker died)."""
    if drawing:
        report: Report2D | MeshReport = Report2D(file=name)
        report.problems.append(problem("error", message))
        return {"kind": "drawing", **report.to_dict()}
    mesh = MeshReport(file=name)
    mesh.error(message)
    return {"kind": "mesh", "format": None, **mesh.to_dict()}
