"""The one web application object: JSON API under /api, server-rendered pages elsewhere."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from refaire import __version__
from refaire.contract import errors
from refaire.contract.nul import refuse_nul
from refaire.store import Store, open_store

STATIC = Path(__file__).parent / "web" / "static"
# With `listening`, the job consumer and the derivation start once the server has answered
# its first request, or this long after its socket listens if no request comes.
JOBS_GRACE_S = 2.0


class _FirstAnswer:
    """ASGI wrapper that sets `answered` when the first HTTP request has been answered."""

    def __init__(self, app: Any, answered: threading.Event) -> None:
        self.app = app
        self.answered = answered

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.answered.is_set() or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.answered.set()


def create_app(
    store: Store | None = None,
    database: str | None = None,
    prepare: bool = False,
    jobs: bool = False,
    job_workers: int = 0,
    listening: threading.Event | None = None,
    job_process: bool = False,
) -> FastAPI:
    """Build the app over a store (opened from `database` or the default URL if not given).

    With `prepare`, the app derives what the observatory and the matching engine need
    when it starts and after each upload (`refaire serve` does): in a background thread, or
    as a job on the queue with `jobs`. `job_workers` > 0 runs that many consumer threads
    of the queue inside this process while it serves; with `job_process` they run in one
    child process instead (`refaire serve` without `--no-worker`: `jobs.consumer_process`
    says why).
    `listening`, set by the server once its socket listens (`refaire serve`), defers the
    consumer threads and the derivation until the first request has been answered (or
    JOBS_GRACE_S later), so that they do not compete with the server's start; without it
    they start with the app.
    """
    from refaire.api import router as api_router
    from refaire.web import router as web_router
    from refaire.web.api_docs import add_api_docs
    from refaire.web.headers import SecurityHeaders

    answered = threading.Event()

    def start_jobs() -> Callable[[], None] | None:
        """Start the queue's consumer (if any) and the preparation; how to stop the consumer."""
        stop: Callable[[], None] | None = None
        in_child = False
        if app.state.jobs and job_workers > 0 and job_process:
            from refaire.jobs import consumer_process

            child = consumer_process.start(app.state.store.url, workers=job_workers)
            stop, in_child = partial(consumer_process.stop, child), True
        elif app.state.jobs and job_workers > 0:
            from refaire.jobs.queue import start_embedded, stop_embedded

            threads = start_embedded(app.state.store.url, workers=job_workers)
            stop = partial(stop_embedded, threads)
        if app.state.prepare:
            from refaire.jobs.queue import prepare_soon

            # a consumer in a child process cannot fill this process's caches (coverage,
            # facets, places, sector index): derive what is stale and warm them here
            prepare_soon(app.state.store, queued=app.state.jobs and not in_child)
        return stop

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.jobs:
            from refaire.jobs.queue import queue_mail, use_queue

            # at once: a request may queue a job before the consumer runs
            use_queue(app.state.store.url)
            queue_mail(app.state.store.url)  # mails go as jobs, retried, their failures logged
        stoppers: list[Callable[[], None] | None] = []
        stopping = threading.Event()

        def start_later() -> None:
            assert listening is not None
            listening.wait()
            answered.wait(timeout=JOBS_GRACE_S)
            if not stopping.is_set():
                stoppers.append(start_jobs())

        watcher = None
        if app.state.prepare:
            from refaire.observatory.warm import watch

            # writes by other processes (a CLI import) are prepared for here too
            watcher = watch(app.state.store, stopping)
        gate = None
        if listening is None:
            stoppers.append(start_jobs())
        else:
            gate = threading.Thread(target=start_later, name="refaire-jobs-start", daemon=True)
            gate.start()
        try:
            yield
        finally:
            stopping.set()
            if watcher is not None:
                watcher.join(timeout=5)
            if gate is not None:
                listening.set()  # type: ignore[union-attr]
                answered.set()
                gate.join()
            for stop in stoppers:
                if stop is not None:
                    stop()  # jobs cut short run again at the next start

    app = FastAPI(
        title="Refaire",
        version=__version__,
        description="Open designs, the places that make them, and who can make what near you.\n"
        + errors.DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None,  # served by add_api_docs: local assets, no inline script
        redoc_url=None,
        lifespan=lifespan,
        # one place refuses NUL in paths and queries, for the API and the pages alike
        dependencies=[Depends(refuse_nul)],
    )
    errors.install(app)
    app.state.store = store or open_store(database)
    app.state.prepare = prepare
    app.state.jobs = jobs
    app.include_router(api_router, prefix="/api")
    add_api_docs(app, docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(web_router)
    from refaire.federation.routes import router as federation_router

    app.include_router(federation_router)
    from refaire.body_limit import BodyLimitMiddleware

    app.add_middleware(BodyLimitMiddleware)  # uploads: 413 past the size limit, 408 if stalled
    app.add_middleware(SecurityHeaders)
    from refaire.people.web import install as install_people

    install_people(app)  # HTML answers to refused page requests (CSRF, 401/403)
    if listening is not None:
        app.add_middleware(_FirstAnswer, answered=answered)
    return app


def served_app() -> FastAPI:
    """The app of one `refaire serve --workers N` process, configured from the environment
    (`REFAIRE_DATABASE_URL`, `REFAIRE_SERVE_JOB_THREADS`)."""
    import os

    threads = int(os.environ.get("REFAIRE_SERVE_JOB_THREADS", "2"))
    return create_app(prepare=True, jobs=True, job_workers=threads)
