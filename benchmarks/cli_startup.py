"""Start-up time of the command line, side by side with the bare interpreter.

    python benchmarks/cli_startup.py [--runs 15] [--against /path/to/other/checkout/src]

Each command is run `--runs` times, interleaved with the others so that a busy machine
slows them alike; the minimum wall time is the figure (the least disturbed run), the
median is shown beside it, and the CPU time (user + system) of the child beside that.
`python -c pass` is the floor no command can go under; with `--against`, the same
commands from another checkout (e.g. before lazy imports) run in the same loop.
`refaire designs show ID` runs end to end on a small store (the bundled sample, built
once by `refaire demo --no-serve` in a temporary directory): start-up, opening the
store, the query and the printed page. Also printed: the modules `import refaire.cli`
loads and its cumulative import time from `python -X importtime`, and the load average
before and after. One JSON line.
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

SRC = Path(__file__).resolve().parent.parent / "src"
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "refaire --help": ["-c", "from refaire.cli import app; app(['--help'])"],
    "refaire designs show --help": [
        "-c",
        "from refaire.cli import app; app(['designs', 'show', '--help'])",
    ],
}


def _env(src: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(src)}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _once(args: list[str], src: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one run; the run must succeed."""
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run([sys.executable, *args], env=_env(src), capture_output=True, check=True)
    return time.perf_counter() - start, _children_cpu() - cpu


def _small_store(tmp: Path) -> tuple[Path, str]:
    """A store of the bundled sample, and the id of a design in it."""
    db = tmp / "sample.db"
    env = {**_env(SRC), "XDG_DATA_HOME": str(tmp)}
    run = [sys.executable, "-m", "refaire"]
    subprocess.run([*run, "demo", "--no-serve", "--db", str(db)], env=env,
                   capture_output=True, check=True)  # fmt: skip
    listed = subprocess.run([*run, "designs", "list", "--db", str(db), "--limit", "1", "--json"],
                            env=env, capture_output=True, check=True, text=True)  # fmt: skip
    return db, str(json.loads(listed.stdout)["items"][0]["id"])


def _import_profile(src: Path) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import refaire.cli"],
        env=_env(src),
        capture_output=True,
        text=True,
        check=False,
    )
    cumulative = 0
    for line in out.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() == "refaire.cli":
            cumulative = int(parts[1])
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, refaire.cli; print(len(sys.modules)); "
            "print(','.join(m for m in ('fastapi','matplotlib','numpy','sqlalchemy','alembic',"
            "'rich.console') if m in sys.modules))",
        ],
        env=_env(src),
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split("\n")
    return {
        "import_refaire_cli_ms": round(cumulative / 1000, 1),
        "modules_loaded": int(probe[0] or 0),
        "heavy_modules": [m for m in probe[1].split(",") if m],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--against", type=Path, help="src/ of another checkout to compare")
    opts = parser.parse_args()
    trees = {"this": SRC} | ({"against": opts.against} if opts.against else {})
    tmp = tempfile.TemporaryDirectory()
    db, design = _small_store(Path(tmp.name))
    commands = COMMANDS | {
        "refaire designs show ID (small store)": [
            "-c",
            f"from refaire.cli import app; app(['designs', 'show', {design!r}, '--db', {str(db)!r}])",
        ]
    }
    load_before = os.getloadavg()
    times: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    for _ in range(opts.runs):
        for tree, src in trees.items():
            for name, args in commands.items():
                if tree != "this" and name == "python -c pass":
                    continue
                wall, cpu = _once(args, src)
                times.setdefault(f"{tree}: {name}", []).append(wall)
                cpus.setdefault(f"{tree}: {name}", []).append(cpu)
    result: dict[str, object] = {
        key: {
            "min_s": round(min(v), 3),
            "median_s": round(statistics.median(v), 3),
            "cpu_min_s": round(min(cpus[key]), 3),
            "cpu_median_s": round(statistics.median(cpus[key]), 3),
        }
        for key, v in times.items()
    }
    result["loadavg_before_after"] = [round(x, 2) for x in (*load_before, *os.getloadavg())]
    floor = min(times["this: python -c pass"])
    for key, v in times.items():
        if key != "this: python -c pass":
            result[key]["over_bare_python_s"] = round(min(v) - floor, 3)  # type: ignore[index]
    result["profile"] = {tree: _import_profile(src) for tree, src in trees.items()}
    tmp.cleanup()
    if opts.against:
        for name in commands:
            if name != "python -c pass":
                this, other = min(times[f"this: {name}"]), min(times[f"against: {name}"])
                result[f"speed-up: {name}"] = round(other / this, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
