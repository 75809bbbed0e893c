"""Shared by the benchmarks: where the real data is, timing, percentiles."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("REFAIRE_SHARED_DATA", REPO.parent / "shared" / "data"))
LOSH_LIST = SHARED_DATA / "okh" / "losh-list"


def require_data() -> None:
    if not LOSH_LIST.is_dir():
        raise SystemExit(f"real data not found at {SHARED_DATA}; set REFAIRE_SHARED_DATA")


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def percentile(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]
