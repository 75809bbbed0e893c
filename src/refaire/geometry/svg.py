"""SVG reader for cutting drawings: every drawn outline becomes a polyline in millimetres.

Supported: path (M L H V C S Q T A Z, relative and absolute), rect (square corners: rounded
corners are measured square, noted), circle, ellipse, line, polyline, polygon; `transform`
on any element, composed through groups; document units from width/height and viewBox
(user units are CSS pixels, 96 per inch, when the document does not say otherwise).
Text, images and <use> references are not measured and are reported.

Hostile documents: the XML goes through defusedxml, which decodes by the BOM and XML
declaration first (a UTF-16 file hides nothing) and refuses entity declarations and
external references; a public DOCTYPE alone is harmless and accepted. Curves are charged
to a `curves.PointBudget` and groups may nest `MAX_DEPTH` deep, so the work stays
proportional to a bounded output.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import numpy as np

from refaire.said import Said

from . import curves
from .errors import MeshError
from .safexml import parse_xml

Polyline = tuple[np.ndarray, bool]

MM_PER = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72, "pc": 25.4 / 6, "px": 25.4 / 96,
          "q": 0.25, "": 25.4 / 96}  # fmt: skip
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_LENGTH = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([a-zA-Z%]*)\s*$")
_TRANSFORM = re.compile(r"(matrix|translate|scale|rotate|skewX|skewY)\s*\(([^)]*)\)")
MAX_DEPTH = 200
# A laser drawing of thousands of parts has tens of thousands of elements.
MAX_ELEMENTS = 500_000
_SKIPPED = {"defs", "clipPath", "mask", "symbol", "marker", "pattern", "metadata", "title",
            "desc", "style", "script", "linearGradient", "radialGradient", "filter"}  # fmt: skip
_UNMEASURED = {"text", "image", "use", "foreignObject"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _numbers(text: str | None) -> list[float]:
    return [float(v) for v in _NUMBER.findall(text or "")]


def _length(text: str | None, default: float = 0.0) -> float:
    values = _numbers(text)
    return values[0] if values else default


def parse_transform(text: str | None) -> np.ndarray:
    matrix = np.eye(3)
    for name, args in _TRANSFORM.findall(text or ""):
        v = _numbers(args)
        step = np.eye(3)
        if name == "matrix" and len(v) == 6:
            step[:2] = [[v[0], v[2], v[4]], [v[1], v[3], v[5]]]
        elif name == "translate" and v:
            step[0, 2], step[1, 2] = v[0], v[1] if len(v) > 1 else 0.0
        elif name == "scale" and v:
            step[0, 0], step[1, 1] = v[0], v[1] if len(v) > 1 else v[0]
        elif name == "rotate" and v:
            a = math.radians(v[0])
            rot = np.array(
                [[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]]
            )
            if len(v) == 3:
                there, back = np.eye(3), np.eye(3)
                there[:2, 2], back[:2, 2] = (v[1], v[2]), (-v[1], -v[2])
                rot = there @ rot @ back
            step = rot
        elif name == "skewX" and v:
            step[0, 1] = math.tan(math.radians(v[0]))
        elif name == "skewY" and v:
            step[1, 0] = math.tan(math.radians(v[0]))
        matrix = matrix @ step
    return matrix


class _PathScanner:
    """Tokens of path data; arc flags may be packed without separators ("a1 1 0 01 5 5")."""

    def __init__(self, d: str) -> None:
        self.d, self.i = d, 0

    def _skip(self) -> None:
        while self.i < len(self.d) and self.d[self.i] in " \t\r\n,":
            self.i += 1

    def command(self) -> str | None:
        self._skip()
        if self.i < len(self.d) and self.d[self.i].isalpha():
            self.i += 1
            return self.d[self.i - 1]
        return None

    def has_number(self) -> bool:
        self._skip()
        return self.i < len(self.d) and (self.d[self.i] in "+-." or self.d[self.i].isdigit())

    def number(self) -> float:
        self._skip()
        match = _NUMBER.match(self.d, self.i)
        if not match:
            raise MeshError(Said("geom.err.svg_number", at=self.d[self.i : self.i + 12]))
        self.i = match.end()
        return float(match.group())

    def flag(self) -> bool:
        self._skip()
        if self.i < len(self.d) and self.d[self.i] in "01":
            self.i += 1
            return self.d[self.i - 1] == "1"
        raise MeshError(Said("geom.err.svg_flag"))


def parse_path(d: str, budget: curves.PointBudget | None = None) -> list[Polyline]:
    budget = budget or curves.PointBudget()
    scan = _PathScanner(d)
    out: list[Polyline] = []
    pieces: list[np.ndarray] = []
    cur = start = np.zeros(2)
    last_ctrl: np.ndarray | None = None
    last_cmd = ""

    def flush(closed: bool) -> None:
        nonlocal pieces
        if pieces:
            out.append((np.vstack(pieces), closed))
        pieces = []

    def point(rel: bool) -> np.ndarray:
        p = np.array([scan.number(), scan.number()])
        return p + cur if rel else p

    cmd = scan.command()
    if cmd is None and d.strip():
        raise MeshError(Said("geom.err.svg_start"))
    while cmd is not None:
        rel, op = cmd.islower(), cmd.upper()
        first = True
        while first or scan.has_number():
            if op == "Z":
                if pieces:
                    pieces.append(np.array([cur, start]))
                flush(True)
                cur, last_ctrl = start, None
                break
            if op == "M" and first:
                flush(False)
                cur = start = point(rel)
                first = False
                op = "L"  # further pairs after a moveto are linetos
                continue
            ctrl = None
            if op == "L":
                seg = np.array([cur, point(rel)])
            elif op in "HV":
                value = scan.number()
                end = cur.copy()
                axis = 0 if op == "H" else 1
                end[axis] = value + (cur[axis] if rel else 0.0)
                seg = np.array([cur, end])
            elif op in "CS":
                if op == "C":
                    c1 = point(rel)
                else:
                    smooth = last_cmd in "CS" and last_ctrl is not None
                    c1 = 2 * cur - last_ctrl if smooth else cur
                c2, end = point(rel), point(rel)
                seg, ctrl = curves.cubic(cur, c1, c2, end), c2
            elif op in "QT":
                if op == "Q":
                    c1 = point(rel)
                else:
                    smooth = last_cmd in "QT" and last_ctrl is not None
                    c1 = 2 * cur - last_ctrl if smooth else cur
                end = point(rel)
                seg, ctrl = curves.quadratic(cur, c1, end), c1
            elif op == "A":
                radii = (scan.number(), scan.number())
                rotation = scan.number()
                large, sweep = scan.flag(), scan.flag()
                end = point(rel)
                seg = curves.svg_arc(tuple(cur), radii, rotation, large, sweep, tuple(end))
            else:
                raise MeshError(Said("geom.err.svg_command", cmd=cmd))
            budget.take(len(seg))
            pieces.append(seg)
            cur, last_ctrl, last_cmd = seg[-1], ctrl, op
            first = False
        last_cmd = op if op != "Z" else ""
        cmd = scan.command()
        if cmd is None and scan.i < len(d.strip()):
            raise MeshError(Said("geom.err.svg_unexpected", at=d[scan.i : scan.i + 12]))
    flush(False)
    return out


def _shape(
    element: ET.Element, tag: str, warnings: list[str], budget: curves.PointBudget
) -> list[Polyline]:
    found = _outline(element, tag, warnings, budget)
    if tag != "path":  # a path is charged segment by segment as it is built
        for points, _ in found:
            budget.take(len(points))
    return found


def _outline(
    element: ET.Element, tag: str, warnings: list[str], budget: curves.PointBudget
) -> list[Polyline]:
    g = element.get
    if tag == "path":
        return parse_path(g("d", ""), budget)
    if tag == "rect":
        x, y, w, h = (_length(g(k)) for k in ("x", "y", "width", "height"))
        if g("rx") or g("ry"):
            warnings.append(Said("geom.warn.rounded"))
        pts = np.array([(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)])
        return [(pts, True)] if w > 0 and h > 0 else []
    if tag in ("circle", "ellipse"):
        cx, cy = _length(g("cx")), _length(g("cy"))
        rx = _length(g("r")) if tag == "circle" else _length(g("rx"))
        ry = _length(g("r")) if tag == "circle" else _length(g("ry"))
        return [(curves.arc(cx, cy, rx, ry, 0.0, 2 * math.pi), True)] if rx > 0 and ry > 0 else []
    if tag == "line":
        pts = np.array([(_length(g("x1")), _length(g("y1"))), (_length(g("x2")), _length(g("y2")))])
        return [(pts, False)]
    if tag in ("polyline", "polygon"):
        values = _numbers(g("points"))
        pts = np.array(values[: len(values) // 2 * 2]).reshape(-1, 2)
        if len(pts) < 2:
            return []
        if tag == "polygon":
            return [(np.vstack((pts, pts[:1])), True)]
        return [(pts, False)]
    return []


def _hidden(element: ET.Element) -> bool:
    style = (element.get("style") or "").replace(" ", "")
    return element.get("display") == "none" or "display:none" in style


def _document_scale(root: ET.Element, warnings: list[str]) -> tuple[np.ndarray, str]:
    """User units → mm, per axis, and a word on what was assumed."""
    box = _numbers(root.get("viewBox"))
    sizes = []
    for key in ("width", "height"):
        match = _LENGTH.match(root.get(key) or "")
        sizes.append((float(match.group(1)), match.group(2).lower()) if match else None)
    if len(box) == 4 and box[2] > 0 and box[3] > 0 and all(s and s[1] != "%" for s in sizes):
        sx = sizes[0][0] * MM_PER.get(sizes[0][1], MM_PER["px"]) / box[2]
        sy = sizes[1][0] * MM_PER.get(sizes[1][1], MM_PER["px"]) / box[3]
        unit = sizes[0][1] or "px"
        offset = np.array([-box[0] * sx, -box[1] * sy])
        return np.array([[sx, 0, offset[0]], [0, sy, offset[1]], [0, 0, 1]]), unit
    if len(box) != 4 and sizes[0] and sizes[0][1] not in ("", "px", "%"):
        warnings.append(Said("geom.warn.no_viewbox"))
    px = MM_PER["px"]
    return np.diag([px, px, 1.0]), "px"


def read_svg(data: bytes) -> tuple[list[Polyline], str, list[str]]:
    """Polylines in mm, the document unit, warnings."""
    root = parse_xml(data, "SVG", MAX_ELEMENTS)
    if _local(root.tag) != "svg":
        raise MeshError(Said("geom.err.not_svg"))
    warnings: list[str] = []
    document, unit = _document_scale(root, warnings)
    out: list[Polyline] = []
    skipped: dict[str, int] = {}

    budget = curves.PointBudget()

    def visit(element: ET.Element, matrix: np.ndarray, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise MeshError(Said("geom.err.svg_depth", max=MAX_DEPTH))
        tag = _local(element.tag)
        if tag in _SKIPPED or _hidden(element):
            return
        if tag in _UNMEASURED:
            skipped[tag] = skipped.get(tag, 0) + 1
            return
        matrix = matrix @ parse_transform(element.get("transform"))
        for points, closed in _shape(element, tag, warnings, budget):
            placed = points @ matrix[:2, :2].T + matrix[:2, 2]
            out.append((placed, closed))
        for child in element:
            visit(child, matrix, depth + 1)

    visit(root, document, 0)
    for tag, count in sorted(skipped.items()):
        warnings.append(Said("geom.warn.svg_skipped", n=count, tag=tag))
    return out, unit, sorted(set(warnings), key=warnings.index)
