"""Transformation potential of a sector: how ready the open movement is to make its things.

For a sector *s*, four components in 0..1:

- volume V(s) = log(1 + n_s) / log(1 + n_max): n_s open designs in the sector, n_max the
  largest sector of the same level (CPC sections are compared with sections, refined
  classes with classes); the logarithm keeps one huge sector from flattening the rest;
- maturity M(s) = share of its designs at OTRL 4 or more (a working prototype or better);
  a design whose readiness is not stated counts as not shown mature;
- documentation D(s) = mean documentation completeness of its designs (see
  `refaire.observatory.completeness`);
- local making L(s) = share of its designs, among those whose requirements the matching
  engine can read, that at least one registered facility can make on its own.

index(s) = 100 × mean of the components that could be computed. A component that could
not be computed (L when the matching engine is missing, or no design of the sector states
requirements) is null with its reason and left out of the mean, never replaced by a guess;
`components_used` says which ones the index stands on.
"""

from __future__ import annotations

import math
from typing import Any

COMPONENTS = ("volume", "maturity", "documentation", "local_making")


def volume(designs: int, max_designs: int) -> float:
    """log(1 + n) / log(1 + n_max); 0 for an empty sector."""
    if designs <= 0 or max_designs <= 0:
        return 0.0
    return math.log1p(designs) / math.log1p(max_designs)


def sector_index(
    designs: int,
    max_designs: int,
    mature: int,
    completeness_sum: float,
    judged: int | None,
    makeable: int | None,
    missing_reason: str | None = None,
) -> dict[str, Any]:
    """The components and the index of one sector (formula in the module docstring)."""
    comps: dict[str, float | None] = {
        "volume": round(volume(designs, max_designs), 4),
        "maturity": round(mature / designs, 4) if designs else None,
        "documentation": round(completeness_sum / designs, 4) if designs else None,
        "local_making": None,
    }
    reasons: dict[str, str] = {}
    if missing_reason is not None:
        reasons["local_making"] = missing_reason
    elif not judged:
        reasons["local_making"] = "no design of this sector states requirements the engine reads"
    else:
        comps["local_making"] = round((makeable or 0) / judged, 4)
    used = [k for k in COMPONENTS if comps[k] is not None]
    value = round(100 * sum(comps[k] for k in used) / len(used), 1) if used else None
    return {
        "index": value,
        "components": comps,
        "components_used": used,
        "not_computed": reasons,
        "judged_for_making": judged,
        "makeable": makeable,
    }
