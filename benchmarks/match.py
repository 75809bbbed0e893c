"""Matching engine: one design against 100,000 facilities; coverage of the real corpus;
cost per design-facility pair, indexed vs a straightforward per-pair implementation.

* 100k: synthetic facilities placed around the real fab lab coordinates of
  fablabs-iopa.json (jittered by up to ~30 km, so density follows the real network),
  each with the equipment mix of a real facility (Nesta survey, SpaceAPI, fablabs.io
  records that list machines), every machine kept with probability 0.8. They are indexed
  in memory (`FacilityIndex.build`); the design is OHLOOM (18 parts, sizes from openSCAD),
  matched around Paris with a radius that holds thousands of facilities, and with the
  Earth's radius (all 100,000 in range), full answer included (ranking, explanations of
  the first 20, plans). Median and p95 of the runs, wall and CPU time.
* coverage: every design of ../shared/data/okh against every facility of
  ../shared/data/facilities, imported into a fresh SQLite store; cold (indexes built
  from the store, requirements read from every design) and warm (indexes cached).
* per pair: the same designs (those with requirements) against every real facility,
  by `compute_coverage` and by `evaluate_facility` on each (design, facility) pair for a
  sample of designs; both give the same facility counts (checked).
* The coverage and per-pair figures again on PostgreSQL (REFAIRE_TEST_POSTGRES_URL, a
  scratch schema, the same files imported).

    python benchmarks/match.py [--db PATH] [--n 100000] [--runs 30]

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import SHARED_DATA, percentile, postgres_schema, postgres_url  # noqa: E402

from refaire.ingest.runner import import_sources, read_source  # noqa: E402
from refaire.match.capabilities import evaluate_facility, is_met  # noqa: E402
from refaire.match.coverage import bulk_coverage, compute_coverage  # noqa: E402
from refaire.match.engine import match_requirements  # noqa: E402
from refaire.match.index import DesignIndex, FacilityIndex, design_index, facility_index, forget  # noqa: E402
from refaire.model import Facility  # noqa: E402
from refaire.store import open_store  # noqa: E402
from refaire.store.facilities import iter_facilities  # noqa: E402

FACILITIES = SHARED_DATA / "facilities"
PARIS = (48.8566, 2.3522)
JITTER_DEG = 0.3


def real_labs() -> list[tuple[float, float, str]]:
    labs = []
    for rec in json.loads((FACILITIES / "fablabs-iopa.json").read_text(encoding="utf-8")):
        geo = rec.get("geocoding") or {}
        lat, lon = geo.get("latitude"), geo.get("longitude")
        if isinstance(lat, int | float) and isinstance(lon, int | float) and abs(lat) <= 90:
            labs.append((float(lat), float(lon), (rec.get("region") or {}).get("country") or ""))
    return labs


def real_mixes() -> list[Facility]:
    """Real facilities that list machines or processes, read by the import readers (not
    those with only the probable Fab Lab inventory: they list nothing)."""
    out = []
    for path in sorted(p for p in FACILITIES.rglob("*") if p.is_file()):
        for f in read_source(str(path), path.read_bytes()).facilities:
            if f.equipment or f.all_processes():
                out.append(f)
    return out


def synthetic(n: int, rng: random.Random) -> list[Facility]:
    labs, mixes = real_labs(), real_mixes()
    out = []
    for i in range(n):
        lat0, lon0, cc = rng.choice(labs)
        mix = rng.choice(mixes)
        kept = [e for e in mix.equipment if rng.random() < 0.8] or mix.equipment[:1]
        out.append(
            Facility(
                key=f"bench:{i}",
                name=f"Synthetic {i}",
                latitude=max(-89.9, min(89.9, lat0 + rng.uniform(-JITTER_DEG, JITTER_DEG))),
                longitude=((lon0 + rng.uniform(-JITTER_DEG, JITTER_DEG) + 180) % 360) - 180,
                country=cc[:2].upper() or None,
                equipment=kept,
                processes=mix.processes,
                materials=mix.materials,
            )
        )
    return out


def bench_100k(store, n: int, runs: int, radii: list[float]) -> dict:
    rng = random.Random(7)
    facilities = synthetic(n, rng)
    t0 = time.perf_counter()
    index = FacilityIndex.build(enumerate(facilities), lambda i: facilities[i])
    build_s = time.perf_counter() - t0
    dr = next(d for d in design_index(store).reqs if d.name == "OHLOOM")
    out: dict = {
        "facilities_synthetic": n,
        "signatures_100k": len(index.sigs),
        "index_build_100k_s": round(build_s, 2),
        "requirements": len(dr.requirements),
    }
    for radius_km in radii:
        # wall time, and this thread's CPU time (what a loaded machine does not inflate)
        times, cpu, result = [], [], None
        for _ in range(runs):
            t, c = time.perf_counter(), time.thread_time()
            result = match_requirements(index, dr, *PARIS, radius_km)
            cpu.append((time.thread_time() - c) * 1000)
            times.append((time.perf_counter() - t) * 1000)
        assert result is not None
        label = "all_in_range" if result["candidates"] == n else f"{radius_km:g}km"
        out[f"one_design_100k_{label}"] = {
            "radius_km": radius_km,
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 95), 2),
            "cpu_median_ms": round(statistics.median(cpu), 2),
            "candidates_in_radius": result["candidates"],
            "complete_in_radius": result["complete"],
        }
    return out


def bench_pairs(store, sample: int) -> dict:
    fi, di = facility_index(store), design_index(store)
    with_reqs = [dr for dr in di.reqs if dr.requirements]
    sub = DesignIndex.build(with_reqs)
    t = time.perf_counter()
    cov = compute_coverage(fi, sub, 50.0)
    indexed_s = time.perf_counter() - t
    facilities = [f for _, f in iter_facilities(store)]
    rng = random.Random(3)
    picked = rng.sample(with_reqs, min(sample, len(with_reqs)))
    t = time.perf_counter()
    counts = {}
    for dr in picked:
        counts[dr.design_id] = sum(
            all(is_met(evaluate_facility(r, f)) for r in dr.requirements) for f in facilities
        )
    naive_s = time.perf_counter() - t
    for did, c in counts.items():
        assert cov.facility_count[did] == c, (did, cov.facility_count[did], c)
    indexed_ns = indexed_s / (len(with_reqs) * len(facilities)) * 1e9
    naive_ns = naive_s / (len(picked) * len(facilities)) * 1e9
    return {
        "per_pair_ns_indexed": round(indexed_ns, 1),
        "per_pair_ns_naive": round(naive_ns, 1),
        "per_pair_speedup": round(naive_ns / indexed_ns, 1),
        "pairs_indexed": len(with_reqs) * len(facilities),
        "pairs_naive": len(picked) * len(facilities),
    }


def real_store_figures(store, naive_sample: int) -> dict:
    forget(store)
    cold = bulk_coverage(store, 50.0)
    warm = bulk_coverage(store, 50.0)
    out = {
        "coverage_real_s": round(cold.computed_in_s, 3),
        "coverage_real_warm_s": round(warm.computed_in_s, 3),
        "designs": len(cold.makeable_anywhere),
        "facilities": cold.facilities,
        "designs_makeable_anywhere": sum(cold.makeable_anywhere.values()),
    }
    out.update(bench_pairs(store, naive_sample))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", help="A store already holding ../shared/data (else one is built).")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--radius-km", type=float, default=300.0)
    ap.add_argument("--naive-sample", type=int, default=60)
    ap.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL run")
    args = ap.parse_args()
    if not FACILITIES.is_dir():
        raise SystemExit(f"real data not found at {SHARED_DATA}; set REFAIRE_SHARED_DATA")
    tmp = None
    if args.db:
        store = open_store(args.db)
    else:
        tmp = tempfile.TemporaryDirectory()
        store = open_store(str(Path(tmp.name) / "real.db"))
        import_sources(store, [str(SHARED_DATA / "okh"), str(FACILITIES)])
    out: dict = {"sqlite": real_store_figures(store, args.naive_sample)}
    # the whole Earth's radius: every facility is a candidate
    out.update(bench_100k(store, args.n, args.runs, [args.radius_km, 20_100.0]))
    pg = None if args.no_postgres else postgres_url()
    if pg is None:
        out["postgresql"] = "skipped: set REFAIRE_TEST_POSTGRES_URL"
    else:
        with postgres_schema(pg, "refaire_bench_match") as url:
            pstore = open_store(url)
            import_sources(pstore, [str(SHARED_DATA / "okh"), str(FACILITIES)])
            out["postgresql"] = real_store_figures(pstore, args.naive_sample)
            pstore.close()
    print(json.dumps(out))
    if tmp is not None:
        store.close()
        tmp.cleanup()


if __name__ == "__main__":
    main()
