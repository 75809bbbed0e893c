"""Does one busy upload path slow everyone else down? A cheap endpoint's latency, alone and
while hostile uploads and the observatory are hammered, side by side.

Starts the real server (`refaire demo`: the bundled sample data, uvicorn, the queue's
consumer in the process) in a subprocess on 127.0.0.1, then:

1. alone: --requests sequential GET /api/designs?limit=1, latency of each (timed from a
   process of its own, so that the uploader threads of this one do not delay its clock);
2. under load: the same, while --uploaders threads each send hostile files in a loop
   (1,500 nested squares, 2,000 loose lines, a 4 MB OBJ of one fanned face, a 3MF of
   nested components, a degree-60 DXF spline: files that once took seconds to minutes of
   CPU) and --observers threads (2) fetch /observatory in a loop.

--via chooses how the uploads are sent: `queue` (POST /api/measurements, 202, then the
measurement polled until its job is done: the queued path) or `mesh` (POST /api/mesh, which
answers with the reports). --compare-src DIR runs the same phases a second time, in the
same run, on another checkout's code (e.g. /work/main/src: the path before the queue, whose
/api/mesh measures in the request) with --compare-via, and prints both side by side.

Before the phases the server's start-up derivation is waited for (one /observatory). Prints
one JSON line per phase (p50, p99, max in ms: wall time per request), the uploads'
status counts, the load average before and after each server's phases, and CPU seconds
(user + system, from /proc) during each phase of the server process itself and of its
children (the measuring workers). A request is given up after
--timeout s and counted at that.

Run: python benchmarks/serve_load.py [--requests 300] [--uploaders 8] [--via queue]
         [--compare-src ../main/src --compare-via mesh]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "fixtures" / "hostile"))
import generate  # noqa: E402  (the hostile fixtures' generator)


def hostile_files() -> list[tuple[str, bytes]]:
    fan = b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf " + b"1 2 3 " * 700_000 + b"\n"
    return [
        ("nested_squares.svg", generate.nested_squares()),
        ("many_lines.svg", generate.many_lines()),
        ("fan.obj", fan),
        ("nested_components.3mf", generate.nested_components()),
        ("spline_degree60.dxf", generate.spline_degree60()),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(src: Path, db: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, "-c", "from refaire.cli import app; app()", "demo",
               "--db", str(db), "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/designs?limit=1", timeout=5).is_success:
                return server
        except httpx.HTTPError:
            time.sleep(0.5)
        if server.poll() is not None:
            raise SystemExit(f"server exited: {server.stderr.read().decode()[-2000:]}")
    server.kill()
    raise SystemExit("server did not start within 300 s")


def probe(base: str, count: int, timeout: float) -> list[float]:
    """`latencies` in a process of its own: in this one, the uploader threads building 4 MB
    bodies hold its interpreter lock, and the probe's clock would count waiting for it as
    the server's latency."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(latencies, base, count, timeout).result()


def latencies(base: str, count: int, timeout: float) -> list[float]:
    out = []
    with httpx.Client(base_url=base, timeout=timeout) as client:
        for _ in range(count):
            start = time.perf_counter()
            with contextlib.suppress(httpx.TimeoutException):
                client.get("/api/designs?limit=1").raise_for_status()
            out.append(time.perf_counter() - start)
    return out


def summary(phase: str, values: list[float]) -> dict[str, object]:
    ordered = sorted(values)

    def pick(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {"phase": phase, "requests": len(values), "p50_ms": round(pick(0.50) * 1000, 1),
            "p99_ms": round(pick(0.99) * 1000, 1), "max_ms": round(ordered[-1] * 1000, 1)}  # fmt: skip


def _cpu_seconds(pid: int, children: bool = True) -> float:
    """User + system CPU of a process (all its threads), and with `children` of its
    waited-for children (clock ticks → s)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = sum(int(v) for v in fields[11 : 15 if children else 13])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _tree_cpu(pid: int) -> float:
    """CPU of a process and of its live children (the measuring pool, the forkserver)."""
    total = _cpu_seconds(pid)
    # Each thread has its own list: the pool's processes are started by a worker thread.
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                total += _tree_cpu(int(child))
    return total


def _cpu(pid: int) -> tuple[float, float]:
    """(the server process itself: event loop, request and consumer threads; its children:
    the measuring workers)."""
    own = _cpu_seconds(pid, children=False)
    return own, _tree_cpu(pid) - own


def upload_loop(base: str, files: list, via: str, k: int, stop: threading.Event,
                statuses: Counter, timeout: float) -> None:  # fmt: skip
    with httpx.Client(base_url=base, timeout=timeout) as client:
        n = k
        while not stop.is_set():
            name, data = files[n % len(files)]
            n += 1
            try:
                if via == "mesh":
                    r = client.post("/api/mesh", files=[("files", (name, data))])
                    statuses[str(r.status_code)] += 1
                    continue
                r = client.post("/api/measurements", files=[("files", (name, data))])
                statuses[str(r.status_code)] += 1
                if r.status_code != 202:
                    time.sleep(0.5)  # 503: the queue is full, as a client would wait
                    continue
                while not stop.is_set():  # in flight until its job is done
                    body = client.get(r.json()["url"]).json()
                    if body["result"] is not None:
                        statuses[f"job {body['state']}"] += 1
                        break
                    time.sleep(1.0)  # a client's polite polling
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1


def run_phases(src: Path, via: str, args: argparse.Namespace) -> list[dict]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    files = hostile_files()
    statuses: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(src.resolve(), Path(tmp) / "demo.db", port)
        try:
            latencies(base, 20, args.timeout)  # warm-up
            # The first /observatory waits for the derivation the server starts with (tens
            # of seconds, once): done before measuring, so the phases compare steady states.
            httpx.get(f"{base}/observatory", timeout=600)
            load_before = os.getloadavg()
            cpu_start = _cpu(server.pid)
            alone = probe(base, args.requests, args.timeout)
            stop = threading.Event()
            threads = [threading.Thread(target=upload_loop,
                                        args=(base, files, via, k, stop, statuses, args.timeout))
                       for k in range(args.uploaders)]  # fmt: skip
            threads += [threading.Thread(target=observatory, args=(base, stop, args.timeout))
                        for _ in range(args.observers)]  # fmt: skip
            for t in threads:
                t.start()
            time.sleep(2.0)  # every uploader has a file in flight
            cpu_loaded = _cpu(server.pid)
            loaded = probe(base, args.requests, args.timeout)
            cpu_end = _cpu(server.pid)
            load_after = os.getloadavg()
            stop.set()
            for t in threads:
                t.join()
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a server stuck in CPU work ignores SIGTERM
                server.kill()
                server.wait()
    load = f"{args.uploaders} hostile uploads ({via}), {args.observers} observatory loops"
    a, b = summary("alone", alone), summary(load, loaded)
    return [
        {"src": str(src), **a, **_cpu_delta(cpu_start, cpu_loaded)},
        {"src": str(src), **b, **_cpu_delta(cpu_loaded, cpu_end)},
        {"src": str(src), "p99_ratio_loaded_vs_alone": round(b["p99_ms"] / max(a["p99_ms"], 0.1), 2),
         "upload_statuses": dict(statuses),
         "loadavg_before": [round(v, 2) for v in load_before],
         "loadavg_after": [round(v, 2) for v in load_after]},
    ]  # fmt: skip


def _cpu_delta(start: tuple[float, float], end: tuple[float, float]) -> dict[str, float]:
    return {"server_process_cpu_s": round(end[0] - start[0], 2),
            "worker_children_cpu_s": round(end[1] - start[1], 2)}  # fmt: skip


def observatory(base: str, stop: threading.Event, timeout: float) -> None:
    with httpx.Client(base_url=base, timeout=timeout) as client:
        while not stop.is_set():
            with contextlib.suppress(httpx.HTTPError):
                client.get("/observatory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--uploaders", type=int, default=8)
    parser.add_argument("--observers", type=int, default=2, help="threads fetching /observatory")
    parser.add_argument("--src", type=Path, default=REPO / "src")
    parser.add_argument("--via", choices=("queue", "mesh"), default="queue")
    parser.add_argument("--compare-src", type=Path, default=None)
    parser.add_argument("--compare-via", choices=("queue", "mesh"), default="mesh")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    runs = [(args.src, args.via)]
    if args.compare_src is not None:
        runs.append((args.compare_src, args.compare_via))
    for src, via in runs:
        for line in run_phases(src, via, args):
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
