"""A long fuzz of every reader: mutated real files in, uncaught exceptions and slowest calls out.

    python benchmarks/fuzz_readers.py --minutes 10

Uses the mutations of the CI test (`tests/_reader_mutations.py`) with random seeds
for as long as asked; prints, per reader, the calls made, the uncaught exceptions
(with the seed that reproduces each: `mutate(random.Random(seed), name, data)`),
and the slowest calls beside the reader's median, so a pathological input stands
out against the same reader's ordinary cost. Target: 0 exceptions, no call over 5 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

from _reader_mutations import corpus, mutate  # noqa: E402
from refaire.ingest.base import detect, get_reader  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=None, help="first seed (default: random)")
    args = ap.parse_args()
    files = [(p.name, p.read_bytes()) for p in corpus()]
    formats = {name: detect(name, data).format for name, data in files}
    # One-time loads (the gazetteer's town index, vocabularies) are not an input's cost.
    for name, data in files:
        get_reader(formats[name]).read(name, data)
    from refaire.vocab.gazetteer import find_town

    find_town("FR", "Lyon")
    rng = random.Random(args.seed)
    times: dict[str, list[float]] = defaultdict(list)
    errors: list[tuple[str, int, str]] = []
    slowest: list[tuple[float, str, int]] = []
    end = time.monotonic() + args.minutes * 60
    calls = 0
    while time.monotonic() < end:
        name, data = rng.choice(files)
        seed = rng.randrange(2**32)
        mutated = mutate(random.Random(seed), name, data)
        start = time.perf_counter()
        try:
            get_reader(formats[name]).read(name, mutated)
        except Exception:  # what the fuzz is looking for
            errors.append((name, seed, traceback.format_exc(limit=3)))
        took = time.perf_counter() - start
        times[formats[name]].append(took)
        slowest.append((took, name, seed))
        slowest = sorted(slowest, reverse=True)[:5]
        calls += 1
    print(f"{calls} calls in {args.minutes:g} min; uncaught exceptions: {len(errors)}")
    print(f"{'reader':<14}{'calls':>8}{'median ms':>11}{'max ms':>9}{'max/median':>12}")
    for fmt, ts in sorted(times.items()):
        med = statistics.median(ts)
        print(
            f"{fmt:<14}{len(ts):>8}{med * 1000:>11.2f}{max(ts) * 1000:>9.1f}{max(ts) / med:>12.0f}"
        )
    print("slowest calls (s, file, seed):")
    for took, name, seed in slowest:
        print(f"  {took:.3f}  {name}  {seed}")
    for name, seed, tb in errors[:20]:
        print(f"--- {name} seed {seed}\n{tb}")


if __name__ == "__main__":
    main()
