"""Documentation completeness of a design: a score in 0..1 from eight documented elements.

Formula (equal weights, so the score reads as "the share of the eight present"):

    completeness = (licence + bom + instructions + sources + images + parts + readme
                    + function) / 8

where each term is 1 when the design record has it, else 0:

- licence: a licence is stated (`licence`, any expression, even one not recognised);
- bom: a bill of materials (`bom`);
- instructions: at least one manufacturing instruction (`manufacturing_instructions`);
- sources: at least one source file, of the design or of one of its parts;
- images: at least one image, of the design or of one of its parts;
- parts: at least one part described (`parts`);
- readme: a readme (`readme`);
- function: what it does (`function`, or else a `description`).

The present elements are kept as a bit mask (`COMPONENTS[i]` is bit `1 << i`) so that
shares per element can be counted by grouping on the mask.
"""

from __future__ import annotations

from typing import Any

COMPONENTS: tuple[str, ...] = (
    "licence",
    "bom",
    "instructions",
    "sources",
    "images",
    "parts",
    "readme",
    "function",
)


def _parts_have(record: dict[str, Any], key: str) -> bool:
    return any(p.get(key) for p in record.get("parts") or [] if isinstance(p, dict))


def component_mask(record: dict[str, Any]) -> int:
    """Bit mask of the elements a design record (`Design.to_dict()`) has."""
    present = (
        bool(record.get("licence")),
        bool(record.get("bom")),
        bool(record.get("manufacturing_instructions")),
        bool(record.get("sources")) or _parts_have(record, "sources"),
        bool(record.get("images")) or _parts_have(record, "image"),
        bool(record.get("parts")),
        bool(record.get("readme")),
        bool(record.get("function") or record.get("description")),
    )
    return sum(1 << i for i, p in enumerate(present) if p)


def score(mask: int) -> float:
    """The completeness of a mask: elements present / 8."""
    return bin(mask & ((1 << len(COMPONENTS)) - 1)).count("1") / len(COMPONENTS)


def components(mask: int) -> dict[str, bool]:
    """Element name -> present, for display."""
    return {name: bool(mask >> i & 1) for i, name in enumerate(COMPONENTS)}
