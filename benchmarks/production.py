"""Production: routing a request among 100,000 facilities; "near me" offer search among
100,000 offers; order transitions on PostgreSQL with 32 concurrent clients.

* routing: the synthetic 100,000 facilities of benchmarks/match.py (real fab lab places,
  real equipment mixes) in a `FacilityIndex`; a design with one FDM part in PETG and one
  laser-cut plywood part, routed around Paris within 50 km by
  `production.routing.capable_facilities` (the matching engine, stated then probable),
  against plain per-pair code a user would write: for each facility, the distance, then
  `evaluate_facility` on each requirement. Both must find the same facilities that can
  make it on stated capabilities (checked).
* offers: 100,000 offers around the same real places (delivery radius 10–200 km) in a
  SQLite store; `production.offers.search_offers(near=…, radius_km=50)` from 200 random lab
  places, p50/p95 (by place alone: the in-memory index, whose build on the first search is
  reported apart), against the indexed SQL query alone (the bounding box on the
  (latitude, longitude) index, no exact distance, no page read): the floor of any search.
* transitions: with `--pg URL`, a fresh schema; 320 orders; 32 threads each move random
  orders along accepted → in_production → shipped → received → closed (as the party each
  move needs), racing one another; the rate of successful moves, and the check that every
  successful move left exactly one event and the final states match the events (none lost,
  none applied twice).

    python benchmarks/production.py [--n 100000] [--offers 100000] [--pg URL] [--only PART]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import percentile  # noqa: E402
from match import real_labs, synthetic  # noqa: E402

from refaire.geo import bounding_box, haversine_km  # noqa: E402
from refaire.match.capabilities import evaluate_facility, is_met  # noqa: E402
from refaire.match.index import FacilityIndex  # noqa: E402
from refaire.match.requirements import requirements_of  # noqa: E402
from refaire.model import Design, Part  # noqa: E402
from refaire.production.routing import capable_facilities  # noqa: E402

PARIS = (48.8566, 2.3522)


def bench_routing(n: int, runs: int) -> dict:
    facilities = synthetic(n, random.Random(7))
    index = FacilityIndex.build(enumerate(facilities), lambda i: facilities[i])
    design = Design(key="bench:stool", name="Bench stool", format="okh-losh", parts=[
        Part(name="seat clip", processes=["fdm"], materials=["petg"]),
        Part(name="legs", processes=["laser-cutting"], materials=["plywood"])])  # fmt: skip
    dr = requirements_of(design, 1)
    times, cpu, shown = [], [], []
    for _ in range(runs):  # as routing runs: the first LIMIT facilities
        t, c = time.perf_counter(), time.process_time()
        shown = capable_facilities(index, dr, *PARIS, 50.0)
        cpu.append((time.process_time() - c) * 1000)  # what a loaded machine does not inflate
        times.append((time.perf_counter() - t) * 1000)
    out = capable_facilities(index, dr, *PARIS, 50.0, limit=10**6)  # all, for the check
    assert [c["id"] for c in shown] == [c["id"] for c in out[: len(shown)]]
    plain = []
    for _ in range(3):
        t = time.perf_counter()
        found = set()
        for i, f in enumerate(facilities):
            if f.latitude is None or haversine_km(*PARIS, f.latitude, f.longitude) > 50.0:
                continue
            # met on stated or inferred facts: what routing calls "stated" (complete)
            if all(is_met(evaluate_facility(r, f)) for r in dr.requirements):
                found.add(i)
        plain.append((time.perf_counter() - t) * 1000)
    stated = {c["id"] for c in out if c["basis"] == "stated"}
    assert stated == found, (len(stated), len(found))
    return {"routing_100k_ms": round(statistics.median(times), 2),
            "routing_100k_p95_ms": round(percentile(times, 95), 2),
            "routing_100k_cpu_ms": round(statistics.median(cpu), 2),
            "routing_plain_per_pair_ms": round(statistics.median(plain), 1),
            "routing_speedup": round(statistics.median(plain) / statistics.median(times), 1),
            "routing_capable_stated": len(stated),
            "routing_capable_probable": sum(c["basis"] == "probable" for c in out),
            "facilities": n}  # fmt: skip


def bench_offers(n: int, queries: int) -> dict:
    from sqlalchemy import insert, select

    from refaire.production.offers import search_offers
    from refaire.store import open_store
    from refaire.store.tables import production_offers as t

    rng = random.Random(11)
    labs = real_labs()
    store = open_store(str(Path(tempfile.mkdtemp()) / "offers.db"))
    rows = []
    for i in range(n):
        lat, lon, _ = rng.choice(labs)
        rows.append({"maker_user_id": 1 + i % 5000, "author_id": 1, "title": f"Offer {i}",
                     "variants": [], "price_breaks": [{"min_qty": 1, "unit_price": "5.00"}],
                     "currency": "EUR", "lead_days": 5, "place": "bench",
                     "latitude": max(-89.9, min(89.9, lat + rng.uniform(-0.3, 0.3))),
                     "longitude": lon + rng.uniform(-0.3, 0.3),
                     "radius_km": rng.uniform(10, 200), "countries": [], "shipping": "0",
                     "search_text": f"offer {i}", "active": True, "cell": 0,
                     "created_at": "2026-12-01T00:00:00+00:00"})  # fmt: skip
    from refaire.geo import grid_cell

    for row in rows:
        row["cell"] = grid_cell(row["latitude"], row["longitude"])
    with store.engine.begin() as conn:
        for k in range(0, n, 5000):
            conn.execute(insert(t), rows[k:k + 5000])
    points = [(lat, lon) for lat, lon, _ in rng.sample(labs, queries)]
    ours, ours_cpu, floor, hits = [], [], [], []
    # the first search builds the in-memory index of offer places (production.offer_near),
    # as the first after each offer write does: timed apart
    s = time.perf_counter()
    search_offers(store, near=points[0], radius_km=50.0, limit=20)
    first_ms = (time.perf_counter() - s) * 1000
    for p in points:
        s, c = time.perf_counter(), time.process_time()
        res = search_offers(store, near=p, radius_km=50.0, limit=20)
        ours_cpu.append((time.process_time() - c) * 1000)
        ours.append((time.perf_counter() - s) * 1000)
        hits.append(res["total"])
        a, b, c, d = bounding_box(p[0], p[1], 50.0)
        s = time.perf_counter()
        with store.engine.connect() as conn:
            conn.execute(select(t.c.id).where(t.c.active.is_(True), t.c.latitude.between(a, b),
                                              t.c.longitude.between(c, d))).all()  # fmt: skip
        floor.append((time.perf_counter() - s) * 1000)
    return {"offers": n, "near_me_p50_ms": round(statistics.median(ours), 2),
            "near_me_p95_ms": round(percentile(ours, 95), 2),
            "near_me_cpu_p50_ms": round(statistics.median(ours_cpu), 2),
            "near_me_cpu_p95_ms": round(percentile(ours_cpu, 95), 2),
            "near_me_first_search_ms": round(first_ms, 1),
            "indexed_sql_p50_ms": round(statistics.median(floor), 2),
            "indexed_sql_p95_ms": round(percentile(floor, 95), 2),
            "near_me_vs_sql_p95": round(percentile(ours, 95) / percentile(floor, 95), 2),
            "mean_hits": round(statistics.mean(hits), 1)}  # fmt: skip


def bench_transitions(url: str, orders_n: int = 320, clients: int = 32, seconds: float = 20) -> dict:
    from sqlalchemy import create_engine, func, select, text

    from refaire.people import OPERATOR
    from refaire.people.auth import actor_for_user
    from refaire.people.users import create_user
    from refaire.production import orders
    from refaire.production.access import ProductionError
    from refaire.store import open_store
    from refaire.store.tables import production_order_events, production_orders

    schema = f"refaire_bench_{int(time.time())}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    store = open_store(f"{url}{sep}options=-csearch_path%3D{schema}")
    try:
        buyer_u = create_user(store, "buyer@example.org", None, by=OPERATOR, verified=True)
        seller_u = create_user(store, "seller@example.org", None, by=OPERATOR, verified=True)
        buyer = actor_for_user(store, buyer_u, via="cli")
        seller = actor_for_user(store, seller_u, via="cli")
        ids = []
        with store.engine.begin() as conn:
            for i in range(orders_n):
                oid, _ = orders.open_order(conn, buyer, {
                    "buyer_id": buyer.user_id, "maker_user_id": seller.user_id,
                    "title": f"bench {i}", "quantity": 1, "details": {}, "total": "1.00",
                    "currency": "EUR", "lead_days": 1})  # fmt: skip
                ids.append(oid)
        chain = {"accepted": ("in_production", seller), "in_production": ("shipped", seller),
                 "shipped": ("received", buyer), "received": ("closed", buyer)}  # fmt: skip
        done, refused = [0], [0]
        lock = threading.Lock()
        stop = time.perf_counter() + seconds

        def client(seed: int) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < stop:
                oid = rng.choice(ids)
                with store.engine.connect() as conn:
                    state = conn.execute(select(production_orders.c.state).where(
                        production_orders.c.id == oid)).scalar()  # fmt: skip
                if state not in chain:
                    continue
                to, who = chain[state]
                try:
                    orders.transition(store, who, oid, to)
                    with lock:
                        done[0] += 1
                except ProductionError:
                    with lock:
                        refused[0] += 1  # another client moved it first: told, not lost

        t = time.perf_counter()
        threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t
        with store.engine.connect() as conn:
            events = conn.execute(select(func.count()).select_from(production_order_events)
                                  .where(production_order_events.c.from_state.is_not(None))).scalar()
            versions = conn.execute(select(func.sum(production_orders.c.version - 1))).scalar()
        assert events == done[0] == versions, (events, done[0], versions)
        return {"pg_clients": clients, "pg_orders": orders_n, "pg_moves": done[0],
                "pg_moves_per_s": round(done[0] / elapsed, 1), "pg_refused_races": refused[0],
                "pg_lost_or_doubled": 0}  # fmt: skip
    finally:
        store.close()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--offers", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--pg", help="PostgreSQL URL for the transition benchmark")
    ap.add_argument("--only", choices=["routing", "offers", "pg"], help="Run one part only.")
    args = ap.parse_args()
    out: dict = {}
    if args.only in (None, "routing"):
        out.update(bench_routing(args.n, args.runs))
    if args.only in (None, "offers"):
        out.update(bench_offers(args.offers, args.queries))
    if args.pg and args.only in (None, "pg"):
        out.update(bench_transitions(args.pg))
    out["load_average_1m"] = round(os.getloadavg()[0], 2)  # wall times include the load
    print(json.dumps(out))


if __name__ == "__main__":
    main()
