"""Measure 2D cutting drawings (SVG, DXF) for laser quotes.

- cut_length_mm: the length of every outline, open or closed: the laser follows them all.
- area_mm2: the area of the parts: closed contours nested by the even-odd rule (a hole in
  a plate is subtracted, an island in the hole added back). Open outlines whose ends meet
  (a rectangle drawn as four LINE entities, an SVG path not closed with Z) are chained into
  contours first.
- bbox_mm: width and height of everything drawn, the size of the sheet the job needs.
"""

from __future__ import annotations

import heapq
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from refaire.said import Said

from .dxf import read_dxf
from .errors import MeshError, error_message, problem
from .svg import read_svg

Polyline = tuple[np.ndarray, bool]
MAX_BYTES = 64 * 1024 * 1024


@dataclass(slots=True)
class Report2D:
    """What was measured in a 2D drawing; lengths in millimetres."""

    file: str
    format: str | None = None
    cut_length_mm: float | None = None
    area_mm2: float | None = None
    bbox_mm: list[float] | None = None
    contours: int = 0
    open_paths: int = 0
    units_assumed: str = "mm"
    problems: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p["severity"] == "error" for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "cut_length_mm": self.cut_length_mm,
            "area_mm2": self.area_mm2,
            "bbox_mm": self.bbox_mm,
            "contours": self.contours,
            "open_paths": self.open_paths,
            "units_assumed": self.units_assumed,
            "problems": list(self.problems),
            "ok": self.ok,
        }


def _length(points: np.ndarray) -> float:
    return float(np.hypot(*np.diff(points, axis=0).T).sum()) if len(points) > 1 else 0.0


def _signed_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


class _Ends:
    """Path ends on a grid of `tolerance` cells: the ends near a point in O(1).

    Joining loose ends by comparing every path with every other was quadratic: 2,000
    separate lines took minutes. Two points within `tolerance` lie in the same or a
    neighbouring cell.
    """

    def __init__(self, tolerance: float) -> None:
        self.tolerance = tolerance
        self.cells: dict[tuple[int, int], list[int]] = {}

    def _cell(self, point: np.ndarray) -> tuple[int, int]:
        return (math.floor(point[0] / self.tolerance), math.floor(point[1] / self.tolerance))

    def add(self, index: int, point: np.ndarray) -> None:
        self.cells.setdefault(self._cell(point), []).append(index)

    def near(self, points: tuple[np.ndarray, ...], alive: list[bool]) -> Iterator[int]:
        """Alive paths with an end in a cell around one of `points`, lowest index first.

        Cell lists are ascending (paths are added in order); dead paths are trimmed from
        their fronts, so a point shared by thousands of ends still costs O(1) a lookup.
        """
        lists = []
        for point in points:
            cx, cy = self._cell(point)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    cell = self.cells.get((cx + dx, cy + dy))
                    if not cell:
                        continue
                    dead = 0
                    while dead < len(cell) and not alive[cell[dead]]:
                        dead += 1
                    del cell[:dead]
                    lists.append(cell)
        return (k for k in heapq.merge(*lists) if alive[k])


def chain(polylines: list[Polyline], tolerance: float) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Closed contours and the open paths left after joining ends closer than `tolerance`.

    The last pending path grows at its tail, then its head, by the first (lowest-index)
    pending path with an end close enough, until it closes or nothing joins.
    """
    closed = [p for p, is_closed in polylines if is_closed and len(p) >= 3]
    pending = [p for p, is_closed in polylines if not is_closed and len(p) >= 2]
    ends = _Ends(tolerance)
    for k, path in enumerate(pending):
        ends.add(k, path[0])
        ends.add(k, path[-1])
    alive = [True] * len(pending)

    def close(a: np.ndarray, b: np.ndarray) -> bool:
        return bool(np.hypot(a[0] - b[0], a[1] - b[1]) <= tolerance)

    opened = []
    for start in range(len(pending) - 1, -1, -1):
        if not alive[start]:
            continue
        alive[start] = False
        first = pending[start]
        head, tail = first[0], first[-1]
        # Pieces in order; each joined piece drops the point it shares with its neighbour.
        before: list[np.ndarray] = []
        after: list[np.ndarray] = [first]
        while not close(head, tail):
            joined = False
            for k in ends.near((tail, head), alive):
                other = pending[k]
                if close(tail, other[0]):
                    after.append(other[1:])
                elif close(tail, other[-1]):
                    after.append(other[-2::-1])
                elif close(head, other[-1]):
                    before.append(other[:-1])
                elif close(head, other[0]):
                    before.append(other[:0:-1])
                else:
                    continue
                alive[k], joined = False, True
                head = before[-1][0] if before else first[0]
                tail = after[-1][-1]
                break
            if not joined:
                break
        path = np.vstack(before[::-1] + after)
        if len(path) >= 3 and close(path[0], path[-1]):
            closed.append(path)
        else:
            opened.append(path)
    return closed, opened


# Edge tests allowed when nesting contours (numpy, about 20 ns each): 1,500 concentric
# squares need 4.5 million.
MAX_NESTING_WORK = 20_000_000


def nested_area(contours: list[np.ndarray]) -> float:
    """Even-odd area: a contour inside an odd number of others is a hole.

    Only larger contours whose bounding box holds the probe point are tested, all of them
    in one vectorised ray cast; the edges tested are counted, and a drawing past
    `MAX_NESTING_WORK` is refused rather than ground on.
    """
    if not contours:
        return 0.0
    areas = np.array([abs(_signed_area(c)) for c in contours])
    low = np.array([c.min(axis=0) for c in contours])
    high = np.array([c.max(axis=0) for c in contours])
    sizes = np.array([len(c) for c in contours])
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    a = np.vstack(contours)
    b = np.vstack([np.roll(c, -1, axis=0) for c in contours])
    work = 0
    total = 0.0
    for i, contour in enumerate(contours):
        x, y = contour[0]
        candidates = np.flatnonzero(
            (areas > areas[i])
            & (low[:, 0] <= x) & (x <= high[:, 0]) & (low[:, 1] <= y) & (y <= high[:, 1])
        )  # fmt: skip
        if len(candidates) == 0:
            total += areas[i]
            continue
        counts = sizes[candidates]
        work += int(counts.sum())
        if work > MAX_NESTING_WORK:
            raise MeshError(Said("geom.err.contours", n=len(contours)))
        # Edge indices of every candidate, contiguous per candidate.
        first = np.repeat(
            starts[candidates] - np.concatenate(([0], np.cumsum(counts)[:-1])), counts
        )
        edges = first + np.arange(int(counts.sum()))
        ea, eb = a[edges], b[edges]
        crosses = (ea[:, 1] > y) != (eb[:, 1] > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = ea[:, 0] + (y - ea[:, 1]) * (eb[:, 0] - ea[:, 0]) / (eb[:, 1] - ea[:, 1])
        hits = np.add.reduceat(
            (crosses & (x < at)).astype(np.int64), np.concatenate(([0], np.cumsum(counts)[:-1]))
        )
        depth = int(np.count_nonzero(hits % 2))
        total += -areas[i] if depth % 2 else areas[i]
    return float(total)


def detect_drawing(name: str, data: bytes) -> str | None:
    """'svg', 'dxf' or None, by content first, then by the name's extension."""
    head = data[:4096]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 (SVG editors on Windows)
        head = head.decode("utf-16", errors="ignore").encode("ascii", errors="ignore")
    head = head.lstrip().lower()
    if head.startswith(b"<?xml") or head.startswith(b"<svg") or b"<svg" in head:
        return "svg"
    if data.startswith(b"AutoCAD Binary DXF"):
        return "dxf"
    words = head.split()
    if len(words) >= 2 and words[0] == b"0" and words[1] == b"section":
        return "dxf"
    suffix = Path(name).suffix.lower()
    return suffix[1:] if suffix in (".svg", ".dxf") else None


def measure_vector_bytes(name: str, data: bytes) -> Report2D:
    """Measure an SVG or ASCII DXF drawing given as bytes; never raises for bad input."""
    report = Report2D(file=name)
    try:
        if not data:
            raise MeshError(Said("geom.err.empty"))
        if len(data) > MAX_BYTES:
            raise MeshError(Said("geom.err.drawing_size", size=len(data), max=MAX_BYTES))
        kind = detect_drawing(name, data)
        if kind is None:
            raise MeshError(Said("geom.err.not_drawing"))
        report.format = kind
        if kind == "svg":
            polylines, unit, warnings = read_svg(data)
        else:
            polylines, unit, _, warnings = read_dxf(data)
        report.units_assumed = unit
        for message in warnings:
            report.problems.append(problem("warning", message))
        _fill(report, polylines)
    except MeshError as exc:
        report.problems.append(problem("error", error_message(exc)))
    except Exception as exc:  # a library fault must not lose the other files of a batch
        report.problems.append(problem("error", Said(
            "geom.err.internal_drawing", error=f"{type(exc).__name__}: {exc}")))
    return report


def _fill(report: Report2D, polylines: list[Polyline]) -> None:
    if not polylines:
        raise MeshError(Said("geom.err.no_outline"))
    points = np.vstack([p for p, _ in polylines])
    if not np.isfinite(points).all():
        raise MeshError(Said("geom.err.drawing_nan"))
    low, high = points.min(axis=0), points.max(axis=0)
    size = high - low
    # Ends within a millionth of the drawing's size, at least 1 µm, are the same point.
    tolerance = max(1e-3, 1e-6 * float(size.max()))
    contours, opened = chain(polylines, tolerance)
    report.cut_length_mm = round(sum(_length(p) for p, _ in polylines), 4)
    report.area_mm2 = round(nested_area(contours), 4)
    report.bbox_mm = [round(float(size[0]), 4), round(float(size[1]), 4)]
    report.contours, report.open_paths = len(contours), len(opened)
    if opened:
        report.problems.append(problem("warning", Said("geom.warn.open_paths", n=len(opened))))


def measure_vector_file(path: str | Path) -> Report2D:
    """Measure an SVG or DXF file; never raises for bad input."""
    try:
        if os.path.getsize(path) > MAX_BYTES:
            report = Report2D(file=str(path))
            report.problems.append(problem("error", Said("geom.err.file_too_large")))
            return report
        data = Path(path).read_bytes()
    except OSError as exc:
        report = Report2D(file=str(path))
        report.problems.append(problem("error", Said("geom.err.cannot_read",
                                                     why=str(exc.strerror or exc))))
        return report
    return measure_vector_bytes(str(path), data)
