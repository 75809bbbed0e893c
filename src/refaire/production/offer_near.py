"""An in-memory index of where active offers are and how far they deliver, for "near me".

Even from a covering index, SQLite walked and returned every offer of the bounding box
(about 2,000 around Paris among 100,000) on each search: most of its time. Here the active
offers' coordinates and delivery radii are held once in numpy arrays ordered by latitude:
the box's latitude band is one binary search, the longitude, distance and delivery radius
tests are array operations, and only the page's offers are then read from the store.

Like `store.facility_near`, the index records store generations and is rebuilt when one
moved, so a search never answers from a stale index, whichever process wrote: "offers"
(moved by publishing and withdrawing, `production.offers`) and "facilities" (deleting a
facility deletes its offers).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from refaire.geo import bounding_box
from refaire.store.db import Store
from refaire.store.facility_near import haversine_many
from refaire.store.generations import current_fast
from refaire.store.tables import production_offers

GENERATIONS = ("offers", "facilities")


@dataclass(frozen=True)
class OfferNear:
    # the engine too: a database dropped and made again at the same URL, never written
    # since, shows the same generations (0) through a new Store
    engine: Any
    generations: tuple[int, ...]
    ids: np.ndarray  # int64, ordered by latitude
    lat: np.ndarray
    lon: np.ndarray
    reach: np.ndarray  # delivery radius, km

    def near(self, lat: float, lon: float, radius_km: float) -> tuple[np.ndarray, np.ndarray]:
        """(ids, distances) of the offers within `radius_km` whose delivery reaches the
        point, in index order."""
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_km)
        lo = int(np.searchsorted(self.lat, min_lat, side="left"))
        hi = int(np.searchsorted(self.lat, max_lat, side="right"))
        pos = np.arange(lo, hi)
        if min_lon > -180.0 or max_lon < 180.0:
            lons = self.lon[lo:hi]
            pos = pos[(lons >= min_lon) & (lons <= max_lon)]
        dist = haversine_many(lat, lon, self.lat[pos], self.lon[pos])
        keep = (dist <= radius_km) & (dist <= self.reach[pos])
        return self.ids[pos[keep]], dist[keep]


_CACHE: dict[str, OfferNear] = {}
_LOCK = threading.Lock()


def offer_near(store: Store) -> OfferNear:
    """The current index for this store, rebuilt only when offers or facilities moved."""
    gens = tuple(current_fast(store, name) for name in GENERATIONS)
    cached = _CACHE.get(store.url)
    if cached is not None and cached.generations == gens and cached.engine is store.engine:
        return cached
    with _LOCK:
        cached = _CACHE.get(store.url)
        if cached is None or cached.generations != gens or cached.engine is not store.engine:
            cached = _CACHE[store.url] = _build(store, gens)
    return cached


def _build(store: Store, gens: tuple[int, ...]) -> OfferNear:
    t = production_offers
    # Unordered: these columns are all in ix_production_offers_near, so the read is a scan
    # of that index alone (an ORDER BY made SQLite read the whole table and sort, ~6x the
    # time); the rows are ordered here instead.
    # The driver's cursor and one float array: SQLAlchemy's row objects and per-column
    # conversions were most of the build at 100,000 offers (ids fit a float64 exactly).
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(f"SELECT id, latitude, longitude, radius_km FROM {t.name} WHERE active")
        table = np.array(cur.fetchall(), dtype=np.float64).reshape(-1, 4)
        cur.close()
    finally:
        raw.close()
    order = np.lexsort((table[:, 0], table[:, 1]))
    table = table[order]
    return OfferNear(store.engine, gens, table[:, 0].astype(np.int64),
                     np.ascontiguousarray(table[:, 1]), np.ascontiguousarray(table[:, 2]),
                     np.ascontiguousarray(table[:, 3]))  # fmt: skip


def forget(store: Store) -> None:
    """Drop this store's index (tests that rewrite tables behind the store's back)."""
    with _LOCK:
        _CACHE.pop(store.url, None)
