"""Radius + process queries over 100,000 facilities: indexed search vs a full scan.

Synthetic facilities are placed around the real fab lab coordinates of
fablabs-iopa.json (jittered by up to ~30 km), so the density follows the real
network (dense in Europe, sparse elsewhere); each offers 1-4 processes drawn from
the vocabulary. They are inserted in bulk straight into the store's tables (the
import path merges record by record, which is not what is measured here).

Both methods answer the same 200 queries (25 km around a random real lab, one
process, first page of 50) in the same run; their totals are checked equal.
Prints one JSON line.

    python benchmarks/facilities.py [--n 100000] [--queries 200] [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED_DATA, percentile, timed  # noqa: E402

from refaire.geo import haversine_km  # noqa: E402
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


def scan(store: Store, lat: float, lon: float, process: str) -> list[tuple[float, int]]:
    """The naive answer: read every facility and its processes, filter in Python."""
    wanted = set(expand_process(process))
    offered: dict[int, set[str]] = {}
    located: dict[int, tuple[float, float]] = {}
    with store.engine.connect() as conn:
        for fid, flat, flon in conn.execute(
            select(facilities.c.id, facilities.c.latitude, facilities.c.longitude)
        ):
            if flat is not None and flon is not None:
                located[fid] = (flat, flon)
        for fid, value in conn.execute(
            select(facility_capabilities.c.facility_id, facility_capabilities.c.value).where(
                facility_capabilities.c.kind == "process"
            )
        ):
            offered.setdefault(fid, set()).add(value)
    hits = []
    for fid, (flat, flon) in located.items():
        if offered.get(fid, set()) & wanted:
            d = haversine_km(lat, lon, flat, flon)
            if d <= RADIUS_KM:
                hits.append((d, fid))
    hits.sort()
    return hits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--db", help="SQLite file to build (default: a temporary one)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    labs = real_labs()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or str(Path(tmp) / "facilities-bench.db")
        Path(path).unlink(missing_ok=True)
        store = open_store(path)
        build_s, _ = timed(lambda: build(store, args.n, labs, rng))
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        common = ["laser-cutting", "3d-printing", "fdm", "cnc-milling", "sewing", "woodworking"]
        queries = [(rng.choice(labs)[:2], rng.choice(common)) for _ in range(args.queries)]
        # one untimed query each way: first-use costs (vocabulary load, SQL compile)
        search_facilities(store, near=queries[0][0], radius_km=RADIUS_KM, process=queries[0][1])
        indexed_ms, scan_ms, hits = [], [], []
        for (lat, lon), process in queries:
            t, res = timed(
                lambda lat=lat, lon=lon, p=process: search_facilities(
                    store, near=(lat, lon), radius_km=RADIUS_KM, process=p, limit=50
                )
            )
            indexed_ms.append(t * 1000)
            t2, naive = timed(lambda lat=lat, lon=lon, p=process: scan(store, lat, lon, p))
            scan_ms.append(t2 * 1000)
            got: Any = res
            if got["total"] != len(naive) or [i["id"] for i in got["items"][:1]] != [
                fid for _d, fid in naive[:1]
            ]:
                raise SystemExit(f"indexed and scan disagree at {(lat, lon)} {process}")
            hits.append(len(naive))
        store.engine.dispose()
    p95_i, p95_s = percentile(indexed_ms, 95), percentile(scan_ms, 95)
    print(
        json.dumps(
            {
                "facilities": args.n,
                "queries": len(queries),
                "radius_km": RADIUS_KM,
                "indexed_p50_ms": round(percentile(indexed_ms, 50), 2),
                "indexed_p95_ms": round(p95_i, 2),
                "scan_p50_ms": round(percentile(scan_ms, 50), 2),
                "scan_p95_ms": round(p95_s, 2),
                "ratio_p95": round(p95_s / p95_i, 1),
                "hits_p50": int(percentile([float(h) for h in hits], 50)),
                "hits_max": max(hits),
                "build_s": round(build_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
