"""Partial selection: the first k of an ordering without sorting everything.

A radius that holds 100,000 facilities needs only the 20 best shown; sorting them all
(distance, then the ranking keys) was most of the time of a match. `top_lexsort` gives
exactly `np.lexsort(keys)[:k]` (same order, same stable tie-break by position) by
narrowing key by key with `np.partition`, which is linear, then sorting only what is left.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Below this many rows a full lexsort is as cheap as the partition steps.
_SMALL = 4096


def top_lexsort(keys: Sequence[np.ndarray], k: int) -> np.ndarray:
    """Indexes of the first `k` rows of `np.lexsort(keys)` (the last key is primary)."""
    n = len(keys[0]) if len(keys) else 0
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.intp)
    if n <= _SMALL or k >= n:
        return np.lexsort(keys)[:k]
    chosen = []
    need = k
    idx = np.arange(n)
    for key in reversed(keys):  # most significant first
        vals = key[idx]
        kth = np.partition(vals, need - 1)[need - 1]
        below = vals < kth
        chosen.append(idx[below])
        need -= int(below.sum())
        idx = idx[vals == kth]  # ties at the boundary: decided by the next key
        if len(idx) <= need:
            break
    # Tied on every key: np.lexsort is stable, so the lowest positions come first
    # (boolean selection keeps `idx` ascending).
    chosen.append(idx[:need])
    sel = np.sort(np.concatenate(chosen))
    return sel[np.lexsort(tuple(key[sel] for key in keys))]


def nearest(dist: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the `k` smallest distances, nearest first (ties by position)."""
    return top_lexsort((dist,), k)


def signature_rank(keys: Sequence[np.ndarray]) -> np.ndarray:
    """Dense rank of each position by `keys` (the last key is primary, as in np.lexsort):
    equal key tuples share a rank. Rows that share a signature share every ranking key
    but their distance, so ranking rows is ranking (signature rank, distance): a lexsort
    of a few thousand signatures instead of one of every row."""
    n = len(keys[0]) if len(keys) else 0
    rank = np.zeros(n, dtype=np.int64)
    if n == 0:
        return rank
    order = np.lexsort(keys)
    changed = np.zeros(n, dtype=bool)
    for key in keys:
        k = key[order]
        changed[1:] |= k[1:] != k[:-1]
    rank[order] = np.cumsum(changed)
    return rank
