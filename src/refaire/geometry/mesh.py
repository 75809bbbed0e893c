"""Measure a mesh file: detect the format by content, read it, report what was found.

`measure_file` and `measure_bytes` never raise for bad input: every defect becomes a
problem `{"severity": "error" | "warning", "message": ...}` and `ok` is False as soon as
one is an error (nothing trustworthy could be measured).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from refaire.said import Said

from . import stl
from .errors import MeshError, error_message, problem
from .measure import measure
from .obj import looks_like_obj, read_obj
from .threemf import read_3mf
from .units import unit_suspicion

DEFAULT_MAX_TRIANGLES = 5_000_000
# A 3MF part or a text mesh may not exceed this many bytes per allowed triangle: XML
# spends about 150 bytes per triangle (three vertices shared six ways plus one triangle).
BYTES_PER_TRIANGLE = 400
_SNIFF = 4096


@dataclass(slots=True)
class MeshReport:
    """What was measured in one file; lengths in millimetres."""

    file: str
    format: str | None = None
    triangles: int = 0
    bbox_mm: list[float] | None = None
    volume_mm3: float | None = None
    area_mm2: float | None = None
    watertight: bool | None = None
    units_assumed: str = "mm"
    problems: list[dict[str, str]] = field(default_factory=list)
    # base64 PNG of the mesh (geometry.thumbnail) when asked for; not part of `to_dict`,
    # which is the measurement report.
    thumbnail: str | None = None

    @property
    def ok(self) -> bool:
        return not any(p["severity"] == "error" for p in self.problems)

    def error(self, message: object) -> None:
        self.problems.append(problem("error", message))

    def warn(self, message: object) -> None:
        self.problems.append(problem("warning", message))

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "triangles": self.triangles,
            "bbox_mm": self.bbox_mm,
            "volume_mm3": self.volume_mm3,
            "area_mm2": self.area_mm2,
            "watertight": self.watertight,
            "units_assumed": self.units_assumed,
            "problems": list(self.problems),
            "ok": self.ok,
        }


def _byte_limit(max_triangles: int) -> int:
    return max(
        stl.HEADER_BYTES + stl.RECORD_BYTES * max_triangles, BYTES_PER_TRIANGLE * max_triangles
    )


def detect(name: str, head: bytes, size: int) -> str | None:
    """The format by content: '3mf', 'stl', 'obj', 'step', or None; `head` = first bytes."""
    if head[:4] == b"PK\x03\x04":
        return "3mf"
    if stl.binary_size_matches(size, head):
        return "stl"
    stripped = head.lstrip()
    if stripped[:12] == b"ISO-10303-21":
        return "step"
    if stl.looks_ascii(head):
        return "stl"
    if looks_like_obj(head):
        return "obj"
    suffix = Path(name).suffix.lower()
    # Exporters write every vertex before the first face: a large OBJ shows no face early.
    if suffix == ".obj" and looks_like_obj(head, faces=False):
        return "obj"
    # A binary STL whose count is wrong fails the size rule; the extension then decides,
    # and so does a header full of NUL bytes, which no text format has.
    if suffix == ".stl" or (size >= stl.HEADER_BYTES and b"\x00" in head[:80]):
        return "stl"
    return None


def _read(report: MeshReport, kind: str, data: bytes, max_triangles: int) -> np.ndarray:
    if kind == "stl":
        tris, variant = stl.read_stl(data, max_triangles)
        report.format = f"stl-{variant}"
        return tris
    if kind == "obj":
        report.format = "obj"
        return read_obj(data, max_triangles)
    if kind == "3mf":
        report.format = "3mf"
        tris, unit, warnings = read_3mf(data, max_triangles, _byte_limit(max_triangles))
        report.units_assumed = unit
        for message in warnings:
            report.warn(message)
        return tris
    raise MeshError(Said("geom.err.unknown_format", kind=kind))


def _fill(report: MeshReport, tris: np.ndarray, picture: bool = False) -> None:
    report.triangles = len(tris)
    # min and max propagate NaN and show infinities: two flat reductions clear the common
    # case; the per-triangle count is only needed to word the error.
    if not (np.isfinite(tris.min()) and np.isfinite(tris.max())):
        finite = np.isfinite(tris).all(axis=(1, 2))
        report.error(
            Said("geom.err.nan_triangles", bad=int((~finite).sum()), n=len(tris))
        )
        return
    m = measure(tris)
    report.bbox_mm = [_significant(v) for v in m.bbox_size]
    report.area_mm2 = _significant(m.area)
    report.watertight = m.watertight
    volume = m.volume
    if m.degenerate:
        report.warn(
            Said("geom.warn.degenerate", n=int(m.degenerate))
        )
    if not m.watertight:
        report.warn(
            Said("geom.warn.not_watertight", open=int(m.boundary_edges),
                 shared=int(m.nonmanifold_edges))
        )
    elif m.misoriented_edges:
        report.warn(
            Said("geom.warn.misoriented", n=int(m.misoriented_edges))
        )
    if volume < 0:
        report.warn(Said("geom.warn.inside_out"))
        volume = -volume
    report.volume_mm3 = _significant(volume)
    suspicion = unit_suspicion(m.bbox_size)
    if suspicion:
        report.warn(suspicion)
    if picture:
        from .thumbnail import thumbnail_text

        report.thumbnail = thumbnail_text(tris)


def measure_bytes(
    name: str, data: bytes, max_triangles: int = DEFAULT_MAX_TRIANGLES, picture: bool = False
) -> MeshReport:
    """Measure a mesh given as bytes; `name` names it in the report and hints the format.

    With `picture`, a successful measurement also draws `report.thumbnail`.
    """
    report = MeshReport(file=name)
    try:
        if not data:
            report.error(Said("geom.err.empty"))
            return report
        kind = detect(name, data[:_SNIFF], len(data))
        if kind == "step":
            report.format = "step"
            report.error(Said("geom.err.step"))
            return report
        if kind is None:
            report.error(Said("geom.err.not_mesh"))
            return report
        if kind != "3mf" and len(data) > _byte_limit(max_triangles):
            report.error(Said("geom.err.too_large", size=len(data), max=max_triangles))
            return report
        _fill(report, _read(report, kind, data, max_triangles), picture)
    except MeshError as exc:
        report.error(error_message(exc))
    except MemoryError:
        report.error(Said("geom.err.memory"))
    except Exception as exc:  # a library fault must not lose the other files of a batch
        report.error(Said("geom.err.internal", error=f"{type(exc).__name__}: {exc}"))
    return report


def measure_file(
    path: str | Path, max_triangles: int = DEFAULT_MAX_TRIANGLES, picture: bool = False
) -> MeshReport:
    """Measure a mesh file; files too large for `max_triangles` are refused unread."""
    name = str(path)
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF)
            count = stl.declared_count(head) or 0
            binary = stl.binary_size_matches(size, head)
            if (binary and count > max_triangles) or size > _byte_limit(max_triangles):
                report = MeshReport(file=name)
                if binary:
                    report.error(Said("geom.err.stl_over", n=count, max=max_triangles))
                else:
                    report.error(Said("geom.err.too_large", size=size, max=max_triangles))
                return report
            handle.seek(0)
            data = handle.read()
    except OSError as exc:
        report = MeshReport(file=name)
        report.error(Said("geom.err.cannot_read", why=str(exc.strerror or exc)))
        return report
    return measure_bytes(name, data, max_triangles, picture)


def _significant(value: float, digits: int = 10) -> float:
    """Rounded to significant digits, so that micron-sized parts keep their figures."""
    return float(f"{value:.{digits}g}")
