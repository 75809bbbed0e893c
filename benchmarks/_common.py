"""Shared by the benchmarks: where the real data is, timing, percentiles."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


def postgres_url() -> str | None:
    """The PostgreSQL server for the benchmarks' PostgreSQL runs, if one is configured."""
    return os.environ.get("REFAIRE_BENCH_POSTGRES_URL") or os.environ.get(
        "REFAIRE_TEST_POSTGRES_URL"
    )


@contextmanager
def postgres_schema(url: str, name: str) -> Iterator[str]:
    """A fresh schema on the server, dropped afterwards; yields a store URL using it."""
    from sqlalchemy import create_engine, text

    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        admin.dispose()
