"""A place that makes things (an Open Know-Where facility) and its equipment."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from refaire.model._plain import plain
from refaire.model.problem import Problem

Origin = Literal["stated", "inferred"]
# A capability may also be "probable": public knowledge about that kind of place (every
# Fab Lab of the Fab Charter shares one inventory), not about this place; a manager
# confirms it (it becomes "stated") or removes it. See `ingest/probable.py`.
CapabilityOrigin = Literal["stated", "inferred", "probable"]


@dataclass(slots=True)
class Capability:
    """A vocabulary id a facility or machine offers, and whether the source stated it."""

    id: str
    origin: CapabilityOrigin = "stated"
    rule: str | None = None
    confidence: float = 1.0


@dataclass(slots=True)
class Equipment:
    """One kind of machine at a facility. Sizes in millimetres; power in watts."""

    equipment_type: str | None = None
    make: str | None = None
    model: str | None = None
    quantity: int = 1
    processes: list[Capability] = field(default_factory=list)
    materials: list[Capability] = field(default_factory=list)
    build_volume_mm: tuple[float, float, float] | None = None
    bed_size_mm: tuple[float, float] | None = None
    laser_power_w: float | None = None
    size_origin: Origin = "stated"
    text: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class FieldSource:
    """Provenance of one field of a merged facility: which source gave it."""

    field: str
    source: str
    format: str


@dataclass(slots=True)
class Facility:
    """A normalised facility. `key` is its identity within the registry."""

    key: str
    name: str
    description: str | None = None
    status: str | None = None
    access_type: str | None = None
    kind: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    # "inferred": placed at its town's centre by the gazetteer, not by the source.
    location_origin: Origin = "stated"
    # What the coordinates were checked against (`refaire.ingest.place_check`): "agrees"
    # with the country and town the record names, "unchecked" (nothing to check them
    # against), "doubtful" (they fit neither way: kept in extra["doubtful_location"], off
    # every "near me" answer) or "confirmed" (a manager stated them).
    location_status: str = "unchecked"
    address: dict[str, str] = field(default_factory=dict)
    country: str | None = None
    city: str | None = None
    url: str | None = None
    email: str | None = None
    owner: str | None = None
    opening_hours: str | None = None
    equipment: list[Equipment] = field(default_factory=list)
    processes: list[Capability] = field(default_factory=list)
    materials: list[Capability] = field(default_factory=list)
    pricing: dict[str, Any] = field(default_factory=dict)
    sources: list[FieldSource] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return plain(self)

    def all_processes(self) -> set[str]:
        """Process ids offered by the facility itself or any of its machines, as stated
        or inferred: not the probable ones (what such places usually have)."""
        ids = {c.id for c in self.processes if c.origin != "probable"}
        for e in self.equipment:
            ids.update(c.id for c in e.processes if c.origin != "probable")
        return ids

    def all_materials(self) -> set[str]:
        ids = {c.id for c in self.materials}
        for e in self.equipment:
            ids.update(c.id for c in e.materials)
        return ids

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Facility:
        d = dict(data)
        d["processes"] = [Capability(**c) for c in d.get("processes") or []]
        d["materials"] = [Capability(**c) for c in d.get("materials") or []]
        eqs = []
        for e in d.get("equipment") or []:
            e = dict(e)
            e["processes"] = [Capability(**c) for c in e.get("processes") or []]
            e["materials"] = [Capability(**c) for c in e.get("materials") or []]
            if e.get("build_volume_mm"):
                e["build_volume_mm"] = tuple(e["build_volume_mm"])
            if e.get("bed_size_mm"):
                e["bed_size_mm"] = tuple(e["bed_size_mm"])
            eqs.append(Equipment(**e))
        d["equipment"] = eqs
        d["sources"] = [FieldSource(**s) for s in d.get("sources") or []]
        d["problems"] = [Problem(**p) for p in d.get("problems") or []]
        return cls(**d)
