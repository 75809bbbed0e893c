"""Preparing the read side in the background, so that visitors do not wait for it.

After a large import the per-design values of the observatory and the matching engine
(`derive.refresh`) and the engine's coverage take seconds to compute; they are then kept
(in the store) or cached (in this process). A served app prepares them in a background
thread when it starts and after each upload, instead of making the first visitor of
`/observatory` wait. A request arriving meanwhile waits for the same work rather than
doing it twice (`derive.refresh` takes one lock per store).

Writes by another process (`refaire import` beside a running server) are seen by `watch`:
it reads the store's write generations every second and prepares again once they have
stopped moving, so the caches of this process are rebuilt after the import, not by the
first visitor after it.
"""

from __future__ import annotations

import logging
import threading

from refaire.store.db import Store

log = logging.getLogger(__name__)

_GUARD = threading.Lock()
_RUNNING: dict[str, threading.Thread] = {}
_AGAIN: set[str] = set()


def prepare(store: Store) -> None:
    """Derive what is stale, compute the coverage, the local making and the unfiltered
    sector index with its bootstrap (cached until designs or facilities change), here and
    now; load the search indexes (design facets, facility places) so the first search does
    not wait for them."""
    from refaire.observatory import derive
    from refaire.observatory.coverage import coverage
    from refaire.observatory.local import local_reach
    from refaire.observatory.members import sector_index_table
    from refaire.store.facet_index import facet_index
    from refaire.store.facility_near import near_index

    facet_index(store)
    near_index(store)
    derive.refresh(store)
    coverage(store)
    local = local_reach(store)
    with store.engine.connect() as conn:
        # the same key as the unfiltered dashboard's: (no sector, no country)
        sector_index_table(store, conn, [], (None, None), local)


def prepare_in_background(store: Store) -> threading.Thread:
    """`prepare` in a daemon thread; while one runs for this store, it runs once more after."""
    with _GUARD:
        running = _RUNNING.get(store.url)
        if running is not None and running.is_alive():
            _AGAIN.add(store.url)
            return running
        thread = threading.Thread(target=_run, args=(store,), name="refaire-prepare", daemon=True)
        _RUNNING[store.url] = thread
        thread.start()
        return thread


def _run(store: Store) -> None:
    while True:
        try:
            prepare(store)
        except Exception:  # a request will meet the same error and report it
            log.exception("preparing the observatory in the background failed")
        with _GUARD:
            if store.url not in _AGAIN:
                _RUNNING.pop(store.url, None)
                return
            _AGAIN.discard(store.url)


WATCH_EVERY_S = 1.0
WATCHED = ("designs", "facilities")


def watch(store: Store, stop: threading.Event, every_s: float | None = None) -> threading.Thread:
    """Prepare again in this process when designs or facilities were written by anyone.

    The generations are read every `every_s` (`WATCH_EVERY_S`) on the store's kept-aside connection (one
    small query); preparing waits until they stopped moving for one look, so that an
    import committing batch after batch is prepared for once, after its last batch.
    """
    from refaire.store.generations import current_fast

    every = WATCH_EVERY_S if every_s is None else every_s

    def seen() -> tuple[int, ...]:
        return tuple(current_fast(store, name) for name in WATCHED)

    def loop() -> None:
        prepared_for = previous = None
        while not stop.wait(every):
            try:
                now = seen()
            except Exception:  # the store is closing or gone: look again later
                continue
            if prepared_for is None:
                prepared_for = previous = now  # the start is prepared by `prepare_soon`
                continue
            if now != previous:
                previous = now  # still moving: wait for the writes to end
            elif now != prepared_for:
                prepared_for = now
                prepare_in_background(store)

    thread = threading.Thread(target=loop, name="refaire-watch", daemon=True)
    thread.start()
    return thread


def busy(store: Store) -> bool:
    """Whether a background preparation of this store is running."""
    with _GUARD:
        running = _RUNNING.get(store.url)
        return running is not None and running.is_alive()
