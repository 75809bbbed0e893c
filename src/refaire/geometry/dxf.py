"""ASCII DXF reader for cutting drawings, written without ezdxf.

A DXF file is a sequence of (group code, value) line pairs. Read here: the $INSUNITS header
variable, and in the ENTITIES section LINE, LWPOLYLINE (with bulges), POLYLINE/VERTEX,
CIRCLE, ARC, ELLIPSE and SPLINE (evaluated from knots and control points, or through its
fit points when it has no knots). Entities with an extrusion direction of (0, 0, -1), as
mirrored CAD drawings write them, are mirrored back into world coordinates.
Block references (INSERT), text and dimensions are not measured and are reported.

Every curve is charged to a `curves.PointBudget`, so a small file cannot flatten into
millions of points; a number that does not parse is a located MeshError, never a crash.
"""

from __future__ import annotations

import math

import numpy as np

from refaire.said import Said

from . import curves
from .errors import MeshError

Polyline = tuple[np.ndarray, bool]

# $INSUNITS codes (AutoCAD reference); 0 = unitless, read as millimetres.
INSUNITS = {0: ("mm", 1.0), 1: ("in", 25.4), 2: ("ft", 304.8), 4: ("mm", 1.0),
            5: ("cm", 10.0), 6: ("m", 1000.0), 8: ("microinch", 25.4e-6),
            9: ("mil", 0.0254), 13: ("micron", 0.001), 14: ("dm", 100.0)}  # fmt: skip
_IGNORED = {"TEXT", "MTEXT", "DIMENSION", "HATCH", "INSERT", "POINT", "SOLID", "LEADER",
            "MLEADER", "VIEWPORT", "ATTDEF", "ATTRIB", "IMAGE", "3DFACE"}  # fmt: skip


def _pairs(data: bytes) -> list[tuple[int, str]]:
    if data.startswith(b"AutoCAD Binary DXF"):
        raise MeshError(Said("geom.err.dxf_binary"))
    lines = data.decode("utf-8", errors="replace").splitlines()
    if len(lines) % 2:
        lines = lines[:-1]
    pairs = []
    for k in range(0, len(lines), 2):
        try:
            pairs.append((int(lines[k].strip()), lines[k + 1].strip()))
        except ValueError:
            raise MeshError(Said("geom.err.dxf_group", line=k + 1, found=lines[k][:20])) from None
    return pairs


def _entities(pairs: list[tuple[int, str]]) -> tuple[list[tuple[str, list[tuple[int, str]]]], int]:
    """Entities of the ENTITIES section, and the $INSUNITS value (0 when absent)."""
    units, section, entities = 0, None, []
    k = 0
    while k < len(pairs):
        code, value = pairs[k]
        if code == 0 and value == "SECTION" and k + 1 < len(pairs):
            section = pairs[k + 1][1]
        elif code == 0 and value == "ENDSEC":
            section = None
        elif code == 9 and value == "$INSUNITS" and k + 1 < len(pairs):
            units = int(float(pairs[k + 1][1]))
        elif code == 0 and section == "ENTITIES":
            entities.append((value, []))
        elif section == "ENTITIES" and entities:
            entities[-1][1].append((code, value))
        k += 1
    return entities, units


def _get(groups: list[tuple[int, str]], code: int, default: float = 0.0) -> float:
    for c, v in groups:
        if c == code:
            return float(v)
    return default


def _all(groups: list[tuple[int, str]], code: int) -> list[float]:
    return [float(v) for c, v in groups if c == code]


def _xy(groups: list[tuple[int, str]], xcode: int = 10) -> np.ndarray:
    xs, ys = _all(groups, xcode), _all(groups, xcode + 10)
    n = min(len(xs), len(ys))
    return np.column_stack((xs[:n], ys[:n])) if n else np.zeros((0, 2))


def _polyline(
    vertices: list[tuple[float, float, float]], closed: bool, budget: curves.PointBudget
) -> np.ndarray:
    """Vertices (x, y, bulge) → points; the bulge of a vertex shapes the segment after it."""
    pieces = []
    count = len(vertices) if closed else len(vertices) - 1
    for k in range(count):
        x1, y1, bulge = vertices[k]
        x2, y2, _ = vertices[(k + 1) % len(vertices)]
        pieces.append(curves.bulge_arc((x1, y1), (x2, y2), bulge))
        budget.take(len(pieces[-1]))
    return np.vstack(pieces) if pieces else np.array([v[:2] for v in vertices])


def _lwpolyline_vertices(groups: list[tuple[int, str]]) -> list[tuple[float, float, float]]:
    vertices: list[list[float]] = []
    for code, value in groups:
        if code == 10:
            vertices.append([float(value), 0.0, 0.0])
        elif code == 20 and vertices:
            vertices[-1][1] = float(value)
        elif code == 42 and vertices:
            vertices[-1][2] = float(value)
    return [tuple(v) for v in vertices]


def _entity(kind: str, g: list[tuple[int, str]], budget: curves.PointBudget) -> list[Polyline]:
    found = _shape(kind, g, budget)
    if kind != "LWPOLYLINE":  # charged segment by segment as it was built
        for points, _ in found:
            budget.take(len(points))
    return found


def _shape(kind: str, g: list[tuple[int, str]], budget: curves.PointBudget) -> list[Polyline]:
    if kind == "LINE":
        return [(np.array([(_get(g, 10), _get(g, 20)), (_get(g, 11), _get(g, 21))]), False)]
    if kind == "CIRCLE":
        r = _get(g, 40)
        return (
            [(curves.arc(_get(g, 10), _get(g, 20), r, r, 0.0, 2 * math.pi), True)] if r > 0 else []
        )
    if kind == "ARC":
        start, end = math.radians(_get(g, 50)), math.radians(_get(g, 51))
        sweep = (end - start) % (2 * math.pi) or 2 * math.pi
        r = _get(g, 40)
        return [(curves.arc(_get(g, 10), _get(g, 20), r, r, start, sweep), False)] if r > 0 else []
    if kind == "ELLIPSE":
        mx, my = _get(g, 11), _get(g, 21)
        major = math.hypot(mx, my)
        t0, t1 = _get(g, 41), _get(g, 42, 2 * math.pi)
        sweep = (t1 - t0) % (2 * math.pi) or 2 * math.pi
        pts = curves.arc(_get(g, 10), _get(g, 20), major, major * _get(g, 40, 1.0), t0, sweep,
                         math.atan2(my, mx))  # fmt: skip
        return [(pts, math.isclose(sweep, 2 * math.pi))] if major > 0 else []
    if kind == "LWPOLYLINE":
        vertices = _lwpolyline_vertices(g)
        closed = bool(int(_get(g, 70)) & 1)
        return [(_polyline(vertices, closed, budget), closed)] if len(vertices) >= 2 else []
    if kind == "SPLINE":
        closed = bool(int(_get(g, 70)) & 1)
        control, fit = _xy(g, 10), _xy(g, 11)
        knots = _all(g, 40)
        if len(control) and knots:
            pts = curves.bspline(int(_get(g, 71, 3)), knots, control, _all(g, 41))
        else:
            pts = fit if len(fit) else control
        return [(pts, closed)] if len(pts) >= 2 else []
    return []


def read_dxf(data: bytes) -> tuple[list[Polyline], str, float, list[str]]:
    """Polylines in mm, the unit name, its factor to mm, warnings."""
    pairs = _pairs(data)
    try:
        entities, units = _entities(pairs)
    except (ValueError, OverflowError):
        raise MeshError(Said("geom.err.dxf_insunits")) from None
    if not entities:
        raise MeshError(Said("geom.err.dxf_empty"))
    unit, factor = INSUNITS.get(units, ("mm", 1.0))
    warnings = [] if units in INSUNITS else [Said("geom.warn.insunits", units=units)]
    out: list[Polyline] = []
    ignored: dict[str, int] = {}
    budget = curves.PointBudget()
    k = 0
    while k < len(entities):
        kind, groups = entities[k]
        try:
            k = _read_entity(entities, k, budget, out, ignored)
        except MeshError:
            raise
        # MeshError is a ValueError: re-raised above, so only parse faults arrive here.
        except (ValueError, OverflowError, ZeroDivisionError):
            raise MeshError(Said("geom.err.dxf_number", n=k + 1, kind=kind[:20])) from None
        k += 1
    for kind, count in sorted(ignored.items()):
        warnings.append(Said("geom.warn.dxf_skipped", n=count, kind=kind))
    scaled = [(points * factor, closed) for points, closed in out]
    return scaled, unit, factor, warnings


def _read_entity(
    entities: list[tuple[str, list[tuple[int, str]]]],
    k: int,
    budget: curves.PointBudget,
    out: list[Polyline],
    ignored: dict[str, int],
) -> int:
    """Reads entity `k` (a POLYLINE with its VERTEX run) into `out`; the last index read."""
    kind, groups = entities[k]
    if kind == "POLYLINE":
        # Old-style polyline: VERTEX entities follow until SEQEND.
        vertices = []
        while k + 1 < len(entities) and entities[k + 1][0] == "VERTEX":
            k += 1
            v = entities[k][1]
            vertices.append((_get(v, 10), _get(v, 20), _get(v, 42)))
        closed = bool(int(_get(groups, 70)) & 1)
        found = [(_polyline(vertices, closed, budget), closed)] if len(vertices) >= 2 else []
    else:
        found = _entity(kind, groups, budget)
        if not found and kind in _IGNORED:
            ignored[kind] = ignored.get(kind, 0) + 1
    if _get(groups, 230, 1.0) < 0 and kind != "LINE":
        # Object coordinates seen from below: x runs the other way in world space.
        found = [(points * np.array([-1.0, 1.0]), closed) for points, closed in found]
    out.extend(found)
    return k
