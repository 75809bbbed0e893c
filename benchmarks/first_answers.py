"""First answers after an import: does the first visitor wait for anything slow?

2,000 designs of the LOSH list (real data) and the bundled sample facilities are
imported into a fresh SQLite store. Then each of three answers is asked for in fresh
processes, as a person would meet them:

- search: `search_designs(q="solar")` with its facet counts (the /designs page);
- coverage: `bulk_coverage` at 50 km (`refaire match --coverage`);
- dashboard: the observatory dashboard with coverage (the /observatory page).

For each: `first_s`, the first answer in the first process after the import; `again_s`,
the first answer in a second fresh process (whatever the first one left in the store or
on disk is there); `hot_s`, the median of five more answers in that same process (its
in-memory indexes loaded). Timings are wall seconds of the call alone (module imports
and opening the store are not in them), and the same in CPU seconds of the process
(`*_cpu_*`: what a loaded machine inflates least). Target: first <= 2 x again. `coverage_underived_first_s` is the first coverage when the
per-design derivations are missing (as after an import before #18, which left them to
the first reader): the cost the write-time derivation took off the first visitor.

Run: python benchmarks/first_answers.py [--designs 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import LOSH_LIST, REPO, require_data  # noqa: E402

FACILITIES = REPO / "src" / "refaire" / "sample" / "facilities"
TASKS = ("search", "coverage", "dashboard")
HOT_REPEATS = 5


def _call(task: str, store):  # noqa: ANN001, ANN202 (the store's type is imported late)
    if task == "search":
        from refaire.store.design_search import search_designs

        return lambda: search_designs(store, q="solar")
    if task == "coverage":
        from refaire.match.coverage import bulk_coverage

        return lambda: bulk_coverage(store, radius_km=50.0)
    from refaire.observatory.figures import dashboard

    return lambda: dashboard(store, with_coverage=True)


def child(task: str, db: str) -> None:
    """In a fresh process: the first answer, then the hot ones; one JSON line."""
    from refaire.store import open_store

    store = open_store(db)
    call = _call(task, store)
    wall, cpu = time.perf_counter(), time.process_time()
    call()
    first_s, first_cpu = time.perf_counter() - wall, time.process_time() - cpu
    hot, hot_cpu = [], []
    for _ in range(HOT_REPEATS):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        hot.append(time.perf_counter() - wall)
        hot_cpu.append(time.process_time() - cpu)
    print(
        json.dumps(
            {
                "first_s": first_s,
                "first_cpu_s": first_cpu,
                "hot_s": statistics.median(hot),
                "hot_cpu_s": statistics.median(hot_cpu),
            }
        )
    )


def run_child(task: str, db: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), *sys.path[:1]])}
    out = subprocess.run(
        [sys.executable, __file__, "--child", task, str(db)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--designs", type=int, default=2000)
    parser.add_argument("--child", nargs=2, metavar=("TASK", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    require_data()
    from sqlalchemy import delete

    from refaire.ingest.runner import import_sources
    from refaire.store import open_store
    from refaire.store.tables import design_observation_tags, design_observations

    files = sorted(LOSH_LIST.rglob("*.toml"))[: args.designs]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "first.db"
        store = open_store(str(db))
        wall, cpu = time.perf_counter(), time.process_time()
        summary = import_sources(store, [str(f) for f in files] + [str(FACILITIES)])
        out: dict[str, object] = {
            "benchmark": "first_answers",
            "designs": summary.designs,
            "facilities": summary.facilities,
            "import_s": round(time.perf_counter() - wall, 3),
            "import_cpu_s_this_process": round(time.process_time() - cpu, 3),
        }
        store.close()
        for task in TASKS:
            first = run_child(task, db)
            again = run_child(task, db)
            for unit, key in (("", "first_s"), ("cpu_", "first_cpu_s")):
                hot = key.replace("first", "hot")
                out[f"{task}_first_{unit}s"] = round(first[key], 4)
                out[f"{task}_again_{unit}s"] = round(again[key], 4)
                out[f"{task}_hot_{unit}s"] = round(again[hot], 4)
                out[f"{task}_{unit}first_over_again"] = round(first[key] / again[key], 2)
                out[f"{task}_{unit}first_over_hot"] = round(first[key] / max(again[hot], 1e-6), 2)
        # the cost the first visitor paid when derivation was left to the first reader
        store = open_store(str(db))
        with store.engine.begin() as conn:
            conn.execute(delete(design_observation_tags))
            conn.execute(delete(design_observations))
        store.close()
        underived = run_child("coverage", db)
        out["coverage_underived_first_s"] = round(underived["first_s"], 4)
        out["coverage_underived_first_cpu_s"] = round(underived["first_cpu_s"], 4)
        out["target_first_over_again_max"] = 2
        out["load_average_1m"] = round(os.getloadavg()[0], 2)
        print(json.dumps(out))


if __name__ == "__main__":
    main()
