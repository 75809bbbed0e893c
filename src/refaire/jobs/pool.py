"""A bounded process pool whose jobs have a time limit; a job over it is killed.

Why: measuring an upload is CPU work of up to seconds; in the server's event loop one
hostile file froze every other request. Here each job runs in a worker process, at most
`workers` at a time, and the caller waits in a thread, so the event loop stays free.

- Time limit: counted from when a worker takes the job (jobs first wait for a free
  worker, so queueing behind others does not eat a job's time). Past it, the pool's
  processes are killed — a running Python function cannot be stopped any other way —
  and a fresh pool replaces it. Jobs that were running beside the culprit are submitted
  once more to the new pool.
- Back-pressure: at most `max_waiting` jobs wait for a worker; more are refused at once
  (`JobsBusy`, a 503 for a web client) instead of piling up threads and memory.
- Memory: each worker's address space is capped (`memory_mb`), so a job that would
  swallow the machine gets a MemoryError (reported) or dies (`JobFailed`).
- Priority: workers run at a lower scheduling priority (nice 10) than the server, so
  requests that need no measurement keep their CPU when every worker is busy.
- Lifetime: a worker ends as soon as the process that owns the pool (the server, or the
  queue's consumer) is gone. Without it, a server stopped during a hostile measurement
  left its workers burning CPU until their job ended (the forkserver waits for them).

Workers start from a clean interpreter ("forkserver", else "spawn"): forking a threaded
server process is unsafe. Jobs must be module-level functions with picklable arguments.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import select
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import anyio.to_thread

from refaire import limits
from refaire.said import Said

R = TypeVar("R")

DEFAULT_MEMORY_MB = 2048
WORKER_NICENESS = 10
_PRELOAD = ["refaire.geometry", "refaire.geometry.vector2d"]


class JobError(RuntimeError):
    """A job that gave no result; the message is written for the person who sent it."""


class JobTimeout(JobError):
    pass


class JobsBusy(JobError):
    pass


class JobFailed(JobError):
    pass


def _watch_owner(owner: int) -> None:
    """End this worker once `owner` has exited (a pidfd becomes readable then; without
    pidfds, polled once a second)."""
    try:
        handle = os.pidfd_open(owner)
    except (AttributeError, OSError):
        handle = None
    if handle is not None:
        select.select([handle], [], [])
    else:
        while True:
            try:
                os.kill(owner, 0)
            except ProcessLookupError:
                break
            except OSError:
                pass  # exists, owned by someone else: cannot happen for our parent, go on
            threading.Event().wait(1.0)
    os._exit(1)  # the job in the main thread cannot be stopped any other way


def _start_worker(memory_mb: int, owner: int | None = None) -> None:
    """Worker initializer: lower priority, the address space capped at what is in use
    now plus `memory_mb`, and an end when the pool's `owner` process ends.

    The priority matters as much as the event loop: on a machine with as many cores as
    workers, measurements at full priority would take the CPU from the server itself.
    """
    with contextlib.suppress(OSError, AttributeError):
        os.nice(WORKER_NICENESS)
    try:
        import resource

        with open("/proc/self/statm") as handle:
            in_use = int(handle.read().split()[0]) * resource.getpagesize()
        cap = in_use + memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, OSError, ValueError):
        pass  # no /proc or no rlimit: the triangle and point bounds still hold
    if owner is not None:
        threading.Thread(target=_watch_owner, args=(owner,), daemon=True).start()


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class JobPool:
    """Worker processes started on first use; `run_sync` blocks, `run` awaits in a thread."""

    def __init__(
        self,
        workers: int | None = None,
        seconds: float | None = None,
        max_waiting: int | None = None,
        memory_mb: int = DEFAULT_MEMORY_MB,
    ) -> None:
        self.workers = workers or limits.job_workers()
        self.seconds = seconds or limits.job_seconds()
        self.max_waiting = max_waiting if max_waiting is not None else 4 * self.workers
        self.memory_mb = memory_mb
        self._slots = threading.BoundedSemaphore(self.workers)
        self._lock = threading.Lock()
        self._waiting = 0
        self._executor: ProcessPoolExecutor | None = None
        self.replaced = 0  # pools killed for an overrun or a crash: for tests and logs

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=_context(),
                    initializer=_start_worker,
                    initargs=(self.memory_mb, os.getpid()),
                )
            return self._executor

    def _replace(self, executor: ProcessPoolExecutor) -> None:
        """Kill `executor`'s processes (if still current) so the next job gets a fresh pool."""
        with self._lock:
            if self._executor is not executor:
                return  # another thread replaced it already
            self._executor = None
            self.replaced += 1
        # The executor keeps its processes in a private map; there is no public way to
        # stop a running job, and shutdown() would wait for it.
        processes = list(getattr(executor, "_processes", {}).values())
        for process in processes:
            process.kill()
        for process in processes:
            process.join(timeout=5)  # reaped, so the memory is given back now
        executor.shutdown(wait=False, cancel_futures=True)

    def run_sync(self, fn: Callable[..., R], *args: Any) -> R:
        """`fn(*args)` in a worker; raises JobsBusy, JobTimeout or JobFailed."""
        with self._lock:
            if self._waiting >= self.workers + self.max_waiting:
                raise JobsBusy(
                    f"the server is busy measuring {self._waiting} files: try again in a minute"
                )
            self._waiting += 1
        try:
            with self._slots:
                for attempt in (1, 2):
                    executor = self._pool()
                    try:
                        future = executor.submit(fn, *args)
                        return future.result(timeout=self.seconds)
                    except FutureTimeout:
                        self._replace(executor)
                        raise JobTimeout(
                            Said("geom.err.timeout", seconds=f"{self.seconds:g}")
                        ) from None
                    except MemoryError:
                        raise JobFailed(
                            Said("geom.err.job_memory", mb=self.memory_mb)
                        ) from None
                    except BrokenProcessPool:
                        # Killed beside another job's overrun, or this job crashed its worker.
                        self._replace(executor)
                        if attempt == 2:
                            raise JobFailed(
                                "measuring stopped the worker (out of memory or a crash): "
                                "the file is too large or too complex, refused"
                            ) from None
                raise AssertionError("unreachable")
        finally:
            with self._lock:
                self._waiting -= 1

    async def run(self, fn: Callable[..., R], *args: Any) -> R:
        """`run_sync` from async code: the event loop only awaits a thread (anyio's, the
        pool Starlette also runs plain routes in; waiting jobs are bounded, see above)."""
        return await anyio.to_thread.run_sync(self.run_sync, fn, *args)

    def close(self) -> None:
        """Stop the workers now (for a process on its way out): cleanly when idle, else
        killed with the job they run."""
        with self._lock:
            executor, self._executor = self._executor, None
            idle = self._waiting == 0
        if executor is None:
            return
        if idle:
            executor.shutdown(wait=True)
            return
        processes = list(getattr(executor, "_processes", {}).values())
        for process in processes:
            process.kill()
        for process in processes:
            process.join(timeout=5)
        executor.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


_shared: JobPool | None = None
_shared_lock = threading.Lock()


def shared_pool() -> JobPool:
    """The process-wide pool, sized from the environment when first asked for."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = JobPool()
        return _shared


async def run_job(fn: Callable[..., R], *args: Any) -> R:
    """`fn(*args)` in the shared pool; raises JobsBusy, JobTimeout or JobFailed."""
    return await shared_pool().run(fn, *args)
