"""The JSON API. Each module adds its routes to `router`."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter, Depends

from refaire.people.auth import current_actor

# Every API request is attributed: a wrong bearer token is a 401 on any route.
router = APIRouter(dependencies=[Depends(current_actor)])

for _info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
    if not _info.name.startswith("_"):
        _module = importlib.import_module(f"{__name__}.{_info.name}")
        if hasattr(_module, "router"):
            router.include_router(_module.router)
