"""Plans: the fewest facilities that together make every part of a design.

Each candidate facility is reduced to the set of units (parts) it can make completely,
as a bitmask. Then:

1. *Pruning*: of facilities with the same set only the nearest stays; a facility whose set
   is contained in the set of another at most as far away is dominated and dropped. The
   empty set is dropped. Thousands of facilities usually shrink to a handful.
2. *Exact search* when at most `EXACT_LIMIT` (20) candidates remain: combinations by
   increasing size; the first size that covers the target gives the optimum, its
   combinations ranked by total distance (a tie-break, not a trade-off against size).
   The search stops early if a size would enumerate more than `MAX_COMBINATIONS`.
3. Otherwise a *greedy set cover*: repeatedly take the facility adding the most uncovered
   parts (nearest first on ties), then drop members made redundant by later picks.
   Greedy is within a factor ln(parts) of the optimum; it is bounded by parts x candidates.

The target is every part when the candidates together cover them all; otherwise it is
what they can cover (the best partial plan), and the rest is reported missing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np

EXACT_LIMIT = 20
MAX_COMBINATIONS = 200_000


@dataclass(frozen=True, slots=True)
class Candidate:
    row: int
    distance: float
    units: int  # bitmask of units it makes completely


@dataclass(frozen=True, slots=True)
class Plan:
    members: tuple[Candidate, ...]
    covered: int
    method: str

    @property
    def total_distance(self) -> float:
        return sum(c.distance for c in self.members)


def candidates_from(unit_met: np.ndarray, rows: np.ndarray, dist: np.ndarray) -> list[Candidate]:
    """One candidate per distinct unit set: the nearest (the first of them on equal
    distances; rows may come in any order)."""
    if unit_met.size == 0 or unit_met.shape[1] == 0:
        return []
    cols = unit_met.T
    useful = np.flatnonzero(cols.any(axis=1))
    if not len(useful):
        return []
    # Unit sets as bytes (8 units a byte): a 1-D key, much cheaper to deduplicate than rows.
    packed = np.packbits(cols[useful], axis=1, bitorder="little")
    if packed.shape[1] <= 8:
        # up to 64 units: the set is one integer, far cheaper to sort than bytes
        wide = np.zeros((len(packed), 8), dtype=np.uint8)
        wide[:, : packed.shape[1]] = packed
        keys = wide.view(np.uint64).ravel()
    else:
        keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, group = np.unique(keys, return_inverse=True)
    group = group.ravel()
    # The nearest of each group, linear: the group's minimum, then its first row at it.
    d = dist[useful]
    least = np.full(int(group.max()) + 1, np.inf)
    np.minimum.at(least, group, d)
    at_min = np.flatnonzero(d == least[group])
    _, first = np.unique(group[at_min], return_index=True)
    out = []
    # nearest first, as when the rows came sorted by distance
    for j in sorted(useful[at_min[first]].tolist(), key=lambda j: (float(dist[j]), j)):
        mask = int.from_bytes(np.packbits(cols[j], bitorder="little").tobytes(), "little")
        out.append(Candidate(int(rows[j]), float(dist[j]), mask))
    return out


def candidates_by_signature(
    unit_met: np.ndarray, inv: np.ndarray, rows: np.ndarray, dist: np.ndarray
) -> list[Candidate]:
    """`candidates_from(unit_met[:, inv], rows, dist)` without building that matrix:
    `unit_met` has one column per signature and `inv` gives each row's column. Unit sets
    are grouped per signature (a few thousand), then each row is looked at once for its
    group's nearest."""
    if unit_met.size == 0 or unit_met.shape[1] == 0 or not len(rows):
        return []
    cols = unit_met.T
    useful = np.flatnonzero(cols.any(axis=1))
    if not len(useful):
        return []
    packed = np.packbits(cols[useful], axis=1, bitorder="little")
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, group_of_useful = np.unique(keys, return_inverse=True)
    group_of_sig = np.full(len(cols), -1, dtype=np.int64)
    group_of_sig[useful] = group_of_useful.ravel()
    group = group_of_sig[inv]
    mine = np.flatnonzero(group >= 0)
    g, d = group[mine], dist[mine]
    least = np.full(int(g.max()) + 1, np.inf)
    np.minimum.at(least, g, d)
    at_min = np.flatnonzero(d == least[g])
    _, first = np.unique(g[at_min], return_index=True)  # positions ascending: the first row
    out = []
    for j in sorted(mine[at_min[first]].tolist(), key=lambda j: (float(dist[j]), j)):
        mask = int.from_bytes(np.packbits(cols[inv[j]], bitorder="little").tobytes(), "little")
        out.append(Candidate(int(rows[j]), float(dist[j]), mask))
    return out


def prune(cands: list[Candidate]) -> list[Candidate]:
    """Drop candidates dominated by a superset at most as far (see module docstring)."""
    cands = sorted((c for c in cands if c.units), key=lambda c: c.distance)
    kept: list[Candidate] = []
    for c in cands:  # nearest first: anyone kept already is at most as far
        if not any(k.units | c.units == k.units for k in kept):
            kept.append(c)
    return kept


def _exact(cands: list[Candidate], target: int, max_plans: int) -> list[Plan] | None:
    for size in range(1, len(cands) + 1):
        if math.comb(len(cands), size) > MAX_COMBINATIONS:
            return None
        found = []
        for combo in combinations(cands, size):
            covered = 0
            for c in combo:
                covered |= c.units
            if covered & target == target:
                found.append(combo)
        if found:
            found.sort(key=lambda combo: (sum(c.distance for c in combo), [c.row for c in combo]))
            return [Plan(tuple(c), target, "exact") for c in found[:max_plans]]
    return []


def _greedy(cands: list[Candidate], target: int) -> Plan:
    chosen: list[Candidate] = []
    covered = 0
    while covered & target != target:
        best = max(cands, key=lambda c: (bin(c.units & target & ~covered).count("1"), -c.distance))
        if not best.units & target & ~covered:
            break
        chosen.append(best)
        covered |= best.units
    # Later picks may cover everything an earlier one did: drop the farthest such first.
    for c in sorted(chosen, key=lambda c: -c.distance):
        rest = 0
        for o in chosen:
            if o is not c:
                rest |= o.units
        if rest & target == target:
            chosen.remove(c)
    return Plan(tuple(chosen), target, "greedy")


def best_plans(cands: list[Candidate], max_plans: int = 3) -> tuple[list[Plan], int]:
    """Best plans (fewest facilities, then least total distance), and the units covered."""
    target = 0
    for c in cands:
        target |= c.units
    if not target:
        return [], 0
    pruned = prune(cands)
    if len(pruned) <= EXACT_LIMIT:
        plans = _exact(pruned, target, max_plans)
        if plans:
            return plans, target
    return [_greedy(pruned, target)], target


def units_of(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]
