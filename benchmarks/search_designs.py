"""Search at 100,000 designs: Refaire against the database's own full-text search.

Run: python benchmarks/search_designs.py [--designs 100000] [--queries 200]
The real LOSH-list corpus is read once and replicated (distinct keys and names) into a
fresh SQLite file, then into a scratch PostgreSQL schema (REFAIRE_TEST_POSTGRES_URL).
The baseline is what a user would pick: SQLite FTS5 (prefix indexes) / PostgreSQL
tsvector + GIN, indexing exactly the words Refaire indexes, queried with the same
expansion (prefixes, stems, translations) on the DB-API cursor. Each side computes the
total, the facet counts of all matches and the first page of 20; the totals and every
facet count shown are checked equal. Queries alternate between the two in one run.
Prints one JSON line: p50/p95 of each side and the speed-up of Refaire over it.
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

import numpy as np  # noqa: E402
from _common import (  # noqa: E402
    LOSH_LIST,
    percentile,
    postgres_schema,
    postgres_url,
    require_data,
)
from sqlalchemy import select  # noqa: E402

from refaire.ingest.runner import read_source  # noqa: E402
from refaire.store import open_store  # noqa: E402
from refaire.store.design_search import search_designs  # noqa: E402
from refaire.store.designs import save_designs  # noqa: E402
from refaire.store.facet_index import forget as forget_facets  # noqa: E402
from refaire.store.tables import design_postings  # noqa: E402
from refaire.text import words  # noqa: E402
from refaire.text_expand import query_groups  # noqa: E402


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


def term_documents(store) -> dict[int, str]:
    """Each design's indexed terms as one text, read back from Refaire's word index: the
    full-text baselines index exactly the same words, so their totals must be equal."""
    docs: dict[int, list[str]] = {}
    with store.engine.connect() as conn:
        for term, ids in conn.execute(select(design_postings.c.term, design_postings.c.ids)):
            for did in np.frombuffer(ids, dtype=np.int32).tolist():
                docs.setdefault(did, []).append(term)
    return {did: " ".join(terms) for did, terms in docs.items()}


def fts_query(q: str, dialect: str) -> str:
    """Refaire's query expansion (stems, translations; prefix match) in the engine's syntax."""
    groups = []
    for group in query_groups(q):
        if dialect == "sqlite":
            alts = ["(" + " AND ".join(f'"{w}"*' for w in alt) + ")" for alt in group]
        else:
            alts = ["(" + " & ".join(f"{w}:*" for w in alt) + ")" for alt in group]
        groups.append("(" + (" OR " if dialect == "sqlite" else " | ").join(alts) + ")")
    return (" AND " if dialect == "sqlite" else " & ").join(groups)


def build_fulltext(store, docs: dict[int, str]) -> None:
    """SQLite: an FTS5 table with prefix indexes; PostgreSQL: a tsvector column, GIN index."""
    with store.engine.begin() as conn:
        if store.dialect == "sqlite":
            conn.exec_driver_sql("DROP TABLE IF EXISTS bench_fts")
            conn.exec_driver_sql("CREATE VIRTUAL TABLE bench_fts USING fts5(body, prefix='2 3 4')")
            conn.exec_driver_sql(
                "INSERT INTO bench_fts(rowid, body) VALUES (?, ?)", list(docs.items())
            )
        else:
            conn.exec_driver_sql("DROP TABLE IF EXISTS bench_fts")
            conn.exec_driver_sql("CREATE TABLE bench_fts (id integer PRIMARY KEY, doc tsvector)")
            conn.exec_driver_sql(
                "INSERT INTO bench_fts VALUES (%s, to_tsvector('simple', %s))",
                list(docs.items()),
            )
            conn.exec_driver_sql("CREATE INDEX bench_fts_doc ON bench_fts USING gin (doc)")
            conn.exec_driver_sql("ANALYZE")


def fulltext(cur, dialect: str, q: str) -> tuple[int, Counter, list]:
    """The same answer from the database's own full-text search, on the DB-API cursor:
    total, facet counts of the matches, and the first page of records by rank."""
    expr = fts_query(q, dialect)
    if dialect == "sqlite":
        hits = "SELECT rowid FROM bench_fts WHERE bench_fts MATCH ?"
        page_sql = (
            "SELECT d.id, d.record FROM bench_fts f JOIN designs d ON d.id = f.rowid "
            "WHERE bench_fts MATCH ? ORDER BY f.rank LIMIT 20"
        )
    else:
        hits = "SELECT id FROM bench_fts WHERE doc @@ to_tsquery('simple', %s)"
        page_sql = (
            "SELECT d.id, d.record FROM bench_fts f JOIN designs d ON d.id = f.id "
            "WHERE f.doc @@ to_tsquery('simple', %s) "
            "ORDER BY ts_rank(f.doc, to_tsquery('simple', %s)) DESC LIMIT 20"
        )
    cur.execute(f"SELECT count(*) FROM ({hits}) h", (expr,))
    total = cur.fetchone()[0]
    cur.execute(
        "SELECT facet, value, count(*) FROM design_facets "
        f"WHERE design_id IN ({hits}) GROUP BY facet, value",
        (expr,),
    )
    counts = Counter({(f, v): n for f, v, n in cur.fetchall()})
    cur.execute(page_sql, (expr,) if dialect == "sqlite" else (expr, expr))
    # the records parsed, as Refaire returns them
    return total, counts, [(i, json.loads(r)) for i, r in cur.fetchall()]


def measure(store, base: list, n: int, queries: list[str], reuse: bool) -> dict:
    t0 = time.perf_counter()
    if not reuse:
        fill(store, base, n)
    fill_s = time.perf_counter() - t0
    forget_facets(store)
    t0 = time.perf_counter()
    search_designs(store, q=None, limit=1)  # the first query after start loads the facet index
    first_s = time.perf_counter() - t0
    build_fulltext(store, term_documents(store))
    raw = store.engine.raw_connection()
    cur = raw.cursor()
    dialect = store.dialect
    search_designs(store, q=queries[0], limit=20)
    fulltext(cur, dialect, queries[0])
    ours, theirs, hits = [], [], []
    for w in queries:
        t = time.perf_counter()
        res = search_designs(store, q=w, limit=20)
        ours.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        total, counts, _page = fulltext(cur, dialect, w)
        theirs.append((time.perf_counter() - t) * 1000)
        if total != res["total"]:
            raise SystemExit(f"{w!r}: Refaire finds {res['total']}, full-text {total}")
        for facet, shown in res["facets"].items():
            for item in shown:
                if counts[(facet, item["value"])] != item["count"]:
                    raise SystemExit(f"{w!r}: facet {facet}={item['value']} counts differ")
        hits.append(total)
    cur.close()
    raw.close()
    p50_o, p95_o = percentile(ours, 50), percentile(ours, 95)
    p50_f, p95_f = percentile(theirs, 50), percentile(theirs, 95)
    return {
        "fill_s": round(fill_s, 1),
        "first_query_s": round(first_s, 2),
        "median_hits": sorted(hits)[len(hits) // 2],
        "refaire_p50_ms": round(p50_o, 2),
        "refaire_p95_ms": round(p95_o, 2),
        "fulltext_p50_ms": round(p50_f, 2),
        "fulltext_p95_ms": round(p95_f, 2),
        "speedup_p50": round(p50_f / p50_o, 2),
        "speedup_p95": round(p95_f / p95_o, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--designs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--db", help="keep the filled store at this SQLite path and reuse it on the next run"
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL run")
    args = parser.parse_args()
    require_data()
    base = real_designs()
    vocab = Counter(w for d in base for w in words(d.name) if len(w) > 3)
    pool = [w for w, _n in vocab.most_common(300)]
    rng = random.Random(7)
    queries = [rng.choice(pool) for _ in range(args.queries)]
    out: dict = {"benchmark": "search_designs", "designs": args.designs, "queries": len(queries)}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.db) if args.db else Path(tmp) / "bench.db"
        reuse = path.exists()
        store = open_store(str(path))
        out["sqlite_vs_fts5"] = measure(store, base, args.designs, queries, reuse)
        store.close()
    pg = None if args.no_postgres else postgres_url()
    if pg is None:
        out["postgresql_vs_tsvector"] = "skipped: set REFAIRE_TEST_POSTGRES_URL"
    else:
        with postgres_schema(pg, "refaire_bench_search") as url:
            store = open_store(url)
            out["postgresql_vs_tsvector"] = measure(store, base, args.designs, queries, False)
            store.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
