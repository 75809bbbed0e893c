"""First answers after an import: does the first visitor wait for anything slow?

Two settings, printed in one JSON line with their keys prefixed:

`server_*` (what a visitor sees): the app runs in this process (`create_app` over a
SQLite store holding the bundled sample facilities and the designs of the LOSH list past
the first 2,000), answered through its HTTP interface (`TestClient`), and is warmed by one
request of each kind. Then another process, the CLI (`refaire import`), imports 2,000
designs of the LOSH list (real data). Then the running app is asked, in this order:

- search: `GET /api/designs?q=solar` with its facet counts (the /designs page);
- coverage: `GET /api/match/coverage` at 50 km (`refaire match --coverage`);
- dashboard: `GET /api/observatory` with coverage (the /observatory page).

The app runs as `refaire serve` builds it (`prepare=True`): it prepares its caches when
it starts, and its watcher (`observatory.warm.watch`) prepares them again once it sees
the store's write generations move (read every second) and stop moving. Two visitors:
`server_at_once_*` asks as soon as the import ends (before the watcher could see it);
`server_prepared_*` asks once the app has prepared (`prepared_within_s`: from the end of
the import to the end of that preparation, wall). `<task>_first_s` is the first answer
after the import, `<task>_warm_s` the median of five more; `*_cpu_*` the same in CPU
seconds of this process (includes the app's background threads; what a loaded machine
inflates least). Target: first <= 2 x warm.

`fresh_*` (a process that starts after the import, as `refaire match --coverage` or a
server restart): each task in fresh processes: `first`, the first answer in the first
process after the import; `again`, the first answer in a second fresh process (what the
first one left in the store or on disk is there); `hot`, the median of five more answers
in that process. Timings are of the call alone (module imports and opening the store are
not in them). `fresh_coverage_underived_first_s` is the first coverage when the per-design
derivations are missing (as after an import before #18, which left them to the first
reader): the cost the write-time derivation took off the first visitor.

Run: python benchmarks/first_answers.py [--designs 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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


ROUTES = {
    "search": "/api/designs?q=solar",
    "coverage": "/api/match/coverage?radius_km=50",
    "dashboard": "/api/observatory?coverage=true",
}


def _timed_get(client, path: str) -> tuple[float, float]:  # noqa: ANN001 (TestClient, imported late)
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.get(path)
    spent = time.perf_counter() - wall, time.process_time() - cpu
    response.raise_for_status()
    return spent


def _settle(store) -> float:  # noqa: ANN001 (the store's type is imported late)
    """Wait for the app's watcher to see the writes and its preparation to end; seconds."""
    from refaire.observatory.warm import WATCH_EVERY_S, busy

    start = time.perf_counter()
    time.sleep(2.5 * WATCH_EVERY_S)  # a look that sees the writes, one that sees them stop
    while busy(store):
        time.sleep(0.05)
    return time.perf_counter() - start


def server(files: list[Path], n: int, tmp: Path, settle: bool) -> dict[str, object]:
    """A running app, warmed; 2,000 designs imported by the CLI; its first and warm answers.

    With `settle`, the visitor comes once the app has prepared for the import (its watcher
    saw the store's generations move); without, at once when the import ends."""
    from fastapi.testclient import TestClient

    from refaire.app import create_app
    from refaire.ingest.runner import import_sources
    from refaire.store import open_store

    db = tmp / f"server-{settle}.db"
    store = open_store(str(db))
    # the store as it was before the import: other designs and the facilities
    import_sources(store, [str(f) for f in files[n:]] + [str(FACILITIES)])
    out: dict[str, object] = {}
    with TestClient(create_app(store=store, prepare=True)) as client:
        _settle(store)  # what the app prepares when it starts
        for path in ROUTES.values():
            client.get(path).raise_for_status()  # warmed: one request of each kind
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        wall, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        subprocess.run(
            [sys.executable, "-m", "refaire", "import", "--db", str(db),
             *(str(f) for f in files[: n])],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        out["import_cli_s"] = round(time.perf_counter() - wall, 3)
        out["import_cli_user_cpu_s"] = round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - cpu, 3
        )
        if settle:
            out["prepared_within_s"] = round(_settle(store), 2)
        for task, path in ROUTES.items():
            first, first_cpu = _timed_get(client, path)
            warm = [_timed_get(client, path) for _ in range(HOT_REPEATS)]
            warm_s = statistics.median(w for w, _ in warm)
            warm_cpu = statistics.median(c for _, c in warm)
            out[f"{task}_first_s"] = round(first, 4)
            out[f"{task}_warm_s"] = round(warm_s, 4)
            out[f"{task}_first_over_warm"] = round(first / max(warm_s, 1e-6), 2)
            out[f"{task}_first_cpu_s"] = round(first_cpu, 4)
            out[f"{task}_warm_cpu_s"] = round(warm_cpu, 4)
            out[f"{task}_cpu_first_over_warm"] = round(first_cpu / max(warm_cpu, 1e-6), 2)
    store.close()
    return out


def fresh(files: list[Path], n: int, tmp: Path) -> dict[str, object]:
    """Each answer in fresh processes after an import (see the module's text)."""
    from sqlalchemy import delete

    from refaire.ingest.runner import import_sources
    from refaire.store import open_store
    from refaire.store.tables import design_observation_tags, design_observations

    db = tmp / "first.db"
    store = open_store(str(db))
    wall, cpu = time.perf_counter(), time.process_time()
    summary = import_sources(store, [str(f) for f in files[:n]] + [str(FACILITIES)])
    out: dict[str, object] = {
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
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--designs", type=int, default=2000)
    parser.add_argument("--only", choices=("server", "fresh"), help="Run one setting only.")
    parser.add_argument("--child", nargs=2, metavar=("TASK", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    require_data()
    files = sorted(LOSH_LIST.rglob("*.toml"))
    out: dict[str, object] = {"benchmark": "first_answers", "imported_designs": args.designs}
    with tempfile.TemporaryDirectory() as tmp:
        if args.only != "fresh":
            for settle, prefix in ((False, "server_at_once_"), (True, "server_prepared_")):
                got = server(files, args.designs, Path(tmp), settle)
                out.update({f"{prefix}{k}": v for k, v in got.items()})
        if args.only != "server":
            out.update({f"fresh_{k}": v for k, v in fresh(files, args.designs, Path(tmp)).items()})
    out["target_first_over_warm_max"] = 2
    out["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
