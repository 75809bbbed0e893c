"""Radius + process queries over 100,000 facilities: Refaire vs the best plain SQL query.

Synthetic facilities are placed around the real fab lab coordinates of
fablabs-iopa.json (jittered by up to ~30 km), so the density follows the real
network (dense in Europe, sparse elsewhere); each offers 1-4 processes drawn from
the vocabulary. They are inserted in bulk straight into the store's tables (the
import path merges record by record, which is not what is measured here).

The baseline is what a user who knows SQL would write: one parameterised query on the
DB-API cursor, the (latitude, longitude) index for the bounding box and an EXISTS probe
of the (kind, value, facility_id) index for the process, then the exact haversine and a
sort in Python. It returns only ids and distances; Refaire returns the full first page
(50 items with names and capabilities). Wall time and this thread's CPU time are both
reported (on a loaded machine the wall-time tail is mostly time spent waiting for a core). Both answer the same 200 queries (25 km around a
random real lab, one process) alternately in the same run, `--rounds` times each; totals
and nearest hit are checked equal. The same data is then loaded into PostgreSQL
(REFAIRE_TEST_POSTGRES_URL, a scratch schema) and measured the same way.
Prints one JSON line.

    python benchmarks/facilities.py [--n 100000] [--queries 200] [--rounds 3] [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED_DATA, percentile, postgres_schema, postgres_url, timed  # noqa: E402

from refaire.geo import bounding_box, haversine_km  # noqa: E402
from refaire.model import Capability, Facility  # noqa: E402
from refaire.store import Store, open_store  # noqa: E402
from refaire.store.facilities import capability_rows  # noqa: E402
from refaire.store.facility_search import expand_process, search_facilities  # noqa: E402
from refaire.store.tables import facilities, facility_capabilities, facility_keys  # noqa: E402
from refaire.text import fold  # noqa: E402

FABLABS = SHARED_DATA / "facilities" / "fablabs-iopa.json"
RADIUS_KM = 25.0
JITTER_DEG = 0.3
BATCH = 5000


def real_labs() -> list[tuple[float, float, str]]:
    if not FABLABS.is_file():
        raise SystemExit(f"real data not found at {FABLABS}; set REFAIRE_SHARED_DATA")
    labs = []
    for rec in json.loads(FABLABS.read_text(encoding="utf-8")):
        geo = rec.get("geocoding") or {}
        lat, lon = geo.get("latitude"), geo.get("longitude")
        if isinstance(lat, int | float) and isinstance(lon, int | float) and abs(lat) <= 90:
            labs.append((float(lat), float(lon), (rec.get("region") or {}).get("country") or ""))
    return labs


def build(store: Store, n: int, labs: list[tuple[float, float, str]], rng: random.Random) -> None:
    from refaire.vocab.capabilities import all_ids

    processes = all_ids("process")
    now = "2026-01-01T00:00:00+00:00"
    with store.engine.begin() as conn:
        for start in range(0, n, BATCH):
            rows, caps, keys = [], [], []
            for i in range(start, min(n, start + BATCH)):
                lat0, lon0, cc = rng.choice(labs)
                lat = max(-89.9, min(89.9, lat0 + rng.uniform(-JITTER_DEG, JITTER_DEG)))
                lon = ((lon0 + rng.uniform(-JITTER_DEG, JITTER_DEG) + 180) % 360) - 180
                offered = rng.sample(processes, rng.randint(1, 4))
                f = Facility(
                    key=f"bench:{i}",
                    name=f"Synthetic lab {i}",
                    kind="fablab",
                    latitude=lat,
                    longitude=lon,
                    country=cc[:2].upper() or None,
                    processes=[Capability(p) for p in offered],
                )
                rows.append(
                    {
                        "id": i + 1,
                        "key": f.key,
                        "name": f.name,
                        "name_sort": fold(f.name),
                        "latitude": lat,
                        "longitude": lon,
                        "country": f.country,
                        "city": None,
                        "kind": f.kind,
                        "imported_at": now,
                        "record": f.to_dict(),
                    }
                )
                caps += capability_rows(i + 1, f)
                keys.append({"key": f.key, "facility_id": i + 1})
            conn.execute(insert(facilities), rows)
            conn.execute(insert(facility_capabilities), caps)
            conn.execute(insert(facility_keys), keys)


def baseline_sql(dialect: str, n_values: int) -> str:
    """The best plain query: the (latitude, longitude) index for the box, an EXISTS probe on
    the (kind, value, facility_id) index for the process; only indexed columns are read."""
    mark = "?" if dialect == "sqlite" else "%s"
    values = ", ".join([mark] * n_values)
    return (
        "SELECT f.id, f.latitude, f.longitude FROM facilities f "
        f"WHERE f.latitude BETWEEN {mark} AND {mark} AND f.longitude BETWEEN {mark} AND {mark} "
        "AND EXISTS (SELECT 1 FROM facility_capabilities c WHERE c.facility_id = f.id "
        f"AND c.kind = 'process' AND c.value IN ({values}))"
    )


def indexed_query(
    cur: Any, dialect: str, lat: float, lon: float, process: str
) -> list[tuple[float, int]]:
    """(distance, id) of every hit, nearest first, by one parameterised query on the DB-API
    cursor (no query building, no ORM) and the exact haversine in Python."""
    wanted = expand_process(process)
    cur.execute(baseline_sql(dialect, len(wanted)), (*bounding_box(lat, lon, RADIUS_KM), *wanted))
    hits = []
    for fid, flat, flon in cur.fetchall():
        d = haversine_km(lat, lon, flat, flon)
        if d <= RADIUS_KM:
            hits.append((d, fid))
    hits.sort()
    return hits


def run(store: Store, queries: list[tuple[tuple[float, float], str]]) -> dict[str, Any]:
    """Both methods on the same queries, alternating, totals and first hit checked equal."""
    raw = store.engine.raw_connection()
    cur = raw.cursor()
    dialect = store.dialect
    # one untimed query each way: first-use costs (vocabulary load, index build, plan cache)
    search_facilities(store, near=queries[0][0], radius_km=RADIUS_KM, process=queries[0][1])
    indexed_query(cur, dialect, *queries[0][0], queries[0][1])
    ours_ms, sql_ms, hits, ours_cpu, sql_cpu = [], [], [], [], []
    for (lat, lon), process in queries:
        c = time.thread_time()
        t, res = timed(
            lambda lat=lat, lon=lon, p=process: search_facilities(
                store, near=(lat, lon), radius_km=RADIUS_KM, process=p, limit=50
            )
        )
        ours_cpu.append((time.thread_time() - c) * 1000)
        ours_ms.append(t * 1000)
        c = time.thread_time()
        t2, plain = timed(
            lambda lat=lat, lon=lon, p=process: indexed_query(cur, dialect, lat, lon, p)
        )
        sql_cpu.append((time.thread_time() - c) * 1000)
        sql_ms.append(t2 * 1000)
        got: Any = res
        if got["total"] != len(plain) or [i["id"] for i in got["items"][:1]] != [
            fid for _d, fid in plain[:1]
        ]:
            raise SystemExit(f"refaire and the indexed query disagree at {(lat, lon)} {process}")
        hits.append(len(plain))
    cur.close()
    raw.close()
    p50_o, p95_o = percentile(ours_ms, 50), percentile(ours_ms, 95)
    p50_s, p95_s = percentile(sql_ms, 50), percentile(sql_ms, 95)
    cpu = {
        "refaire": (percentile(ours_cpu, 50), percentile(ours_cpu, 95)),
        "indexed_sql": (percentile(sql_cpu, 50), percentile(sql_cpu, 95)),
    }
    return {
        "refaire_p50_ms": round(p50_o, 3),
        "refaire_p95_ms": round(p95_o, 3),
        "indexed_sql_p50_ms": round(p50_s, 3),
        "indexed_sql_p95_ms": round(p95_s, 3),
        "speedup_p50": round(p50_s / p50_o, 2),
        "speedup_p95": round(p95_s / p95_o, 2),
        # this thread's CPU time (the database server's own CPU is not in it, on either side)
        "refaire_cpu_p50_ms": round(cpu["refaire"][0], 3),
        "refaire_cpu_p95_ms": round(cpu["refaire"][1], 3),
        "indexed_sql_cpu_p50_ms": round(cpu["indexed_sql"][0], 3),
        "indexed_sql_cpu_p95_ms": round(cpu["indexed_sql"][1], 3),
        "cpu_speedup_p50": round(cpu["indexed_sql"][0] / cpu["refaire"][0], 2),
        "cpu_speedup_p95": round(cpu["indexed_sql"][1] / cpu["refaire"][1], 2),
        "hits_p50": int(percentile([float(h) for h in hits], 50)),
        "hits_max": max(hits),
    }


def measure(store: Store, n: int, queries_n: int, seed: int, rounds: int) -> dict[str, Any]:
    rng = random.Random(seed)
    build_s, _ = timed(lambda: build(store, n, labs_cache(), rng))
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    common = ["laser-cutting", "3d-printing", "fdm", "cnc-milling", "sewing", "woodworking"]
    queries = [(rng.choice(labs_cache())[:2], rng.choice(common)) for _ in range(queries_n)]
    # The first query builds the in-memory index: reported apart, as a visitor would meet it.
    first_s, _ = timed(
        lambda: search_facilities(store, near=queries[0][0], radius_km=RADIUS_KM, process="fdm")
    )
    out = run(store, queries * rounds)
    out.update(build_s=round(build_s, 1), first_query_ms=round(first_s * 1000, 1))
    return out


_LABS: list[tuple[float, float, str]] = []


def labs_cache() -> list[tuple[float, float, str]]:
    if not _LABS:
        _LABS.extend(real_labs())
    return _LABS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3, help="times each query is repeated")
    ap.add_argument("--db", help="SQLite file to build (default: a temporary one)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL run")
    args = ap.parse_args()
    out: dict[str, Any] = {"facilities": args.n, "queries": args.queries * args.rounds}
    out["radius_km"] = RADIUS_KM
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or str(Path(tmp) / "facilities-bench.db")
        Path(path).unlink(missing_ok=True)
        store = open_store(path)
        out["sqlite"] = measure(store, args.n, args.queries, args.seed, args.rounds)
        store.close()
    pg = None if args.no_postgres else postgres_url()
    if pg is None:
        out["postgresql"] = "skipped: set REFAIRE_TEST_POSTGRES_URL"
    else:
        with postgres_schema(pg, "refaire_bench_facilities") as url:
            store = open_store(url)
            out["postgresql"] = measure(store, args.n, args.queries, args.seed, args.rounds)
            store.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
