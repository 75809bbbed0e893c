"""The design page's "conflicting claims" section: manifests an import kept aside.

A template global rather than a route of its own: the design page includes
`_design_conflicts.html`, which asks for the design's claims here, so the page
module itself needs no change.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from refaire.registry.conflicts import list_conflicts
from refaire.web import templates

router = APIRouter(include_in_schema=False)


def design_conflicts(request: Request, design_id: int) -> dict[str, Any]:
    """The design's latest claims (20), as `list_conflicts` gives them."""
    return list_conflicts(request.app.state.store, design_id=design_id, limit=20)


templates.env.globals["design_conflicts"] = design_conflicts
