"""Length units: 3MF unit names to millimetres, and the suspicion that a file lies.

STL and OBJ carry no unit; the trade convention is millimetres. Exporters that write
metres or inches anyway produce parts that are 1000× or 25.4× off. Those are only flagged:
rescaling silently would be wrong for the tiny parts that really are that small.
"""

from __future__ import annotations

from collections.abc import Sequence

from refaire.said import Said

MM_PER_UNIT: dict[str, float] = {
    "micron": 0.001,
    "millimeter": 1.0,
    "centimeter": 10.0,
    "inch": 25.4,
    "foot": 304.8,
    "meter": 1000.0,
}

# An inch design measures whole sixteenths; dims are matched within this fraction of 1/16".
_SIXTEENTH = 1.0 / 16.0
_FRACTION_TOLERANCE = 0.02
# Under 1 mm in every direction is not a printable part; 1 m read as mm is 1 mm.
_METRES_BELOW = 1.0
# Inch suspicion only for parts under 12 "mm" (12 in = 305 mm is still a plausible part).
_INCHES_BELOW = 12.0


def _fmt(size: Sequence[float]) -> str:
    return " x ".join(f"{v:.4g}" for v in size)


def _on_sixteenths(value: float) -> bool:
    steps = value / _SIXTEENTH
    return abs(steps - round(steps)) <= _FRACTION_TOLERANCE and round(steps) > 0


def unit_suspicion(size_mm: Sequence[float]) -> str | None:
    """A warning when the bounding box looks like metres or inches, else None."""
    dims = [float(v) for v in size_mm]
    largest = max(dims)
    if largest <= 0:
        return None
    if largest < _METRES_BELOW:
        return (
            Said("geom.warn.metres", bbox=_fmt(dims), mm=_fmt([v * 1000 for v in dims]))
        )
    nonzero = [v for v in dims if v > 0]
    # Whole millimetres are also whole sixteenths: a 10 mm cube is not an inch design.
    # At least one real fraction (0.5, 0.25, 0.375 …) is required before suspecting inches.
    has_fraction = any(abs(v - round(v)) > 0.01 for v in nonzero)
    if largest < _INCHES_BELOW and has_fraction and all(_on_sixteenths(v) for v in nonzero):
        return (
            Said("geom.warn.inches", bbox=_fmt(dims), mm=_fmt([v * 25.4 for v in dims]))
        )
    if largest > 10_000:
        return (
            Said("geom.warn.huge", bbox=_fmt(dims))
        )
    return None
