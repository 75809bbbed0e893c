"""Instant quotes from measured geometry: `quote_mesh` for 3D prints, `quote_vector` for
laser cutting. Pure functions: the caller supplies the facility's pricing dict (or None)."""

from __future__ import annotations

from typing import Any

from refaire.said import Said

from . import process as models
from .model import Quote
from .pricing import price
from .rates import material, materials_for, rates
from .wording import Wording


def _field(report: Any, name: str) -> Any:
    """Reports may be the dataclasses or their `to_dict()` (as stored or sent over HTTP)."""
    return report.get(name) if isinstance(report, dict) else getattr(report, name)


def quote_mesh(
    report: Any,
    material: str,
    pricing: dict[str, Any] | None,
    qty: int = 1,
    process: str | None = None,
) -> Quote:
    """Quote printing a measured mesh (a `MeshReport` or its dict) in FDM or SLA.

    `process` defaults to the material's own (pla → fdm, resin → sla). ValueError for an
    unusable report, an unknown material, or a material the process does not print.
    """
    mat = _material(material)
    chosen = (process or mat["process"]).lower()
    if chosen not in ("fdm", "sla"):
        raise ValueError(Said("quote.err.not_3d", process=chosen))
    if mat["process"] != chosen:
        raise ValueError(
            Said("quote.err.not_material", material=material, process=chosen, known=", ".join(materials_for(chosen)))
        )
    ok = _field(report, "ok")
    volume, area, bbox = (_field(report, k) for k in ("volume_mm3", "area_mm2", "bbox_mm"))
    if not ok or volume is None or area is None or not bbox:
        raise ValueError(Said("quote.err.mesh_unmeasured"))
    if volume <= 0:
        raise ValueError(Said("quote.err.no_volume"))
    if chosen == "fdm":
        job = models.fdm(volume, area, mat, rates()["fdm"], qty)
    else:
        job = models.sla(volume, bbox[2], mat, rates()["sla"], qty)
    if _field(report, "watertight") is False:
        job.assumptions.append(Wording("mesh.open"))
    return price(job, chosen, material.lower(), mat, pricing, qty)


def quote_vector(
    report2d: Any,
    material: str,
    thickness_mm: float,
    pricing: dict[str, Any] | None,
    qty: int = 1,
    engrave_area_mm2: float = 0.0,
) -> Quote:
    """Quote laser cutting a measured drawing (a `Report2D` or its dict)."""
    mat = _material(material)
    if mat["process"] != "laser":
        raise ValueError(Said("quote.err.not_laser", material=material, known=", ".join(materials_for("laser"))))
    ok, length, bbox = (_field(report2d, k) for k in ("ok", "cut_length_mm", "bbox_mm"))
    if not ok or length is None or not bbox:
        raise ValueError(Said("quote.err.drawing_unmeasured"))
    job = models.laser(
        length, bbox, engrave_area_mm2, thickness_mm, material.lower(), mat, rates()["laser"], qty
    )
    return price(job, "laser", material.lower(), mat, pricing, qty)


def _material(material_id: str) -> dict[str, Any]:
    return material(material_id)
