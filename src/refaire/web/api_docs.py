"""The interactive API documentation (Swagger UI), served from this server.

FastAPI's own /docs page loads Swagger UI from a CDN and starts it with an inline script:
neither works under the site's Content-Security-Policy nor offline. Here the Swagger UI
assets come from the `swagger-ui-py` package, mounted under /static/swagger-ui, and the
page starts them from a static file, so /api/docs obeys the same policy as every page.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup


def swagger_ui_assets() -> Path:
    """The folder of Swagger UI's built files inside the installed `swagger_ui` package."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed (pip install swagger-ui-py)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} · API</title>
  <link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="{openapi_url}"></div>
  <script src="/static/swagger-ui/swagger-ui-bundle.js"></script>
  <script src="/static/js/api-docs.js"></script>
</body>
</html>
"""


def add_api_docs(app: FastAPI, docs_url: str, openapi_url: str) -> None:
    """Serve Swagger UI for `openapi_url` at `docs_url` (create the app with docs_url=None)."""
    app.mount("/static/swagger-ui", StaticFiles(directory=swagger_ui_assets()), name="swagger-ui")
    page = Markup(_PAGE).format(title=app.title, openapi_url=openapi_url)

    @app.get(docs_url, include_in_schema=False)
    def api_docs() -> HTMLResponse:
        return HTMLResponse(str(page))
