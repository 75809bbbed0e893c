"""The share of designs the registered facilities can make: from the matching engine.

`refaire.match.coverage.bulk_coverage(store, radius_km)` tells, per design id, whether at
least one facility alone can make it (`makeable_anywhere`). Designs that state no
requirement (no process, material or part the engine can read) cannot be judged, so a
share is taken over the designs with requirements when the engine says which those are.
When the engine is missing or fails, the component is None with the reason: the
observatory never shows a number it did not compute.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from refaire.store.db import Store
from refaire.store.tables import designs, facilities, facility_capabilities

_lock = threading.Lock()
_cache: dict[tuple[Any, ...], CoverageResult] = {}


@dataclass
class CoverageResult:
    """Per design: judged (has requirements) and makeable by one facility; or why not known."""

    makeable: dict[int, bool] = field(default_factory=dict)
    judged: dict[int, bool] = field(default_factory=dict)
    # countries where one facility can make the design alone (stated capabilities)
    countries: dict[int, frozenset[str]] = field(default_factory=dict)
    radius_km: float = 50.0
    computed_in_s: float | None = None
    reason: str | None = None
    # Apart from `makeable`, never in it: made on stated facts alone; designs with parts of
    # unknown requirements; those whose every known part one facility makes.
    makeable_stated: int = 0
    with_unknown_parts: int = 0
    known_parts_only: int = 0

    @property
    def available(self) -> bool:
        return self.reason is None


def _version(store: Store) -> tuple[Any, ...]:
    """What coverage depends on: the stored designs and facilities and their capabilities."""
    with store.engine.connect() as conn:
        d = conn.execute(
            select(func.count(), func.max(designs.c.id), func.max(designs.c.imported_at))
        ).one()
        f = conn.execute(
            select(func.count(), func.max(facilities.c.id), func.max(facilities.c.imported_at))
        ).one()
        c = conn.execute(select(func.count()).select_from(facility_capabilities)).scalar()
    return (store.url, tuple(d), tuple(f), c)


def coverage(store: Store, radius_km: float = 50.0) -> CoverageResult:
    """Coverage from the matching engine, cached until designs or facilities change."""
    key = (*_version(store), radius_km)
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            return hit
        try:
            from refaire.match.coverage import bulk_coverage
        except ImportError as exc:
            return CoverageResult(reason=f"matching engine not available ({exc})")
        start = time.perf_counter()
        try:
            cov = bulk_coverage(store, radius_km=radius_km)
        except Exception as exc:  # the dashboard must still show every other figure
            return CoverageResult(reason=f"matching engine failed: {type(exc).__name__}: {exc}")
        makeable = {int(k): bool(v) for k, v in cov.makeable_anywhere.items()}
        # without the engine's own list, every design it reports on counts as judged
        judged = getattr(cov, "with_requirements", None) or dict.fromkeys(makeable, True)
        result = CoverageResult(
            makeable=makeable,
            judged={int(k): bool(v) for k, v in judged.items()},
            countries={
                int(k): frozenset(v)
                for k, v in (getattr(cov, "countries", None) or {}).items()
                if v
            },
            radius_km=radius_km,
            computed_in_s=round(getattr(cov, "computed_in_s", time.perf_counter() - start), 3),
            makeable_stated=sum(getattr(cov, "stated_anywhere", {}).values()),
            with_unknown_parts=sum(1 for v in getattr(cov, "unknown_parts", {}).values() if v),
            known_parts_only=sum(getattr(cov, "known_parts_only_anywhere", {}).values()),
        )
        _cache.clear()
        _cache[key] = result
        return result
