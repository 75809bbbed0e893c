"""CPU-bound work spread over worker processes, results in order, this process as fallback.

Reading manifests and deriving per-design values are pure Python: threads would share
one interpreter lock, so the import runner and the observatory's derivation hand
chunks of work to processes. `Workers.map` keeps only a few chunks in flight (memory
stays flat however many chunks come), yields results in the order of the chunks, and
when worker processes cannot run (a `__main__` that spawn cannot re-import, a sandbox
without fork) does the rest of the work here instead of failing.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from types import TracebackType
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 4
# Garbage-collector thresholds for bulk work (the defaults are 700, 10, 10).
RELAXED_GC = (50_000, 20, 20)


def relax_gc() -> None:
    """For a worker: collect less often, and never scan what existed before the work.

    Bulk work allocates many short-lived objects; with the default thresholds the
    collector rescans the heap again and again for nothing.
    """
    gc.freeze()
    gc.set_threshold(*RELAXED_GC)


@contextmanager
def relaxed_gc() -> Iterator[None]:
    """`relax_gc` for the length of a bulk operation in this process, then as before.

    In an import, each record received from the workers is thousands of objects that
    live until their batch is written: with the default thresholds the collector took
    a third of the time spent receiving them.
    """
    before = gc.get_threshold()
    relax_gc()
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


class Workers:
    """Worker processes, started on first use; `enabled=False` keeps everything here."""

    def __init__(self, enabled: bool = True, max_workers: int = MAX_WORKERS) -> None:
        self.count = min(max_workers, os.cpu_count() or 1) if enabled else 1
        self._pool: ProcessPoolExecutor | None = None
        self._broken = self.count < 2

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=exc is not None)

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # fork is cheap but unsafe beside other threads (a threaded server, a test runner)
            single = threading.active_count() == 1
            forkable = "fork" in multiprocessing.get_all_start_methods()
            method = "fork" if single and forkable else "spawn"
            self._pool = ProcessPoolExecutor(
                max_workers=self.count,
                mp_context=multiprocessing.get_context(method),
                initializer=relax_gc,
            )
        return self._pool

    def map(self, func: Callable[[T], R], chunks: Iterable[T]) -> Iterator[R]:
        """`func(chunk)` for every chunk, in order; `func` must be a module-level function."""
        queue: deque[tuple[T, Future[R]]] = deque()
        source = iter(chunks)
        unsent: list[T] = []  # a chunk taken from `source` whose submission failed
        if not self._broken:
            try:
                pool = self._start()
                for chunk in source:
                    unsent = [chunk]
                    queue.append((chunk, pool.submit(func, chunk)))
                    unsent = []
                    while len(queue) > 4 * self.count or (queue and queue[0][1].done()):
                        yield queue[0][1].result()
                        queue.popleft()
                while queue:
                    yield queue[0][1].result()
                    queue.popleft()
                return
            except BrokenProcessPool:
                self._broken = True
        # Here, in order: what the workers left unfinished, then the rest.
        for chunk, _future in queue:
            yield func(chunk)
        for chunk in unsent:
            yield func(chunk)
        for chunk in source:
            yield func(chunk)
