"""An open design (an OKH module) and its parts, as Refaire normalises them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from refaire.model._plain import plain
from refaire.model.problem import Problem

Openness = Literal["permissive", "weak-copyleft", "strong-copyleft", "non-free", "unknown"]
LinkKind = Literal["fork-of", "derivative-of", "variant-of"]
DimensionSource = Literal["stated", "openscad", "measured", "inferred"]


@dataclass(slots=True)
class Note:
    """A normalisation that changed the input: which field, from what, to what, by which rule."""

    field: str
    original: str
    value: str
    rule: str


@dataclass(slots=True)
class Licence:
    """A licence as an SPDX expression (or kept `LicenseRef-…`) with its openness class."""

    expression: str
    openness: Openness
    original: str | None = None
    name: str | None = None


@dataclass(slots=True)
class Dimensions:
    """Outer size in millimetres; `source` says whether it was stated, parsed or measured."""

    width: float
    depth: float
    height: float
    source: DimensionSource = "stated"

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.width, self.depth, self.height)


@dataclass(slots=True)
class Part:
    """A part of a design: what it is made with (vocabulary ids) and from which files."""

    name: str
    processes: list[str] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    tsdc: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)
    dimensions: Dimensions | None = None
    # The size as the source wrote it when it could not be read as millimetres (a unit
    # or form the reader does not parse yet): kept, and the import warned.
    dimensions_text: str | None = None
    quantity: int = 1
    mass_g: float | None = None
    manifest: str | None = None
    image: str | None = None
    # Filled when a mesh of the part was measured (dimensions then have source "measured").
    volume_mm3: float | None = None
    area_mm2: float | None = None
    mesh: str | None = None
    # base64 PNG drawn from that mesh (geometry.thumbnail); served as an image, not shown.
    thumbnail: str | None = None
    # Parts of this part as the source nests them (OKH v1 `sub-parts`, a LOSH `[[part]]`
    # with its own parts): kept and shown; matching reads the design's top-level parts.
    sub_parts: list[Part] = field(default_factory=list)


def _part_from_dict(data: dict[str, Any]) -> Part:
    p = dict(data)
    pd = p.get("dimensions")
    p["dimensions"] = Dimensions(**pd) if pd else None
    p["sub_parts"] = [_part_from_dict(x) for x in p.get("sub_parts") or []]
    return Part(**p)


@dataclass(slots=True)
class DesignRequirement:
    """A requirement the design states as a whole, not through any part (design-level):
    a process from its list of manufacturing processes, or a tool of its tool list.

    `id` is the capability vocabulary id the resolver found (None: not understood, the
    text is kept and the import warned); `origin` is "stated" for a process list entry or
    a tool the resolver reads with the stated confidence, else "inferred"; `rule` and
    `confidence` say how the text was read.
    """

    kind: Literal["process", "tool"]
    text: str
    id: str | None = None
    origin: Literal["stated", "inferred"] = "stated"
    rule: str | None = None
    confidence: float = 1.0
    level: str = "design"


@dataclass(slots=True)
class Link:
    """Lineage: this design is a fork / derivative / variant of `target` (a URL)."""

    kind: LinkKind
    target: str


@dataclass(slots=True)
class Provenance:
    """Where a design came from, byte for byte."""

    source: str
    format: str
    checksum: str
    imported_at: str
    text: str = ""


@dataclass(slots=True)
class Design:
    """A normalised OKH module. `key` is its identity (see `refaire.ingest.identity`)."""

    key: str
    name: str
    format: str
    okhv: str | None = None
    version: str | None = None
    repo: str | None = None
    function: str | None = None
    description: str | None = None
    intended_use: str | None = None
    keywords: list[str] = field(default_factory=list)
    licence: Licence | None = None
    licences: dict[str, Licence] = field(default_factory=dict)
    licensor: str | None = None
    organisation: str | None = None
    languages: list[str] = field(default_factory=list)
    technology_readiness: str | None = None
    # A NASA/ISO Technology Readiness Level ("TRL-6") as stated: a different scale from
    # the open-hardware OTRL above, kept apart, never mapped onto it.
    trl: str | None = None
    documentation_readiness: str | None = None
    cpc: list[str] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    tsdc: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    readme: str | None = None
    bom: str | None = None
    manufacturing_instructions: list[str] = field(default_factory=list)
    user_manual: str | None = None
    sources: list[str] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)
    dimensions: Dimensions | None = None
    # The design's size as the source wrote it when it could not be read as millimetres
    # (a unit or form the reader does not parse yet): kept, and the import warned.
    dimensions_text: str | None = None
    parts: list[Part] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    platform: str | None = None
    created: str | None = None
    updated: str | None = None
    # Design-level processes and tools (see DesignRequirement): read even when parts
    # state processes, used by matching when they state none.
    design_requirements: list[DesignRequirement] = field(default_factory=list)
    # Paths or URLs of schematics and software, as the manifest states them.
    schematics: list[str] = field(default_factory=list)
    software: list[str] = field(default_factory=list)
    # The name as the source wrote it, when the display name was normalised from it (an
    # Appropedia slug "Cold_Cathode_Fluorescent_Lamps", quotes around a name).
    original_name: str | None = None
    notes: list[Note] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    provenance: Provenance | None = None

    def to_dict(self) -> dict[str, Any]:
        return plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Design:
        """Rebuild a design from `to_dict()` output (as stored)."""
        d = dict(data)
        lic = d.get("licence")
        d["licence"] = Licence(**lic) if lic else None
        d["licences"] = {k: Licence(**v) for k, v in (d.get("licences") or {}).items()}
        dims = d.get("dimensions")
        d["dimensions"] = Dimensions(**dims) if dims else None
        d["parts"] = [_part_from_dict(p) for p in d.get("parts") or []]
        d["links"] = [Link(**x) for x in d.get("links") or []]
        d["design_requirements"] = [
            DesignRequirement(**x) for x in d.get("design_requirements") or []
        ]
        d["notes"] = [Note(**x) for x in d.get("notes") or []]
        d["problems"] = [Problem(**x) for x in d.get("problems") or []]
        prov = d.get("provenance")
        d["provenance"] = Provenance(**prov) if prov else None
        return cls(**d)
