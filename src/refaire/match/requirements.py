"""What a design needs to be made: process, material and size requirements per part.

Sources, strongest first:

* a part's `processes` (the readers already turned TsDC codes, `printing-process` and
  `manufacturing-process` into vocabulary ids). A TsDC code arrives expanded to its whole
  family ("3DP" -> 3d-printing, fdm, sla, ...): a complete family stands for its head
  (the first id of the family in vocabulary order: 3d-printing, cnc-milling, pcb-fabrication),
  since the manifest only named the family. Otherwise every listed process is needed, the
  most specific one kept when a process and its ancestor are both listed;
* the extensions of a part's source and export files, when it states no process
  (.stl/.3mf/.obj: 3D printing; .dxf/.svg: laser cutting *or* CNC milling; board files
  and gerbers: PCB fabrication);
* for a design without parts: its TsDC codes and files, then its name, function and
  keywords read by the capability resolver. Those are marked `inferred`, with a confidence.

Materials of a part are alternatives (any one will do) and apply to each of its process
requirements. A part's size is its stated, openSCAD-derived or measured bounding box.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from refaire.model import Design, Part
from refaire.vocab.capabilities import Resolution, process_ancestors, vocabulary
from refaire.vocab.capabilities import resolve as resolve_text

Origin = Literal["stated", "files", "inferred"]

# A file extension says what a part is for, not exactly how it is made: "files" confidence.
_CONF_FILES = 0.8
# Text describes what a design is about; "a 3D printer enclosure" need not be printed.
_TEXT_DISCOUNT = 0.8
# Text mentioning assembly describes the design, and any place can assemble by hand.
_TEXT_IGNORED = frozenset({"assembly"})

_MESH = ("3d-printing",)
_FLAT = ("laser-cutting", "cnc-milling")
_PCB = ("pcb-fabrication",)
_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "stl": _MESH,
    "3mf": _MESH,
    "obj": _MESH,
    "dxf": _FLAT,
    "svg": _FLAT,
    "kicad_pcb": _PCB,
    "brd": _PCB,
    "gbr": _PCB,
    "gtl": _PCB,
    "gbl": _PCB,
}


@dataclass(frozen=True, slots=True)
class Requirement:
    """One thing a facility must do: a process (alternatives), in a material, at a size."""

    part: str
    unit: int
    processes: tuple[str, ...]
    materials: tuple[str, ...] = ()
    size: tuple[float, float, float] | None = None
    size_source: str | None = None
    quantity: int = 1
    origin: Origin = "stated"
    confidence: float = 1.0
    basis: str = "processes"

    @property
    def key(self) -> tuple[Any, ...]:
        """What matching depends on: equal keys are evaluated once."""
        return (self.processes, self.materials, self.size)

    def to_dict(self) -> dict[str, Any]:
        return {
            "part": self.part,
            "unit": self.unit,
            "processes": list(self.processes),
            "materials": list(self.materials),
            "size_mm": list(self.size) if self.size else None,
            "size_source": self.size_source,
            "quantity": self.quantity,
            "origin": self.origin,
            "confidence": self.confidence,
            "basis": self.basis,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Requirement:
        size = data.get("size_mm")
        return cls(
            part=data["part"],
            unit=data["unit"],
            processes=tuple(data["processes"]),
            materials=tuple(data.get("materials") or ()),
            size=(size[0], size[1], size[2]) if size else None,
            size_source=data.get("size_source"),
            quantity=data.get("quantity", 1),
            origin=data.get("origin", "stated"),
            confidence=data.get("confidence", 1.0),
            basis=data.get("basis", "processes"),
        )


@dataclass(slots=True)
class DesignRequirements:
    """All requirements of a design, and its units: the parts (or pieces) a plan assigns."""

    design_id: int | None
    name: str
    requirements: list[Requirement]
    units: list[str]
    inferred: bool = False
    unknown_parts: list[str] = field(default_factory=list)
    # Units are the design's own requirements (no part states any): they do not stand for
    # its parts, whose requirements stay unknown.
    design_level: bool = False

    @property
    def key(self) -> tuple[Any, ...]:
        return tuple((r.unit, r.key) for r in self.requirements)

    def to_dict(self) -> dict[str, Any]:
        return {
            "inferred": self.inferred,
            "units": self.units,
            "items": [r.to_dict() for r in self.requirements],
            "unknown_parts": self.unknown_parts,
            "design_level": self.design_level,
        }

    @classmethod
    def from_dict(
        cls, design_id: int | None, name: str, data: dict[str, Any]
    ) -> DesignRequirements:
        """The inverse of `to_dict` (which leaves out the id and name)."""
        return cls(
            design_id,
            name,
            [Requirement.from_dict(r) for r in data["items"]],
            list(data["units"]),
            bool(data.get("inferred")),
            list(data.get("unknown_parts") or []),
            bool(data.get("design_level")),
        )


@cache
def _families() -> dict[str, tuple[str, ...]]:
    """TsDC code -> its processes in vocabulary order (head first), for codes with several."""
    out: dict[str, list[str]] = {}
    for rec in vocabulary("process"):
        for code in rec["tsdc"]:
            out.setdefault(code, []).append(rec["id"])
    return {k: tuple(v) for k, v in out.items() if len(v) > 1}


def collapse_processes(ids: list[str]) -> list[str]:
    """Whole TsDC families -> their head; then drop ancestors of listed ids."""
    listed = list(dict.fromkeys(ids))
    present = set(listed)
    for family in _families().values():
        if set(family) <= present:
            head = family[0]
            listed = [head if i == head else i for i in listed if i == head or i not in family]
            present = set(listed)
    implied = {a for i in listed for a in process_ancestors(i)}
    return [i for i in listed if i not in implied]


def _extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1].lower()
    return name.rsplit(".", 1)[-1] if "." in name else ""


def processes_from_files(paths: list[str]) -> list[tuple[tuple[str, ...], str]]:
    """(process alternatives, file) for every file whose extension names a process."""
    out: dict[tuple[str, ...], str] = {}
    for p in paths:
        ext = _extension(p)
        alts = _EXTENSIONS.get(ext)
        if alts is None and ext == "zip" and "gerber" in p.lower():
            alts = _PCB
        if alts is not None and alts not in out:
            out[alts] = p.rsplit("/", 1)[-1]
    return list(out.items())


def _size(part: Part) -> tuple[tuple[float, float, float] | None, str | None]:
    d = part.dimensions
    if d is None:
        return None, None
    dims = tuple(sorted((float(d.width), float(d.depth), float(d.height)), reverse=True))
    if dims[0] <= 0:
        return None, None
    return dims, d.source  # type: ignore[return-value]


def _part_requirements(part: Part, unit: int) -> list[Requirement]:
    size, size_source = _size(part)
    materials = tuple(dict.fromkeys(part.materials))
    common = dict(
        part=part.name,
        unit=unit,
        materials=materials,
        size=size,
        size_source=size_source,
        quantity=max(1, part.quantity or 1),
    )
    procs = collapse_processes(part.processes)
    if procs:
        return [Requirement(processes=(p,), **common) for p in procs]
    return [
        Requirement(
            processes=alts, origin="files", confidence=_CONF_FILES, basis=f"file {name}", **common
        )
        for alts, name in processes_from_files(part.sources + part.exports)
    ]


def _resolve(text: str, kind: str) -> list[Resolution]:
    # Without the machine catalogue: a machine named in a design's text is what the design
    # is about (an upgrade for a Prusa printer), not what it is made with.
    return resolve_text(text, kind, "en", machines=False)


def _text(design: Design) -> str:
    # Commas keep the resolver from joining words across fields into one alias.
    return " , ".join([design.name, design.function or "", *design.keywords])


def _design_level(design: Design) -> list[Requirement]:
    """Requirements of a design without usable parts: TsDC codes, files, then its text."""
    found: dict[tuple[str, ...], tuple[Origin, float, str]] = {}
    # What the design states as a whole (its process list, its tool list) comes first:
    # marked design-level in the basis, stated or inferred as the import read it.
    for dr in design.design_requirements:
        if dr.id and dr.kind == "process":
            found.setdefault(
                (dr.id,), (dr.origin, dr.confidence, f"design-level {dr.kind} {dr.text}")
            )
    for dr in design.design_requirements:
        if dr.id and dr.kind == "tool":
            found.setdefault(
                (dr.id,), (dr.origin, dr.confidence, f"design-level {dr.kind} {dr.text}")
            )
    for code in design.tsdc:
        head = _families().get(code.upper().split("-")[0])
        ids = [head[0]] if head else _single_tsdc(code)
        for i in ids:
            found.setdefault((i,), ("stated", 1.0, f"tsdc {code}"))
    for alts, name in processes_from_files(design.sources + design.exports):
        found.setdefault(alts, ("files", _CONF_FILES, f"file {name}"))
    text = _text(design)
    for r in _resolve(text, "process"):
        if r.id not in _TEXT_IGNORED:
            conf = round(r.confidence * _TEXT_DISCOUNT, 3)
            found.setdefault((r.id,), ("inferred", conf, f"text ({r.rule})"))
    singles = collapse_processes([a[0] for a in found if len(a) == 1])
    keep = [a for a in found if len(a) > 1 or a[0] in singles]
    # A file alternative already implied by a single process (dxf + CNC) adds nothing.
    keep = [a for a in keep if len(a) == 1 or not any((x,) in keep for x in a)]
    materials: tuple[str, ...] = ()
    if len(keep) == 1:
        materials = tuple(dict.fromkeys(r.id for r in _resolve(text, "material")))
    reqs = []
    for unit, alts in enumerate(keep):
        origin, conf, basis = found[alts]
        label = design.name if len(keep) == 1 else _unit_label(design.name, alts)
        reqs.append(
            Requirement(
                part=label,
                unit=unit,
                processes=alts,
                materials=materials,
                origin=origin,
                confidence=conf,
                basis=basis,
            )
        )
    return reqs


def _single_tsdc(code: str) -> list[str]:
    from refaire.vocab.capabilities import processes_for_tsdc

    return processes_for_tsdc(code)[:1]


def requirements_of(design: Design, design_id: int | None = None) -> DesignRequirements:
    """The requirements of a design, per part; inferred from the design when parts say nothing."""
    reqs: list[Requirement] = []
    units: list[str] = []
    unknown: list[str] = []
    for part in design.parts:
        part_reqs = _part_requirements(part, len(units))
        if part_reqs:
            units.append(part.name)
            reqs.extend(part_reqs)
        else:
            unknown.append(part.name)
    if reqs:
        return DesignRequirements(design_id, design.name, reqs, units, False, unknown)
    reqs = _design_level(design)
    units = [r.part for r in reqs]
    inferred = any(r.origin != "stated" for r in reqs)
    return DesignRequirements(
        design_id, design.name, reqs, units, inferred, unknown, design_level=bool(reqs)
    )


def _unit_label(name: str, alts: tuple[str, ...]) -> str:
    return f"{name} ({' / '.join(alts)})"
