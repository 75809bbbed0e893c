"""Distances on the Earth and the bounding boxes that let an index find what is near."""

from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) containing every point within the radius.

    Near the poles, or when the box would cross the antimeridian, longitudes are
    left unbounded (-180..180): correct, only less selective.
    """
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90 or max_lat >= 90:
        return max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0
    dlon = math.degrees(radius_km / (EARTH_RADIUS_KM * math.cos(math.radians(lat))))
    if lon - dlon < -180 or lon + dlon > 180:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, lon - dlon, lon + dlon


def parse_point(text: str) -> tuple[float, float]:
    """ "48.85,2.35" -> (48.85, 2.35); a ValueError says what was expected."""
    try:
        lat_s, lon_s = text.replace(";", ",").split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise ValueError(
            f"expected LAT,LON in decimal degrees (e.g. 48.85,2.35), got {text!r}"
        ) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(
            f"coordinates out of range: {text!r} (latitude -90..90, longitude -180..180)"
        )
    return lat, lon


# Grid cells index capabilities by place: a radius query for a process reads only
# the rows of that process in the few cells around the circle.
CELL_DEG = 0.25
_LON_CELLS = int(360 / CELL_DEG) + 2


def grid_cell(lat: float, lon: float) -> int:
    """The number of the CELL_DEG x CELL_DEG cell holding a point."""
    return int((lat + 90) // CELL_DEG) * _LON_CELLS + int((lon + 180) // CELL_DEG)


def cells_covering(
    box: tuple[float, float, float, float], max_cells: int = 400
) -> list[int] | None:
    """Every cell meeting a (min_lat, max_lat, min_lon, max_lon) box; None if over `max_cells`.

    Past a few hundred cells a plain scan of the process's rows is cheaper than the
    cell list, so the caller drops the cell condition.
    """
    min_lat, max_lat, min_lon, max_lon = box
    rows = range(int((min_lat + 90) // CELL_DEG), int((max_lat + 90) // CELL_DEG) + 1)
    cols = range(int((min_lon + 180) // CELL_DEG), int((max_lon + 180) // CELL_DEG) + 1)
    if len(rows) * len(cols) > max_cells:
        return None
    return [r * _LON_CELLS + c for r in rows for c in cols]
