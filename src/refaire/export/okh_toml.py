"""Write a normalised design as an OKH-LOSH manifest (TOML, kebab-case keys).

The output uses the OKH-LOSH 1.0 keys (``okhv = "OKH-LOSHv1.0"``, ``name``, ``repo``,
``license``, ``licensor``, ``organization``, ``documentation-language``,
``technology-readiness-level``, ``cpc-patent-class``, ``tsdc``, ``[outer-dimensions]``,
``[[part]]``…) with the normalised values (SPDX ids, BCP-47 tags, OTRL/ODRL levels,
vocabulary ids for part processes and materials).

What OKH-LOSH has no key for is written under extra keys that Refaire's reader maps
back (OKH allows custom keys): ``description``, ``intended-use``, ``keywords`` (OKH v1
names), ``documentation-license`` / ``software-license`` (the other v1 licences),
``categories`` (topics such as Appropedia's), ``date-created`` / ``date-updated``,
``derivative-of`` / ``variant-of``, and on parts ``manufacturing-process``,
``quantity`` and ``manifest`` (the stand-alone part manifest it came from).

Not written, because they are derived on reading: key, platform, sectors (from CPC or
re-inferred from the same text), and the import record (format, notes, problems,
provenance).
"""

from __future__ import annotations

from typing import Any

from refaire.export.toml_writer import dumps
from refaire.ingest.okh_values import openscad_cube
from refaire.model import Design, Dimensions, Part

OKHV = "OKH-LOSHv1.0"


def _one_or_many(items: list[str]) -> str | list[str] | None:
    if not items:
        return None
    return items[0] if len(items) == 1 else list(items)


def _dimensions(dims: Dimensions | None) -> dict[str, Any] | None:
    if dims is None:
        return None
    if dims.source == "openscad":
        return {"openSCAD": openscad_cube(dims.width, dims.depth, dims.height), "unit": "mm"}
    # stated sizes keep their numbers; "measured"/"inferred" have no OKH-LOSH form and
    # come back as stated
    return {"width": dims.width, "depth": dims.depth, "height": dims.height, "unit": "mm"}


def _part(part: Part) -> dict[str, Any]:
    table: dict[str, Any] = {
        "name": part.name,
        "image": part.image,
        "tsdc": _one_or_many(part.tsdc),
        "source": _one_or_many(part.sources),
        "export": _one_or_many(part.exports),
        "manufacturing-process": part.processes or None,
        "material": part.materials or None,
        "quantity": part.quantity if part.quantity != 1 else None,
        "manifest": part.manifest,
        # a size the reader could not read goes back as written, to be kept again
        "outer-dimensions": _dimensions(part.dimensions) or part.dimensions_text,
        "mass": {"value": part.mass_g, "unit": "g"} if part.mass_g is not None else None,
    }
    return table


def _texts_of(design: Design, kind: str) -> list[str] | None:
    """The design-level requirement texts of one kind, once each, as the source wrote them."""
    texts = list(dict.fromkeys(r.text for r in design.design_requirements if r.kind == kind))
    return texts or None


def design_document(design: Design) -> dict[str, Any]:
    """The manifest as a plain dict (keys in OKH-LOSH order), before TOML rendering."""
    other_licences = {
        f"{kind}-license": lic.expression
        for kind, lic in design.licences.items()
        if kind != "hardware" and lic.expression
    }
    links: dict[str, list[str]] = {}
    for link in design.links:
        links.setdefault(link.kind, []).append(link.target)
    doc: dict[str, Any] = {
        "okhv": OKHV,
        # the name as the source wrote it: re-reading normalises it again for display
        "name": design.original_name or design.name,
        "repo": design.repo,
        "version": design.version,
        "license": design.licence.expression if design.licence else None,
        **other_licences,
        "licensor": design.licensor,
        "organization": design.organisation,
        "readme": design.readme,
        "image": _one_or_many(design.images),
        "documentation-language": _one_or_many(design.languages),
        "technology-readiness-level": design.technology_readiness,
        "trl": design.trl,
        "documentation-readiness-level": design.documentation_readiness,
        "function": design.function,
        "description": design.description,
        "intended-use": design.intended_use,
        "keywords": design.keywords or None,
        "cpc-patent-class": _one_or_many(design.cpc),
        "tsdc": _one_or_many(design.tsdc),
        "bom": design.bom,
        "manufacturing-instructions": _one_or_many(design.manufacturing_instructions),
        "user-manual": design.user_manual,
        "source": _one_or_many(design.sources),
        "export": _one_or_many(design.exports),
        **{kind: _one_or_many(targets) for kind, targets in links.items()},
        "categories": design.categories or None,
        "date-created": design.created,
        "date-updated": design.updated,
        "outer-dimensions": _dimensions(design.dimensions),
        "manufacturing-processes": _texts_of(design, "process"),
        "tool-list": _texts_of(design, "tool"),
        "schematics": _one_or_many(design.schematics),
        "software": _one_or_many(design.software),
        "part": [_part(p) for p in design.parts] or None,
    }
    return doc


def design_to_toml(design: Design) -> str:
    """The design as an OKH-LOSH TOML manifest (see the module docstring for extra keys)."""
    key = " ".join(design.key.split())  # a comment line cannot hold a line break
    header = f"# OKH-LOSH manifest written by Refaire from {key}\n"
    return header + dumps(design_document(design))
