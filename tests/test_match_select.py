"""Partial selection gives exactly the head of the full lexsort, ties included."""

from __future__ import annotations

import numpy as np
import pytest

from refaire.match.select import nearest, top_lexsort


@pytest.mark.parametrize("n", [0, 5, 4096, 5000, 30_000])
@pytest.mark.parametrize("k", [0, 1, 20, 7000])
def test_top_lexsort_is_the_head_of_lexsort(n, k):
    rng = np.random.default_rng(n + k)
    # few distinct values: many ties on every key, the case that decides stability
    keys = (
        rng.integers(0, 5, n).astype(np.float64),  # distance-like, least significant
        -rng.integers(0, 3, n) / 3.0,
        ~(rng.random(n) < 0.3),
    )
    assert np.array_equal(top_lexsort(keys, k), np.lexsort(keys)[:k])


def test_nearest_is_the_stable_head():
    rng = np.random.default_rng(1)
    dist = rng.integers(0, 50, 20_000).astype(np.float64)
    assert np.array_equal(nearest(dist, 25), np.argsort(dist, kind="stable")[:25])


@pytest.mark.parametrize("n_sigs", [1, 7, 300])
def test_ranking_signatures_then_distance_is_the_row_lexsort(n_sigs):
    """What match_requirements does: rank signatures once, then (rank, distance) per row,
    gives the rows in the order of the full lexsort of every row's keys."""
    from refaire.match.select import signature_rank

    rng = np.random.default_rng(n_sigs)
    sig_keys = (
        -rng.integers(0, 3, n_sigs) / 3.0,
        -rng.integers(0, 4, n_sigs) / 4.0,
        ~(rng.random(n_sigs) < 0.5),
    )
    inv = rng.integers(0, n_sigs, 9000)
    dist = rng.integers(0, 40, 9000).astype(np.float64)  # ties between rows
    row_keys = (dist, *(k[inv] for k in sig_keys))
    rank = signature_rank(sig_keys)
    assert np.array_equal(top_lexsort((dist, rank[inv]), 50), np.lexsort(row_keys)[:50])
    assert np.array_equal(np.lexsort((dist, rank[inv])), np.lexsort(row_keys))


@pytest.mark.parametrize("n_units", [3, 70])  # up to 64 units as one integer, and more
def test_candidates_by_signature_equal_candidates_from_rows(n_units):
    from refaire.match.plans import candidates_by_signature, candidates_from

    rng = np.random.default_rng(n_units)
    unit_sig = rng.random((n_units, 40)) < 0.2
    unit_sig[:, 3] = False  # a signature making nothing
    inv = rng.integers(0, 40, 5000)
    rows = rng.permutation(5000) + 100
    dist = rng.integers(0, 300, 5000).astype(np.float64)  # equal distances: first row wins
    assert candidates_by_signature(unit_sig, inv, rows, dist) == candidates_from(
        unit_sig[:, inv], rows, dist
    )
