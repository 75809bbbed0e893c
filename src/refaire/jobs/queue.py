"""The job queue: huey, on SQLite by default and on Redis when `REFAIRE_REDIS_URL` is set.

Why huey: a maintained queue with persistent storage, retries with back-off, periodic
tasks and a consumer that runs as threads (inside `refaire serve`) or as its own process
(`refaire worker`). Nothing home-made but the bookkeeping people see (`jobs.log`).

Where the queue lives, for a store URL (`queue_location`):
- `REFAIRE_REDIS_URL` set: that Redis, one queue name per store URL (several instances
  may share a Redis);
- else `REFAIRE_JOBS_DB` if set, else a SQLite file beside a SQLite store
  (`refaire.db` → `refaire-jobs.db`), else one per store URL in the data directory.
Queued jobs are in that storage, so they survive a restart of the server or worker.

Every task takes the store URL as its first argument: the worker opens that store, and the
signal handlers below keep its `job_log` rows up to date (running, retrying, failed with
the error, done).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

from huey import Huey
from huey import signals as S
from huey.consumer import Consumer
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from refaire.jobs import log as job_log
from refaire.store import Store, open_store
from refaire.store.db import default_database_path, normalise_url

logger = logging.getLogger(__name__)

# The storage is chosen when a store is known (`use_queue`); until then a memory one, so that
# importing this module touches no file.
huey = Huey("refaire", results=False, storage_class=MemoryStorage)
_state: dict[str, Any] = {"url": None, "location": None}
_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()
_mail_stores: set[str] = set()  # stores whose mails go through the queue (`queue_mail`)


def queue_location(store_url: str) -> str:
    """`redis://…` or the path of the SQLite file holding the queue of `store_url`."""
    url = normalise_url(store_url)
    redis_url = os.environ.get("REFAIRE_REDIS_URL")
    if redis_url:
        return redis_url
    if os.environ.get("REFAIRE_JOBS_DB"):
        return str(Path(os.environ["REFAIRE_JOBS_DB"]).expanduser())
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        path = Path(url[len("sqlite:///") :])
        return str(path.with_name(f"{path.stem}-jobs.db"))
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return str(default_database_path().with_name(f"jobs-{digest}.db"))


def use_queue(store_url: str) -> str:
    """Point the queue at the storage of `store_url` (idempotent); returns its location."""
    url = normalise_url(store_url)
    location = queue_location(url)
    if _state["url"] == url and _state["location"] == location:
        return location
    if location.startswith(("redis://", "rediss://", "unix://")):
        name = "refaire-" + hashlib.sha256(url.encode()).hexdigest()[:12]
        huey.storage = RedisStorage(name, url=location)
    else:
        Path(location).parent.mkdir(parents=True, exist_ok=True)
        huey.storage = SqliteStorage("refaire", filename=location, timeout=30)
    _state.update(url=url, location=location)
    return location


def queue_mail(store_url: str) -> None:
    """Send this store's mails as jobs from now on (`refaire serve`: the app has a queue)."""
    _mail_stores.add(normalise_url(store_url))


def mail_queued(store_url: str) -> bool:
    return normalise_url(store_url) in _mail_stores


def current_store_url() -> str | None:
    """The store the queue serves (for periodic tasks, which have no arguments)."""
    return _state["url"]


def store_for(url: str) -> Store:
    """One open store per URL in this process: tasks and signal handlers share its engine."""
    with _stores_lock:
        store = _stores.get(url)
        if store is None:
            store = _stores[url] = open_store(url)
        return store


def submit(store: Store, task: Any, *args: Any, label: str, **options: Any) -> str:
    """Put `task(store.url, *args)` on the queue; its log row exists before a worker sees it.
    `options`: huey's per-message settings (retries, retry_delay, retry_backoff)."""
    use_queue(store.url)
    with _stores_lock:
        _stores.setdefault(store.url, store)
    message = task.s(store.url, *args, **options)
    job_log.record_enqueued(store, message.id, task.name, label)
    huey.enqueue(message)
    return message.id


def pending_count() -> int:
    return huey.pending_count() + huey.scheduled_count()


# --- the bookkeeping: every state change of a task lands in its store's job_log ----------


def _task_store(task: Any) -> Store | None:
    args = getattr(task, "args", None) or ()
    if not args or not isinstance(args[0], str):
        return None  # a periodic task: it submits real jobs, which are logged
    try:
        return store_for(args[0])
    except Exception:  # a store that cannot be opened: the task itself will say so
        logger.exception("job %s: cannot open its store to log it", getattr(task, "id", "?"))
        return None


@huey.signal(S.SIGNAL_EXECUTING)
def _on_executing(signal: str, task: Any, exc: BaseException | None = None) -> None:
    store = _task_store(task)
    if store is not None:
        job_log.mark_running(store, task.id)


@huey.signal(S.SIGNAL_COMPLETE)
def _on_complete(signal: str, task: Any, exc: BaseException | None = None) -> None:
    store = _task_store(task)
    if store is not None:
        job_log.mark_finished(store, task.id, "done", None)


@huey.signal(S.SIGNAL_ERROR, S.SIGNAL_TIMEOUT)
def _on_error(signal: str, task: Any, exc: BaseException | None = None) -> None:
    store = _task_store(task)
    if store is None:
        return
    error = f"{type(exc).__name__}: {exc}" if exc is not None else signal
    if task.retries:
        job_log.mark_retrying(store, task.id, error, task.retries)
    else:
        job_log.mark_finished(store, task.id, "failed", error)


@huey.signal(S.SIGNAL_INTERRUPTED)
def _on_interrupted(signal: str, task: Any, exc: BaseException | None = None) -> None:
    # The consumer stopped mid-task: put it back on the queue, so that it runs at the next
    # start (jobs are written to be run again safely: a crawl or a derivation redone).
    huey.enqueue(task)
    store = _task_store(task)
    if store is not None:
        job_log.mark_requeued(store, task.id)


# --- consumers -----------------------------------------------------------------------------


class EmbeddedConsumer(Consumer):
    """A consumer run as threads inside another program (`refaire serve`): that program
    owns the process's signals, so the consumer installs none."""

    def _set_signal_handlers(self) -> None:
        return None


def start_embedded(store_url: str, workers: int = 2, periodic: bool = True) -> Consumer:
    """Start consumer threads for `store_url`'s queue; `stop()` it on the way out."""
    use_queue(store_url)
    import refaire.jobs.tasks  # noqa: F401 (registers the tasks)

    consumer = EmbeddedConsumer(
        huey, workers=workers, periodic=periodic, worker_type="thread", max_delay=1.0,
        check_worker_health=False, shutdown_timeout=5,
    )  # fmt: skip
    consumer.start()
    return consumer


def stop_embedded(consumer: Consumer) -> None:
    """Stop the threads (waiting a few seconds for running jobs); a job still running then is
    put back on the queue for the next start."""
    consumer.stop(graceful=True)
    huey.notify_interrupted_tasks()


def run_worker(store_url: str, workers: int = 2, periodic: bool = True) -> None:
    """`refaire worker`: a consumer in this process until SIGINT/SIGTERM."""
    use_queue(store_url)
    import refaire.jobs.tasks  # noqa: F401 (registers the tasks)

    huey.create_consumer(workers=workers, periodic=periodic, worker_type="thread").run()


def prepare_soon(store: Store, queued: bool) -> None:
    """Bring the derived values up to date after a change: as a job when the app runs with
    the queue (`refaire serve`), else in a background thread of this process."""
    if queued:
        from refaire.jobs.tasks import derive

        # One waiting derivation covers every change made before it starts: a burst of
        # uploads, or N server processes starting at once, queue it once (a rare race
        # queues two; the task's lock then makes the second find nothing left to do).
        if not job_log.has_waiting(store, derive.name):
            submit(store, derive, label="derive observatory and matching values")
    else:
        from refaire.observatory.warm import prepare_in_background

        prepare_in_background(store)
