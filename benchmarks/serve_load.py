"""Does one busy upload path slow everyone else down? A cheap endpoint's latency, alone and
while hostile uploads and the observatory are hammered, side by side.

Starts the real server (`refaire demo`: the bundled sample data, uvicorn) in a subprocess
on 127.0.0.1, then:

1. alone: --requests sequential GET /api/designs?limit=1, latency of each;
2. under load: the same, while --uploaders threads each POST hostile files to /api/mesh
   in a loop (1,500 nested squares, 2,000 loose lines, a 4 MB OBJ of one fanned face,
   a 3MF of nested components, a degree-60 DXF spline: files that once took seconds to
   minutes of CPU) and --observers threads (2) fetch /observatory in a loop.

Prints one JSON line per phase (p50, p99, max in ms) and a last line with the ratio of the
p99s and what the uploads got back (status counts). --src chooses the code to serve
(default: this checkout's src; e.g. --src ../main/src for the code before the change);
a request is given up after --timeout s and counted at that.

Run: python benchmarks/serve_load.py [--requests 300] [--uploaders 8] [--src DIR]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--uploaders", type=int, default=8)
    parser.add_argument("--observers", type=int, default=2, help="threads fetching /observatory")
    parser.add_argument("--src", type=Path, default=REPO / "src")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    files = hostile_files()
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(args.src.resolve(), Path(tmp) / "demo.db", port)
        try:
            latencies(base, 20, args.timeout)  # warm-up
            alone = latencies(base, args.requests, args.timeout)
            stop = threading.Event()
            statuses: Counter[str] = Counter()

            def upload(k: int) -> None:
                with httpx.Client(base_url=base, timeout=args.timeout) as client:
                    n = k
                    while not stop.is_set():
                        name, data = files[n % len(files)]
                        n += 1
                        try:
                            r = client.post("/api/mesh", files=[("files", (name, data))])
                            statuses[str(r.status_code)] += 1
                        except httpx.HTTPError as exc:
                            statuses[type(exc).__name__] += 1

            def observatory() -> None:
                with httpx.Client(base_url=base, timeout=args.timeout) as client:
                    while not stop.is_set():
                        with contextlib.suppress(httpx.HTTPError):
                            client.get("/observatory")

            threads = [threading.Thread(target=upload, args=(k,)) for k in range(args.uploaders)]
            threads += [threading.Thread(target=observatory) for _ in range(args.observers)]
            for t in threads:
                t.start()
            time.sleep(2.0)  # every uploader has a file in flight
            loaded = latencies(base, args.requests, args.timeout)
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
    load = f"{args.uploaders} hostile uploads, {args.observers} observatory loops"
    a, b = summary("alone", alone), summary(load, loaded)
    print(json.dumps(a))
    print(json.dumps(b))
    print(json.dumps({"p99_ratio_loaded_vs_alone": round(b["p99_ms"] / max(a["p99_ms"], 0.1), 2),
                      "upload_statuses": dict(statuses), "src": str(args.src)}))  # fmt: skip


if __name__ == "__main__":
    main()
