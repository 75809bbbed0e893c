"""The JSON API. Each module adds its routes to `router`; errors as in `refaire.contract`."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter

from refaire.contract.errors import error_responses

# every route can meet a value it cannot use (400, e.g. a NUL) or a malformed request (422)
router = APIRouter(responses=error_responses(400, 422))

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    if not _info.name.startswith("_"):
        _module = importlib.import_module(f"{__name__}.{_info.name}")
        if hasattr(_module, "router"):
            router.include_router(_module.router)
