"""The one web application object: JSON API under /api, server-rendered pages elsewhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from refaire import __version__
from refaire.contract import errors
from refaire.contract.nul import refuse_nul
from refaire.store import Store, open_store

STATIC = Path(__file__).parent / "web" / "static"


def create_app(
    store: Store | None = None, database: str | None = None, prepare: bool = False
) -> FastAPI:
    """Build the app over a store (opened from `database` or the default URL if not given).

    With `prepare`, the app derives what the observatory and the matching engine need in
    a background thread when it starts and after each upload (`refaire serve` does).
    """
    from refaire.api import router as api_router
    from refaire.web import router as web_router
    from refaire.web.api_docs import add_api_docs
    from refaire.web.headers import SecurityHeaders

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.prepare:
            from refaire.observatory.warm import prepare_in_background

            prepare_in_background(app.state.store)
        yield

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
    app.include_router(api_router, prefix="/api")
    add_api_docs(app, docs_url="/api/docs", openapi_url="/api/openapi.json")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(web_router)
    from refaire.body_limit import BodyLimitMiddleware

    app.add_middleware(BodyLimitMiddleware)  # uploads: 413 past the size limit, 408 if stalled
    app.add_middleware(SecurityHeaders)
    from refaire.people.web import install as install_people

    install_people(app)  # HTML answers to refused page requests (CSRF, 401/403)
    return app
