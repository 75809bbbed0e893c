"""The JSON API. Each module adds its routes to `router`; errors as in `refaire.contract`."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter, Depends
from fastapi.routing import APIRoute

from refaire.contract.errors import error_responses
from refaire.people.auth import current_actor

# Every API request is attributed: a wrong bearer token is a 401 on any route and counts
# toward the client's limit (then 429 on any route); a route can meet a value it cannot use
# (400, e.g. a NUL), a malformed request (422), or a record or account that is not there
# (404: also the bootstrap token asking for "my" account, which is nobody's).
router = APIRouter(
    dependencies=[Depends(current_actor)], responses=error_responses(400, 401, 404, 422, 429)
)


def _declare_common_errors(routes: list) -> None:
    """Declare, on every route, the answers its shape makes possible: 404 where the path
    names a record, 403 where it writes (401 is declared on all), so that a new module's
    routes are documented without each one repeating it."""
    writes = {"POST", "PUT", "PATCH", "DELETE"}
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        codes = ([404] if "{" in route.path else []) + ([403] if route.methods & writes else [])
        for code, declared in error_responses(*codes).items():
            route.responses.setdefault(code, declared)


for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    if not _info.name.startswith("_"):
        _module = importlib.import_module(f"{__name__}.{_info.name}")
        if hasattr(_module, "router"):
            _declare_common_errors(_module.router.routes)
            router.include_router(_module.router)
