"""The jobs the queue runs. Each takes the store URL first (see `jobs.queue`).

Retries: a failing job is tried again after `retry_delay` seconds, the delay doubling each
time (`retry_backoff`), then it stays in the log as failed with its error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from huey import crontab

from refaire.jobs.queue import current_store_url, huey, store_for, submit


@huey.task(retries=2, retry_delay=30, retry_backoff=2, name="derive")
def derive(store_url: str) -> None:
    """The observatory's and the matching engine's derived values, brought up to date.

    The lock makes it once at a time for a store whatever the number of consumers (server
    processes, workers): a second one waiting behind it finds nothing stale and returns.
    """
    from refaire.observatory.warm import prepare

    with huey.lock_task(f"derive:{store_url}"):
        prepare(store_for(store_url))


@huey.task(retries=3, retry_delay=60, retry_backoff=2, name="crawl")
def crawl(store_url: str, source_id: int) -> dict:
    """One source crawled; the lock keeps two crawls of one source from overlapping."""
    from refaire.crawl.sources import UnknownSource, crawl_source

    with huey.lock_task(f"crawl:{store_url}:{source_id}"):
        try:
            return crawl_source(store_for(store_url), source_id)
        except UnknownSource:
            return {}  # removed since it was queued: nothing to do


@huey.periodic_task(crontab(minute="*"), name="crawl-due")
def crawl_due() -> None:
    """Every minute: queue a crawl of each source whose period has come round."""
    from refaire.crawl.sources import due_sources

    _queue_due(due_sources, crawl, "crawl of source")


def _queue_due(due: Callable[[Any], Iterable[int]], task: Any, what: str) -> None:
    """Queue `task` for each id that `due` returns on the served store (none when no store)."""
    url = current_store_url()
    if url is None:
        return
    store = store_for(url)
    for ident in due(store):
        submit(store, task, ident, label=f"scheduled {what} {ident}")


@huey.task(retries=2, retry_delay=60, retry_backoff=2, name="poll-feed")
def poll_feed(store_url: str, feed_id: int) -> dict:
    """One signal feed polled; the lock keeps two polls of one feed from overlapping."""
    from refaire.observatory.feeds import UnknownFeed
    from refaire.observatory.feeds import poll_feed as poll

    with huey.lock_task(f"poll-feed:{store_url}:{feed_id}"):
        try:
            return poll(store_for(store_url), feed_id)
        except UnknownFeed:
            return {}  # removed since it was queued


@huey.periodic_task(crontab(minute="*"), name="feeds-due")
def feeds_due() -> None:
    """Every minute: queue a poll of each signal feed whose period has come round."""
    from refaire.observatory.feeds import due_feeds

    _queue_due(due_feeds, poll_feed, "poll of feed")


@huey.task(retries=2, retry_delay=60, retry_backoff=2, name="peer-pull")
def peer_pull(store_url: str, peer_id: int) -> dict:
    """One peer's outbox pulled from its cursor; the lock keeps two pulls of it apart."""
    from refaire.federation.peers import UnknownPeer
    from refaire.federation.pull import pull_peer

    with huey.lock_task(f"peer-pull:{store_url}:{peer_id}"):
        try:
            return pull_peer(store_for(store_url), peer_id)
        except UnknownPeer:
            return {}  # removed since it was queued


@huey.task(retries=0, name="measure")
def measure(store_url: str, measurement_id: str) -> None:
    """Uploaded files measured in the process pool (time and memory limits, lower CPU
    priority), the result stored with the measurement. Not retried: a file that ran over
    time or killed its worker would do it again. Such files get an error report and the job
    ends as failed with their errors, after the other files' results are stored."""
    from refaire.jobs.measurements import UnknownMeasurement, finish, load
    from refaire.jobs.pool import JobError
    from refaire.jobs.upload_jobs import measure_stored

    store = store_for(store_url)
    try:
        stored = load(store, measurement_id)
    except UnknownMeasurement:
        return  # deleted since it was queued
    if stored["result"] is not None:
        return  # already measured (a job put back on the queue after it finished)
    result, errors = measure_stored(store, stored)
    finish(store, measurement_id, result)
    if errors:
        raise JobError("; ".join(errors))


@huey.task(retries=4, retry_delay=30, retry_backoff=2, name="mail")
def mail(store_url: str, to: str, subject: str, text: str, attachments: list) -> None:
    """One mail sent (`people.mail.deliver` queues it); an SMTP server that refuses or cannot
    be reached is tried again with back-off, then the job stays failed with the error."""
    from refaire.people.mail import send_mail

    send_mail(to, subject, text, attachments=[tuple(a) for a in attachments])
