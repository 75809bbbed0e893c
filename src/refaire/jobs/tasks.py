"""The jobs the queue runs. Each takes the store URL first (see `jobs.queue`).

Retries: a failing job is tried again after `retry_delay` seconds, the delay doubling each
time (`retry_backoff`), then it stays in the log as failed with its error.
"""

from __future__ import annotations

from refaire.jobs.queue import huey, store_for


@huey.task(retries=2, retry_delay=30, retry_backoff=2, name="derive")
def derive(store_url: str) -> None:
    """The observatory's and the matching engine's derived values, brought up to date.

    The lock makes it once at a time for a store whatever the number of consumers (server
    processes, workers): a second one waiting behind it finds nothing stale and returns.
    """
    from refaire.observatory.warm import prepare

    with huey.lock_task(f"derive:{store_url}"):
        prepare(store_for(store_url))
