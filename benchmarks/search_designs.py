"""Search latency at 100,000 designs: the term index against a naive LIKE scan.

Run: python benchmarks/search_designs.py [--designs 100000]
The real LOSH-list corpus is read once and replicated (distinct keys and names)
into a fresh SQLite file. Then the same one-word queries, each with facet counts,
run through `search_designs` and through a LIKE scan computing the same figures.
Prints one JSON line with p50/p95 of each and the p95 ratio (target: indexed p95 < 20 ms).
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import LOSH_LIST, percentile, require_data  # noqa: E402
from sqlalchemy import func, or_, select  # noqa: E402

from refaire.ingest.runner import read_source  # noqa: E402
from refaire.store import open_store  # noqa: E402
from refaire.store.design_search import search_designs  # noqa: E402
from refaire.store.designs import save_designs  # noqa: E402
from refaire.store.tables import design_facets, designs  # noqa: E402
from refaire.text import words  # noqa: E402


def real_designs() -> list:
    out = []
    for p in sorted(LOSH_LIST.rglob("*.toml")):
        out.extend(read_source(str(p), p.read_bytes()).designs)
    return out


def fill(store, base: list, n: int) -> None:
    batch = []
    for i in range(n):
        d = copy.copy(base[i % len(base)])
        d.key = f"{d.key}#r{i}"
        if i >= len(base):
            d.name = f"{d.name} r{i // len(base)}"
        batch.append(d)
        if len(batch) == 2000:
            save_designs(store, batch)
            batch = []
    if batch:
        save_designs(store, batch)


def naive(conn, word: str) -> tuple[int, Counter]:
    """What a LIKE scan costs for the same answer: matches and their facet counts."""
    pattern = f"%{word}%"
    ids = select(designs.c.id).where(
        or_(designs.c.name.ilike(pattern), designs.c.manifest_text.ilike(pattern))
    )
    total = conn.execute(select(func.count()).select_from(ids.subquery())).scalar_one()
    counts = Counter()
    for facet, value, n in conn.execute(
        select(design_facets.c.facet, design_facets.c.value, func.count())
        .where(design_facets.c.design_id.in_(ids))
        .group_by(design_facets.c.facet, design_facets.c.value)
    ):
        counts[(facet, value)] = n
    return total, counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--designs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--scan-queries", type=int, default=30)
    parser.add_argument(
        "--db", help="keep the filled store at this SQLite path and reuse it on the next run"
    )
    args = parser.parse_args()
    require_data()
    base = real_designs()
    vocab = Counter(w for d in base for w in words(d.name) if len(w) > 3)
    pool = [w for w, _n in vocab.most_common(300)]
    rng = random.Random(7)
    queries = [rng.choice(pool) for _ in range(args.queries)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "bench.db"
        reuse = path.exists()
        store = open_store(str(path))
        t0 = time.perf_counter()
        if not reuse:
            fill(store, base, args.designs)
        fill_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        search_designs(store, q=None, limit=1)  # builds the facet index, as a server's first query
        index_s = time.perf_counter() - t0
        indexed, scan, hits = [], [], []
        with store.engine.connect() as conn:
            for i, w in enumerate(queries):
                t = time.perf_counter()
                res = search_designs(store, q=w, limit=20)
                indexed.append((time.perf_counter() - t) * 1000)
                hits.append(res["total"])
                # a scan costs seconds at this size: run it on the first queries only
                if i < args.scan_queries:
                    t = time.perf_counter()
                    naive(conn, w)
                    scan.append((time.perf_counter() - t) * 1000)
        p95_i, p95_s = percentile(indexed, 95), percentile(scan, 95)
        same = indexed[: len(scan)]
        print(
            json.dumps(
                {
                    "benchmark": "search_designs",
                    "designs": args.designs,
                    "queries": len(queries),
                    "median_hits": sorted(hits)[len(hits) // 2],
                    "fill_s": round(fill_s, 1),
                    "first_query_with_index_build_s": round(index_s, 2),
                    "indexed_p50_ms": round(percentile(indexed, 50), 2),
                    "indexed_p95_ms": round(p95_i, 2),
                    "scan_queries": len(scan),
                    "like_scan_p50_ms": round(percentile(scan, 50), 2),
                    "like_scan_p95_ms": round(p95_s, 2),
                    "ratio_p50_same_queries": round(percentile(scan, 50) / percentile(same, 50), 1),
                    "ratio_p95_same_queries": round(p95_s / percentile(same, 95), 1),
                    "target_p95_ms": 20,
                }
            )
        )


if __name__ == "__main__":
    main()
