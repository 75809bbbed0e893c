"""Figures for issue 12: located facilities whose named country disagrees with their pair.

    REFAIRE_SHARED_DATA=/work/shared/data python benchmarks/location_truth.py [FILES…]

Reads the shared fab-lab list and SpaceAPI snapshot (or the files given) with Refaire's
readers and prints, per source, the located records that name a country, and the share of
them whose coordinates disagree with that country, before the check (the pairs as the
source wrote them) and after it (swapped pairs fixed, doubtful ones set aside).

Two measures, so the figure does not only grade the check by its own rule:
- "cells": the check's own test (a GeoNames town of that country within ±1°);
- "nearest town": an independent one, the country of the nearest GeoNames town of 5,000+
  inhabitants (the gazetteer), which also counts honest border cases, so it is never 0.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from _common import SHARED_DATA

from refaire.ingest.place_check import TERRITORIES, in_country
from refaire.ingest.runner import read_source
from refaire.model import Facility


def _nearest_country():
    """A function (lat, lon) -> country of the nearest gazetteer town (vectorised search)."""
    from refaire.vocab.gazetteer import _indexes  # the gazetteer's towns, already loaded

    towns = [t for ts in _indexes()[0].values() for t in ts]
    lat = np.radians([t.latitude for t in towns])
    lon = np.radians([t.longitude for t in towns])
    countries = [t.country for t in towns]

    def nearest(la: float, lo: float) -> str:
        p, q = np.radians(la), np.radians(lo)
        a = np.sin((lat - p) / 2) ** 2 + np.cos(p) * np.cos(lat) * np.sin((lon - q) / 2) ** 2
        return countries[int(np.argmin(a))]

    return nearest


def _pairs(f: Facility) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """(pair as the source wrote it, pair kept as the location) of a stated location."""
    if f.location_origin != "stated":
        return None, None
    after = (f.latitude, f.longitude) if f.latitude is not None else None
    if "location_swapped" in f.extra:
        read = f.extra["location_swapped"]["read"]
        return (read[0], read[1]), after
    if "doubtful_location" in f.extra:
        d = f.extra["doubtful_location"]
        return (d["latitude"], d["longitude"]), None
    return after, after


def _facilities(paths: Iterable[Path]) -> list[Facility]:
    out: list[Facility] = []
    for path in paths:
        out += read_source(str(path), path.read_bytes()).facilities
    return out


def report(label: str, facilities: list[Facility], nearest) -> None:
    named = [f for f in facilities if f.country]
    rows = [(f, *_pairs(f)) for f in named]
    before = [(f, b) for f, b, _ in rows if b is not None]
    after = [(f, a) for f, _, a in rows if a is not None]

    def share(pairs, test) -> str:
        bad = sum(not test(f, p) for f, p in pairs)
        return f"{bad}/{len(pairs)} = {100 * bad / max(1, len(pairs)):.2f} %"

    def by_nearest(f, p) -> bool:
        return nearest(*p) in (f.country, *TERRITORIES.get(f.country, ()))

    def by_cells(f, p) -> bool:
        return in_country(p[0], p[1], f.country)

    swapped = sum("location_swapped" in f.extra for f in named)
    doubtful = sum(f.location_status == "doubtful" for f in named)
    print(f"{label}: {len(facilities)} records, {len(before)} located as read with a country")
    print(f"  swapped back: {swapped}, set aside as doubtful: {doubtful}")
    print(f"  disagreeing (cells)        before {share(before, by_cells)}")
    print(f"                             after  {share(after, by_cells)}")
    print(f"  disagreeing (nearest town) before {share(before, by_nearest)}")
    print(f"                             after  {share(after, by_nearest)}")


def main(argv: list[str]) -> None:
    nearest = _nearest_country()
    if argv:
        report("given files", _facilities(Path(a) for a in argv), nearest)
        return
    fac = SHARED_DATA / "facilities"
    report("fablabs-iopa.json", _facilities([fac / "fablabs-iopa.json"]), nearest)
    report("spaceapi/", _facilities(sorted((fac / "spaceapi").glob("*.json"))), nearest)


if __name__ == "__main__":
    main(sys.argv[1:])
