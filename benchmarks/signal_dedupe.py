"""Near-duplicate titles of a feed poll: `observatory.dedupe.near_duplicate` against the
plain code a user would write (difflib's `ratio()` for every pair).

The worst case of one poll: `MAX_ITEMS` (500) new items, each compared with the `RECENT`
(500) latest titles (one item in ten retelling a recent title), drawn from a small vocabulary so titles look alike (the cheap upper
bounds prune least). Run: `PYTHONPATH=src python benchmarks/signal_dedupe.py [N]`.
"""

from __future__ import annotations

import difflib
import random
import sys
import time

from refaire.observatory.dedupe import RATIO, near_duplicate, normalise_title

WORDS = [
    "repair",
    "café",
    "open",
    "hardware",
    "fablab",
    "drone",
    "kit",
    "solar",
    "pump",
    "wheelchair",
    "workshop",
    "opens",
    "new",
    "release",
    "community",
    "makerspace",
    "bicycle",
    "3d",
    "printer",
    "laser",
]


def _title(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9)))


def main(n: int = 500) -> None:
    rng = random.Random(1)
    recent = [normalise_title(_title(rng)) for _ in range(n)]
    items = [normalise_title(_title(rng)) for _ in range(n)]
    # one item in ten retells a recent one with a word more: the duplicates to find
    for k in range(0, n, 10):
        items[k] = normalise_title(recent[rng.randrange(n)] + " " + rng.choice(WORDS)[:3])
    started = time.perf_counter()
    ours = sum(near_duplicate(i, recent) is not None for i in items)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    plain = sum(
        any(difflib.SequenceMatcher(None, i, r).ratio() >= RATIO for r in recent) for i in items
    )
    plain_s = time.perf_counter() - started
    assert ours == plain, (ours, plain)
    print(f"{n} items x {n} recent titles, {ours} near-duplicates found by both")
    print(f"near_duplicate (bounds first)  {ours_s:8.3f} s")
    print(f"ratio() for every pair         {plain_s:8.3f} s   ratio {plain_s / ours_s:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
