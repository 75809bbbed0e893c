"""How long `refaire serve` takes from process start until it answers its first request.

    python benchmarks/serve_start.py [--runs 10] [--path /] [--against OTHER/src]

A store is built once from the bundled sample (`refaire demo --no-serve`, in a temporary
directory); then, --runs times, `python -m refaire serve --db STORE --port FREE` is
spawned (the in-process job consumer on, as by default) and GET --path is polled every
5 ms until it answers 200. Per run: the wall time from spawn to that first 200, and the
CPU time (user + system) the server process had used by then, read from /proc. With
--against, the same from another checkout's src, interleaved so that a busy machine
slows both alike. Printed: min and median of each, the load average before and after,
and the 15 costliest imports of the app's modules (`python -X importtime`). One JSON
line.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
TICK = os.sysconf("SC_CLK_TCK")


def _env(src: Path, home: Path) -> dict[str, str]:
    # a private XDG_DATA_HOME: the demo and the server never touch the user's own files
    return {**os.environ, "PYTHONPATH": str(src), "XDG_DATA_HOME": str(home)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - 127.0.0.1 only
            return resp.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _once(src: Path, home: Path, db: Path, path: str, timeout: float) -> tuple[float, float]:
    port = _free_port()
    cmd = [sys.executable, "-m", "refaire", "serve", "--db", str(db), "--port", str(port)]
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=_env(src, home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        while time.perf_counter() - start < timeout:
            if _ok(f"http://127.0.0.1:{port}{path}"):
                wall = time.perf_counter() - start
                return wall, _cpu_s(proc.pid)
            if proc.poll() is not None:
                raise SystemExit(f"the server exited: {proc.stderr.read().decode()[-2000:]}")
            time.sleep(0.005)
        raise SystemExit(f"no answer from {path} within {timeout} s")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# What create_app imports (the routers are imported inside it, not by `import refaire.app`).
APP_MODULES = ("refaire.app", "refaire.api", "refaire.web", "refaire.federation.routes",
               "refaire.people.web")  # fmt: skip


def _imports(src: Path, home: Path, top: int = 15) -> list[tuple[str, float]]:
    """The total import time of the app's modules, then the costliest modules they
    import directly (cumulative ms, from `python -X importtime`)."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import " + ", ".join(APP_MODULES)],
        env=_env(src, home),
        capture_output=True,
        text=True,
        check=False,
    ).stderr
    rows = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2].rstrip()
            depth = (len(name) - len(name.lstrip())) // 2
            rows.append((name.strip(), depth, int(parts[1]) / 1000))
    # importtime lists a module after what it imported: the rows of one top-level import
    # are those since the previous top-level row
    total, firsts, begin = 0.0, [], 0
    for i, (name, depth, ms) in enumerate(rows):
        if depth == 0:
            if name in APP_MODULES:
                total += ms
                firsts += [(n, m) for n, d, m in rows[begin:i] if d == 1]
            begin = i + 1
    return [("app modules (total)", total)] + sorted(firsts, key=lambda r: -r[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--path", default="/", help="The request polled for (default /).")
    parser.add_argument("--against", type=Path, help="src/ of another checkout to compare")
    parser.add_argument("--timeout", type=float, default=60.0)
    opts = parser.parse_args()
    trees = {"this": SRC} | ({"against": opts.against} if opts.against else {})
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = home / "sample.db"
        subprocess.run(
            [sys.executable, "-m", "refaire", "demo", "--no-serve", "--db", str(db)],
            env=_env(SRC, home),
            capture_output=True,
            check=True,
        )
        load_before = os.getloadavg()
        walls: dict[str, list[float]] = {t: [] for t in trees}
        cpus: dict[str, list[float]] = {t: [] for t in trees}
        for _ in range(opts.runs):
            for tree, src in trees.items():
                wall, cpu = _once(src, home, db, opts.path, opts.timeout)
                walls[tree].append(wall)
                cpus[tree].append(cpu)
        load_after = os.getloadavg()
        result: dict[str, object] = {"path": opts.path, "runs": opts.runs}
        for tree in trees:
            result[tree] = {
                "wall_min_s": round(min(walls[tree]), 3),
                "wall_median_s": round(statistics.median(walls[tree]), 3),
                "cpu_min_s": round(min(cpus[tree]), 3),
                "cpu_median_s": round(statistics.median(cpus[tree]), 3),
                "imports_ms": [(n, round(ms, 1)) for n, ms in _imports(trees[tree], home)],
            }
        result["loadavg_before_after"] = [round(x, 2) for x in (*load_before, *load_after)]
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
