"""Flattening of 2D curves into polylines, shared by the SVG and DXF readers.

Arcs are cut into steps of at most one degree: the chord length then differs from the
arc length by under 0.0013 % (δ²/24), far below what a laser quote can tell.

Work is bounded for hostile drawings: a `PointBudget` caps the points one drawing may
flatten into (every curve is charged before its array is built), and B-splines are
refused above `MAX_SPLINE_DEGREE` (de Boor costs degree² per sample; CAD writes ≤ 11).
"""

from __future__ import annotations

import math

import numpy as np

from refaire.said import Said

from .errors import MeshError

STEP_RAD = math.radians(1.0)
BEZIER_STEPS = 64
# A laser job of a few thousand parts flattens into a few hundred thousand points.
MAX_POINTS = 2_000_000
MAX_SPLINE_DEGREE = 11
MAX_SPLINE_SAMPLES = 20_000


class PointBudget:
    """Points a drawing may still produce; `take` raises MeshError once it is spent."""

    __slots__ = ("left", "limit")

    def __init__(self, limit: int = MAX_POINTS) -> None:
        self.limit = self.left = limit

    def take(self, count: int) -> None:
        self.left -= count
        if self.left < 0:
            raise MeshError(Said("geom.err.points", max=self.limit))


def arc(
    cx: float, cy: float, rx: float, ry: float, start: float, sweep: float, tilt: float = 0.0
) -> np.ndarray:
    """Points of an elliptic arc from angle `start` over signed `sweep` (radians)."""
    n = max(2, math.ceil(abs(sweep) / STEP_RAD))
    t = start + sweep * np.linspace(0.0, 1.0, n + 1)
    x, y = rx * np.cos(t), ry * np.sin(t)
    cos_t, sin_t = math.cos(tilt), math.sin(tilt)
    return np.column_stack((cx + x * cos_t - y * sin_t, cy + x * sin_t + y * cos_t))


def bulge_arc(p1: tuple[float, float], p2: tuple[float, float], bulge: float) -> np.ndarray:
    """DXF bulge segment: bulge = tan(θ/4), θ the signed included angle (CCW positive)."""
    (x1, y1), (x2, y2) = p1, p2
    dx, dy = x2 - x1, y2 - y1
    chord = math.hypot(dx, dy)
    if abs(bulge) < 1e-12 or chord == 0:
        return np.array([p1, p2], dtype=np.float64)
    theta = 4.0 * math.atan(bulge)
    offset = chord / (2.0 * math.tan(theta / 2.0))  # signed: negative puts it on the right
    cx = (x1 + x2) / 2 - dy / chord * offset
    cy = (y1 + y2) / 2 + dx / chord * offset
    radius = math.hypot(x1 - cx, y1 - cy)
    start = math.atan2(y1 - cy, x1 - cx)
    points = arc(cx, cy, radius, radius, start, theta)
    points[-1] = p2  # exact end, so that chained segments meet
    return points


def cubic(p0, p1, p2, p3) -> np.ndarray:
    t = np.linspace(0.0, 1.0, BEZIER_STEPS + 1)[:, None]
    p0, p1, p2, p3 = (np.asarray(p, dtype=np.float64) for p in (p0, p1, p2, p3))
    u = 1 - t
    return u**3 * p0 + 3 * u**2 * t * p1 + 3 * u * t**2 * p2 + t**3 * p3


def quadratic(p0, p1, p2) -> np.ndarray:
    t = np.linspace(0.0, 1.0, BEZIER_STEPS + 1)[:, None]
    p0, p1, p2 = (np.asarray(p, dtype=np.float64) for p in (p0, p1, p2))
    u = 1 - t
    return u**2 * p0 + 2 * u * t * p1 + t**2 * p2


def svg_arc(p1, radii, rotation_deg: float, large: bool, sweep: bool, p2) -> np.ndarray:
    """SVG endpoint arc → points, by the centre conversion of SVG 1.1 appendix F.6.5."""
    (x1, y1), (x2, y2) = p1, p2
    rx, ry = abs(radii[0]), abs(radii[1])
    if rx == 0 or ry == 0 or (x1 == x2 and y1 == y2):
        return np.array([p1, p2], dtype=np.float64)
    phi = math.radians(rotation_deg)
    cos_p, sin_p = math.cos(phi), math.sin(phi)
    dx, dy = (x1 - x2) / 2, (y1 - y2) / 2
    xp, yp = cos_p * dx + sin_p * dy, -sin_p * dx + cos_p * dy
    # Radii too small to reach the end point are scaled up, as the specification says.
    scale = (xp / rx) ** 2 + (yp / ry) ** 2
    if scale > 1:
        rx, ry = rx * math.sqrt(scale), ry * math.sqrt(scale)
    num = rx * rx * ry * ry - rx * rx * yp * yp - ry * ry * xp * xp
    den = rx * rx * yp * yp + ry * ry * xp * xp
    factor = math.sqrt(max(0.0, num / den)) if den else 0.0
    if large == sweep:
        factor = -factor
    cxp, cyp = factor * rx * yp / ry, -factor * ry * xp / rx
    cx = cos_p * cxp - sin_p * cyp + (x1 + x2) / 2
    cy = sin_p * cxp + cos_p * cyp + (y1 + y2) / 2
    start = math.atan2((yp - cyp) / ry, (xp - cxp) / rx)
    end = math.atan2((-yp - cyp) / ry, (-xp - cxp) / rx)
    delta = end - start
    if sweep and delta < 0:
        delta += 2 * math.pi
    elif not sweep and delta > 0:
        delta -= 2 * math.pi
    points = arc(cx, cy, rx, ry, start, delta, phi)
    points[-1] = p2
    return points


def bspline(
    degree: int, knots: list[float], control: np.ndarray, weights: list[float] | None
) -> np.ndarray:
    """A (rational) B-spline sampled by de Boor's algorithm in homogeneous coordinates.

    All samples are evaluated at once (numpy over the samples, Python over degree²).
    """
    n = len(control)
    if degree > MAX_SPLINE_DEGREE:
        raise MeshError(Said("geom.err.spline", degree=degree, max=MAX_SPLINE_DEGREE))
    if degree < 1 or n <= degree or len(knots) != n + degree + 1:
        return control
    w = np.ones(n) if not weights or len(weights) != n else np.asarray(weights, dtype=np.float64)
    homogeneous = np.column_stack((control * w[:, None], w))
    knots_a = np.asarray(knots, dtype=np.float64)
    lo, hi = knots_a[degree], knots_a[n]
    samples = np.linspace(lo, hi, min(max(BEZIER_STEPS, 8 * n), MAX_SPLINE_SAMPLES) + 1)
    spans = np.searchsorted(knots_a, samples, side="right") - 1
    spans = np.clip(spans, degree, n - 1)
    # d[:, j] holds control point spans - degree + j for every sample.
    d = homogeneous[spans[:, None] + np.arange(-degree, 1)]
    for r in range(1, degree + 1):
        for j in range(degree, r - 1, -1):
            i = spans + j - degree
            left, right = knots_a[i], knots_a[i + degree - r + 1]
            span = right - left
            with np.errstate(divide="ignore", invalid="ignore"):
                alpha = np.where(span == 0, 0.0, (samples - left) / np.where(span == 0, 1, span))
            alpha = alpha[:, None]
            d[:, j] = (1 - alpha) * d[:, j - 1] + alpha * d[:, j]
    with np.errstate(divide="ignore", invalid="ignore"):
        return d[:, degree, :2] / d[:, degree, 2:3]
