"""Designs as CSV (one row per design) and as JSON-ready dicts.

CSV: one row per design, lists joined with ``"; "``, the licence as its expression;
parts are summarised (count, names, their process and material ids) since a row cannot
hold a table. JSON: `Design.to_dict()` without the original manifest text (kept in the
store, too large for an export) but with the rest of the provenance.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

from refaire.export.spreadsheet import SafeDictWriter
from refaire.model import Design
from refaire.public_source import public_problems, public_source

SEP = "; "

COLUMNS = [
    "key",
    "name",
    "format",
    "okhv",
    "platform",
    "repo",
    "version",
    "licence",
    "licence_openness",
    "licensor",
    "organisation",
    "languages",
    "technology_readiness",
    "documentation_readiness",
    "cpc",
    "sectors",
    "tsdc",
    "keywords",
    "categories",
    "function",
    "description",
    "width_mm",
    "depth_mm",
    "height_mm",
    "part_count",
    "part_names",
    "processes",
    "materials",
    "links",
    "images",
    "created",
    "updated",
    "source",
    "checksum",
    "warnings",
]


def _join(items: Iterable[str]) -> str:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return SEP.join(seen)


def design_row(design: Design) -> dict[str, Any]:
    """The CSV row of one design (keys are `COLUMNS`)."""
    dims = design.dimensions
    prov = design.provenance
    return {
        "key": design.key,
        "name": design.name,
        "format": design.format,
        "okhv": design.okhv,
        "platform": design.platform,
        "repo": design.repo,
        "version": design.version,
        "licence": design.licence.expression if design.licence else None,
        "licence_openness": design.licence.openness if design.licence else None,
        "licensor": design.licensor,
        "organisation": design.organisation,
        "languages": _join(design.languages),
        "technology_readiness": design.technology_readiness,
        "documentation_readiness": design.documentation_readiness,
        "cpc": _join(design.cpc),
        "sectors": _join(design.sectors),
        "tsdc": _join(design.tsdc),
        "keywords": _join(design.keywords),
        "categories": _join(design.categories),
        "function": design.function,
        "description": design.description,
        "width_mm": dims.width if dims else None,
        "depth_mm": dims.depth if dims else None,
        "height_mm": dims.height if dims else None,
        "part_count": len(design.parts),
        "part_names": _join(p.name for p in design.parts),
        "processes": _join(x for p in design.parts for x in p.processes),
        "materials": _join(x for p in design.parts for x in p.materials),
        "links": _join(f"{link.kind} {link.target}" for link in design.links),
        "images": _join(design.images),
        "created": design.created,
        "updated": design.updated,
        "source": prov.source if prov else None,
        "checksum": prov.checksum if prov else None,
        "warnings": len([p for p in design.problems if p.severity == "warning"]),
    }


def designs_to_csv(designs: Iterable[Design], fh: TextIO) -> int:
    """Write a header and one row per design to `fh` (formula-like text neutralised);
    returns the number of rows."""
    writer = SafeDictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    n = 0
    for design in designs:
        writer.writerow(design_row(design))
        n += 1
    return n


def design_to_json(design: Design) -> dict[str, Any]:
    """A JSON-serialisable dict of the design, without the original manifest text."""
    data = design.to_dict()
    if data.get("provenance"):
        data["provenance"].pop("text", None)
        data["provenance"]["source"] = public_source(data["provenance"]["source"])
    data["problems"] = public_problems(data.get("problems"))
    return data
