"""The one web application object: JSON API under /api, server-rendered pages elsewhere."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from refaire import __version__
from refaire.store import Store, open_store

STATIC = Path(__file__).parent / "web" / "static"


def create_app(store: Store | None = None, database: str | None = None) -> FastAPI:
    """Build the app over a store (opened from `database` or the default URL if not given)."""
    from refaire.api import router as api_router
    from refaire.web import router as web_router

    app = FastAPI(
        title="Refaire",
        version=__version__,
        description="Open designs, the places that make them, and who can make what near you.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.store = store or open_store(database)
    app.include_router(api_router, prefix="/api")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(web_router)
    return app
