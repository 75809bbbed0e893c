"""What the maps draw besides the facilities: towns with names, and the tile server.

Offline, a map zoomed on Lyon must still say where it is: the country outlines (Natural
Earth, vendored) and the towns of the offline gazetteer (GeoNames, already shipped for
placing labs) are drawn by the page's Leaflet from the app itself, and at regional zooms
the first-level administrative units (Natural Earth admin-1, vendored as one quantised
TopoJSON, see static/vendor/README.md) as thin lines with their names. Tiles come from the
server named by `REFAIRE_TILE_URL` (OpenStreetMap's by default, with its attribution in
`REFAIRE_TILE_ATTRIBUTION`); `REFAIRE_TILE_URL=none` keeps the maps fully offline.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors (openstreetmap.org/copyright)"
TOWN_MIN_POPULATION = 50_000
REGIONS_FILE = Path(__file__).parent / "static" / "vendor" / "natural-earth-admin1" / "admin1-10m.topo.json"


def tile_settings() -> dict[str, str | None]:
    """{url, attribution} of the tile server; url None when tiles are switched off.

    Only an https URL with {z}/{x}/{y} is used (the page's policy loads https images)."""
    url = os.environ.get("REFAIRE_TILE_URL", OSM_TILES).strip()
    if url.lower() in ("", "none", "off") or not url.startswith("https://"):
        return {"url": None, "attribution": None}
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        return {"url": None, "attribution": None}
    default = OSM_ATTRIBUTION if url == OSM_TILES else url.split("/")[2]
    return {"url": url, "attribution": os.environ.get("REFAIRE_TILE_ATTRIBUTION") or default}


@lru_cache(maxsize=4)
def towns(min_population: int = TOWN_MIN_POPULATION) -> list[list[Any]]:
    """[name, latitude, longitude, population] of the gazetteer's towns of at least
    `min_population` inhabitants, largest first (the map labels the largest first)."""
    from refaire.vocab.gazetteer import all_towns

    seen: dict[int, list[Any]] = {}
    for t in all_towns():
        if t.population >= min_population and t.geonameid not in seen:
            seen[t.geonameid] = [t.name, round(t.latitude, 3), round(t.longitude, 3), t.population]
    return sorted(seen.values(), key=lambda r: -r[3])
