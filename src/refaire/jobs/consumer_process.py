"""The queue's consumer as a child process of `refaire serve`, not threads of the server.

Why: consumer threads share the server's interpreter lock. Every job they run (reading a
4 MB upload back from the store, handing it to the measuring pool, the pool's own
management thread, the observatory's derivation, polling the queue) then takes turns with
the event loop, and a cheap request waits behind them. In a process of its own the
consumer costs the server nothing but the CPU the scheduler gives it, and it runs at a
lower priority (`NICENESS`; its measuring workers lower still, `pool.WORKER_NICENESS` more).

The child is started from a clean interpreter ("spawn": forking a threaded server is
unsafe) and is the same consumer as `refaire worker`. It stops when the server stops
(SIGINT: running jobs get a few seconds, then are put back on the queue) and on its own if
the server dies without stopping it (its parent changes), so no consumer outlives its server.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from typing import Any

NICENESS = 5
SHUTDOWN_S = 5.0  # a running job's grace at shutdown (as the embedded consumer's)
PARENT_CHECK_S = 1.0


def _watch_parent(parent: int) -> None:
    """Interrupt this process once its parent is gone (re-parented: the server was killed)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os.kill(os.getpid(), signal.SIGINT)


def _main(store_url: str, workers: int, periodic: bool, parent: int) -> None:
    """The child's body: lower priority, then a consumer until SIGINT or SIGTERM."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(NICENESS)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    from refaire.jobs.queue import huey, use_queue

    use_queue(store_url)
    import refaire.jobs.tasks  # noqa: F401 (registers the tasks)

    consumer = huey.create_consumer(
        workers=workers, periodic=periodic, worker_type="thread", max_delay=1.0,
        shutdown_timeout=SHUTDOWN_S,
    )  # fmt: skip
    try:
        consumer.run()  # installs huey's handlers: SIGINT graceful, SIGTERM at once
    finally:
        # Now, not at exit: a child process joins its own children before the interpreter's
        # exit hooks would shut the pool down, and idle pool workers never end by themselves.
        from refaire.jobs.pool import shared_pool

        shared_pool().close()


def start(store_url: str, workers: int = 2, periodic: bool = True) -> Any:
    """Start the consumer process for `store_url`'s queue; `stop()` it on the way out."""
    context = multiprocessing.get_context("spawn")
    # Not a daemon: a daemonic process may not start the measuring pool's processes.
    process = context.Process(
        target=_main, args=(store_url, workers, periodic, os.getpid()),
        name="refaire-consumer", daemon=False,
    )  # fmt: skip
    process.start()
    return process


def stop(process: Any, timeout: float = SHUTDOWN_S + 10.0) -> None:
    """Ask the consumer to stop (running jobs are put back on the queue past SHUTDOWN_S),
    and kill it if it has not after `timeout` seconds."""
    if process.is_alive():
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGINT)
        process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join(5)
