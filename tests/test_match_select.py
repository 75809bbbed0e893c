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
