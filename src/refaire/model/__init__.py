"""Domain objects: plain typed dataclasses, no I/O."""

from refaire.model.design import (
    Design,
    DesignRequirement,
    Dimensions,
    Licence,
    Link,
    Note,
    Part,
    Provenance,
)
from refaire.model.facility import Capability, Equipment, Facility, FieldSource
from refaire.model.problem import Problem, Severity

__all__ = [
    "Capability",
    "Design",
    "Dimensions",
    "Equipment",
    "Facility",
    "FieldSource",
    "Licence",
    "DesignRequirement",
    "Link",
    "Note",
    "Part",
    "Problem",
    "Provenance",
    "Severity",
]
