"""Transformation potential of a sector, with how sure the observatory is of it.

Five components, each first measured per design of the sector (a design counts in every
sector it belongs to), then averaged over the sector's designs:

- local making: population share of the gazetteer's towns with a facility within 50 km
  able to make the design alone, from stated capabilities (`refaire.observatory.local`);
  averaged over the designs whose requirements the matching engine reads. The same with
  probable capabilities is shown beside it and never enters the index;
- momentum: share of the designs dated by a first-known date (manifest creation, OSHWA
  certification) first published in the last `RECENT_YEARS` years of the corpus; a date
  that is only an update or a bulk conversion never counts (those designs are counted
  apart, `dated.update_only`);
- community: half the distinct actors (licensor, organisation) per design, half the share
  of designs with a lineage link (fork, derivative, variant); the number of contributors
  of a design is not stated by any source, so the share with more than one is not known;
- maturity: share at OTRL 4 or more (unstated readiness counts as not shown mature);
- documentation: mean documentation completeness (`refaire.observatory.completeness`).

Normalisation: each raw component becomes a percentile rank among the sectors of the same
level (CPC sections with sections, classes with classes) that have at least
`MIN_DESIGNS` designs: (others below + half the others equal) / others, in 0..1. A raw
share of 3 % and one of 90 % are thus made comparable. index = 100 × mean of the ranks of
the components that could be computed.

Uncertainty: `RESAMPLES` Poisson-bootstrap resamples of each sector's designs (fixed
seed, so the same data gives the same interval; see `_bootstrap`); each resample's raw
components are ranked against the other sectors' point values; the interval is the 2.5th–97.5th percentile of the resampled
index. A leave-one-component-out table gives each sector's rank with each component left
out. Sectors with fewer than `MIN_DESIGNS` designs are "too few to say": no rank, no index.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

COMPONENTS = ("local_making", "momentum", "community", "maturity", "documentation")
MIN_DESIGNS = 20
RESAMPLES = 1000
RECENT_YEARS = 3
SEED = 17
# Values gathered per resample chunk: bounds memory at ~ 8 bytes × this × components.
_CHUNK_CELLS = 2_000_000


@dataclass
class Members:
    """One row per (design, sector) membership: the per-design values of each component.

    `values[:, k]` is component k's value for the design, `masks[:, k]` whether it counts
    (local making needs readable requirements, momentum a first-known date).
    """

    sector: np.ndarray  # sector number of the row, into `names`
    names: list[str]
    values: np.ndarray  # float64, rows × len(COMPONENTS)
    masks: np.ndarray  # bool, rows × len(COMPONENTS)


def percentile_rank(x: float, others: np.ndarray) -> float:
    """(others below x + half the others equal to x) / others; 0.5 with nothing to compare."""
    if not len(others):
        return 0.5
    below = np.searchsorted(others, x, side="left")
    upto = np.searchsorted(others, x, side="right")
    return float((below + upto) / 2 / len(others))


def _ranks(x: np.ndarray, others: np.ndarray) -> np.ndarray:
    if not len(others):
        return np.full(x.shape, 0.5)
    below = np.searchsorted(others, x, side="left")
    upto = np.searchsorted(others, x, side="right")
    return (below + upto) / 2 / len(others)


def _means(values: np.ndarray, masks: np.ndarray) -> np.ndarray:
    n = masks.sum(axis=0)
    s = np.where(masks, values, 0.0).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / np.maximum(n, 1), np.nan)


def compute(
    members: Members, enabled: tuple[bool, ...] | None = None, resamples: int = RESAMPLES
) -> dict[str, Any]:
    """Raw values, ranks, index, interval, flags per sector, and the leave-one-out table.

    `enabled[k]` False leaves component k out for every sector (its data is missing, e.g.
    no matching engine); a sector whose designs give no value for a component (no design
    with readable requirements) leaves it out for that sector only.
    """
    start = time.perf_counter()
    k = len(COMPONENTS)
    enabled = enabled or (True,) * k
    order = np.argsort(members.sector, kind="stable")
    sector_sorted = members.sector[order]
    bounds = np.searchsorted(sector_sorted, np.arange(len(members.names) + 1))
    rows_of = [order[bounds[i] : bounds[i + 1]] for i in range(len(members.names))]
    raw = np.array([_means(members.values[r], members.masks[r]) for r in rows_of]).reshape(
        len(members.names), k
    )
    size = np.array([len(r) for r in rows_of])
    level = np.array([len(n) == 1 for n in members.names])  # True: CPC section
    ranked = size >= MIN_DESIGNS
    point = np.full((len(members.names), k), np.nan)
    refs: dict[tuple[bool, int], np.ndarray] = {}
    for lv in (True, False):
        group = np.flatnonzero(ranked & (level == lv))
        for c in range(k):
            vals = raw[group, c]
            refs[(lv, c)] = np.sort(vals[~np.isnan(vals)])
    for s in np.flatnonzero(ranked):
        for c in range(k):
            if enabled[c] and not np.isnan(raw[s, c]):
                point[s, c] = percentile_rank(raw[s, c], _others(refs[(level[s], c)], raw[s, c]))
    index = 100 * _row_mean(point)
    index[~ranked | np.all(np.isnan(point), axis=1)] = np.nan
    rng = np.random.default_rng(SEED)
    interval = np.full((len(members.names), 2), np.nan)
    table, groups = _distinct_per_sector(members)
    for s in np.flatnonzero(~np.isnan(index)):
        distinct, counts = groups[s]
        used = [c for c in range(k) if not np.isnan(point[s, c])]
        others = [_others(refs[(level[s], c)], raw[s, c]) for c in used]
        rows = table[distinct]
        samples = _bootstrap(rows[:, used], rows[:, k:][:, used] > 0, counts, rng, resamples)
        ranks = np.column_stack([_ranks(samples[:, j], others[j]) for j in range(len(used))])
        ranks[np.isnan(samples)] = np.nan
        boot = 100 * _row_mean(ranks)
        lo, hi = np.nanpercentile(boot, [2.5, 97.5])
        interval[s] = (lo, hi)
    return {
        "raw": raw,
        "ranks": point,
        "index": index,
        "interval": interval,
        "designs": size,
        "too_few": ~ranked,
        "rank": _rank_order(index, level),
        "leave_one_out": _leave_one_out(members.names, point, index, level),
        "computed_in_s": round(time.perf_counter() - start, 3),
        "resamples": resamples,
    }


def _row_mean(a: np.ndarray) -> np.ndarray:
    """Mean of each row over its non-NaN cells; NaN for a row with none."""
    ok = ~np.isnan(a)
    n = ok.sum(axis=1)
    return np.where(n > 0, np.where(ok, a, 0.0).sum(axis=1) / np.maximum(n, 1), np.nan)


def _others(ref: np.ndarray, x: float) -> np.ndarray:
    """The reference values without one occurrence of the sector's own value."""
    if np.isnan(x) or not len(ref):
        return ref
    i = np.searchsorted(ref, x)
    return np.delete(ref, i) if i < len(ref) and ref[i] == x else ref


def _distinct_per_sector(
    members: Members,
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """(distinct rows of values-then-masks, per sector (distinct row numbers, counts)).

    Rows are coded once for all memberships by a mixed-radix key of per-column codes
    (`np.unique(axis=0)` sorts rows as opaque bytes, tens of times slower), then counted
    per (sector, key) with one sort: each sector's bootstrap touches only its distinct
    rows (a few hundred), however many designs it has.
    """
    x = np.hstack((np.where(members.masks, members.values, 0.0), members.masks))
    key = np.zeros(len(x), dtype=np.int64)
    radix = 1
    for j in range(x.shape[1]):
        code, size = _codes(x[:, j])
        if radix * size >= 2**40:  # too many combinations for one key: each row its own
            key, radix = np.arange(len(x), dtype=np.int64), len(x) + 1
            break
        key += code.reshape(-1) * radix
        radix *= size
    distinct, first, row_of = np.unique(key, return_index=True, return_inverse=True)
    table = x[first]
    pair = members.sector.astype(np.int64) * len(distinct) + row_of.reshape(-1)
    keys, counts = np.unique(pair, return_counts=True)
    sec = keys // len(distinct)
    bounds = np.searchsorted(sec, np.arange(len(members.names) + 1))
    groups = [
        (keys[bounds[i] : bounds[i + 1]] % len(distinct), counts[bounds[i] : bounds[i + 1]])
        for i in range(len(members.names))
    ]
    return table, groups


def _codes(col: np.ndarray) -> tuple[np.ndarray, int]:
    """Rank of each value among the column's distinct values, and how many there are (as
    `np.unique(..., return_inverse=True)`); masks and 0/1 shares, half the columns, are
    coded without the sort."""
    zero, one = col == 0.0, col == 1.0
    if (zero | one).all():
        if zero.all() or one.all():
            return np.zeros(len(col), dtype=np.int64), 1
        return one.astype(np.int64), 2
    _, code = np.unique(col, return_inverse=True)
    return code.reshape(-1), int(code.max()) + 1 if len(code) else 1


def _bootstrap(
    values: np.ndarray, masks: np.ndarray, counts: np.ndarray, rng: Any, resamples: int
) -> np.ndarray:
    """Per resample, the mean of each column over the resampled rows where the mask holds;
    `values`/`masks` are distinct rows, `counts` how many designs share each.

    Poisson bootstrap: each design comes out Poisson(1) times in a resample (the limit of
    drawing n of n with replacement, which gives each a Binomial(n, 1/n) count; the
    resample's size varies around n, which leaves a mean's distribution unchanged to
    first order). Designs with the same values are interchangeable, so a group of c of
    them comes out Poisson(c) times: the cost is that of the distinct rows, not of n.
    """
    k = values.shape[1]
    v, m = np.where(masks, values, 0.0), masks.astype(np.float64)
    out = np.empty((resamples, k))
    step = max(1, _CHUNK_CELLS // max(1, len(counts)))
    for b in range(0, resamples, step):
        count = min(step, resamples - b)
        weights = rng.poisson(counts.astype(np.float64), size=(count, len(counts)))
        weights = weights.astype(np.float64)
        s, c = weights @ v, weights @ m
        with np.errstate(invalid="ignore", divide="ignore"):
            out[b : b + count] = np.where(c > 0, s / np.maximum(c, 1e-300), np.nan)
    return out


def _rank_order(index: np.ndarray, level: np.ndarray) -> np.ndarray:
    """1 = highest index within its level; 0 where there is no index."""
    out = np.zeros(len(index), dtype=np.int64)
    for lv in (True, False):
        group = np.flatnonzero((level == lv) & ~np.isnan(index))
        ordered = group[np.argsort(-index[group], kind="stable")]
        out[ordered] = np.arange(1, len(ordered) + 1)
    return out


def _leave_one_out(
    names: list[str], point: np.ndarray, index: np.ndarray, level: np.ndarray
) -> list[dict[str, Any]]:
    """Per ranked sector: its rank, and its rank with each component left out."""
    full = _rank_order(index, level)
    without: dict[str, np.ndarray] = {}
    for c, name in enumerate(COMPONENTS):
        kept = point.copy()
        kept[:, c] = np.nan
        idx = 100 * _row_mean(kept)
        idx[np.isnan(index)] = np.nan
        without[name] = _rank_order(idx, level)
    rows = []
    for s in np.flatnonzero(~np.isnan(index)):
        moved = {name: int(without[name][s]) or None for name in COMPONENTS}
        shifts = [abs(v - int(full[s])) for v in moved.values() if v]
        rows.append(
            {
                "sector": names[s],
                "level": "section" if level[s] else "class",
                "rank": int(full[s]),
                "without": moved,
                "largest_move": max(shifts) if shifts else 0,
            }
        )
    rows.sort(key=lambda r: (r["level"] != "section", r["rank"]))
    return rows
