"""Import cost against parsing cost: the LOSH-list corpus replicated to ~8,000 designs.

Run: python benchmarks/import_designs.py [--copies N]  (default 4)
Prints one JSON line: files, designs stored, seconds to parse with tomllib alone, and
`refaire import` into a fresh SQLite file twice: with one process (the reading workers
off) and with the worker processes on all cores. For each: CPU seconds (this process,
its threads and its worker processes: what the import costs whatever the load) and wall
seconds, and their ratios to parse-only (target: CPU <= 4x parse-only). The import
includes deriving the observatory's per-design values (done at write time since #18).
"""

from __future__ import annotations

import json
import os
import re
import resource
import sys
import tempfile
import time
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import LOSH_LIST, require_data, timed  # noqa: E402

from refaire.ingest import runner  # noqa: E402
from refaire.ingest.runner import import_sources  # noqa: E402
from refaire.store import open_store  # noqa: E402
from refaire.store.designs import count_designs  # noqa: E402

COPIES = 4
_NAME = re.compile(r'^(name\s*=\s*")', re.MULTILINE)
_REPO = re.compile(r'^(repo\s*=\s*"[^"]*)', re.MULTILINE)


def replicate(dest: Path) -> list[Path]:
    """COPIES distinct variants of every manifest: names and repos made unique per copy."""
    files = sorted(LOSH_LIST.rglob("*.toml"))
    out = []
    for copy in range(COPIES):
        d = dest / f"copy{copy}"
        d.mkdir()
        for i, f in enumerate(files):
            text = f.read_text(encoding="utf-8")
            if copy:
                text = _NAME.sub(rf"\g<1>Copy {copy} of ", text, count=1)
                text = _REPO.sub(rf"\g<1>/copy-{copy}", text, count=1)
            p = d / f"{i:05d}-{f.name}"
            p.write_text(text, encoding="utf-8")
            out.append(p)
    return out


def main() -> None:
    global COPIES
    if len(sys.argv) > 2 and sys.argv[1] == "--copies":  # smaller runs while iterating
        COPIES = int(sys.argv[2])
    require_data()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        corpus = root / "corpus"
        corpus.mkdir()
        files = replicate(corpus)

        def parse_only() -> int:
            n = 0
            for p in files:
                try:
                    tomllib.loads(p.read_bytes().decode("utf-8"))
                    n += 1
                except (tomllib.TOMLDecodeError, UnicodeDecodeError):
                    pass
            return n

        parse_cpu, (parse_s, parsed) = cpu_and(lambda: timed(parse_only))
        out: dict[str, object] = {
            "benchmark": "import_designs",
            "files": len(files),
            "parsed": parsed,
            "cores": os.cpu_count(),
            "tomllib_parse_s": round(parse_s, 3),
            "tomllib_parse_cpu_s": round(parse_cpu, 3),
        }
        # All cores first: its workers start from this process before it has loaded any
        # vocabulary, so both runs pay the one-time loading a fresh `refaire import` pays.
        for label, parallel_from in (("all_cores", runner.PARALLEL_FROM), ("one_worker", None)):
            runner.PARALLEL_FROM = parallel_from if parallel_from is not None else sys.maxsize
            store = open_store(str(root / f"bench-{label}.db"))
            cpu, (wall, summary) = cpu_and(
                lambda store=store: timed(lambda: import_sources(store, [str(corpus)]))
            )
            out[f"{label}_designs_stored"] = count_designs(store)
            out[f"{label}_rejected"] = summary.rejected
            out[f"{label}_import_cpu_s"] = round(cpu, 3)
            out[f"{label}_import_wall_s"] = round(wall, 3)
            out[f"{label}_cpu_ratio"] = round(cpu / parse_cpu, 2)
            out[f"{label}_wall_ratio"] = round(wall / parse_s, 2)
            store.close()
        out["target_cpu_ratio_max"] = 4
        out["load_average_1m"] = round(os.getloadavg()[0], 2)
        print(json.dumps(out))


def cpu_and(fn):  # noqa: ANN001, ANN201 (a timing helper for this script)
    """(CPU seconds of this process, its threads and its finished children; fn())."""
    before = _cpu()
    result = fn()
    return _cpu() - before, result


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    main()
