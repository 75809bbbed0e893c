"""Physical models of a job: how much material and how many machine hours, per process.

Prices are applied afterwards (`pricing.py`); these functions only turn geometry into
grams and hours, with the constants of `rates.toml`.

FDM (shell + infill):
    shell    = min(V, A × wall_thickness)      # perimeters and skins as one skin layer
    printed  = shell + (V − shell) × infill
    hours    = warmup + quantity × printed / volumetric_rate / 3600
SLA (resin + supports, layer time):
    resin    = V × (1 + supports_factor)
    layers   = ceil((height + support_height) / layer_height)
    hours    = warmup + quantity × layers × seconds_per_layer / 3600
Laser (cut length and engraving):
    cut      = cut_length / speed(material, thickness) × (1 + travel_factor)
    hours    = quantity × (cut + engrave_area / engrave_rate) / 3600
    sheet    = bbox width × height × thickness     # the stock a part consumes
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from refaire.said import Said

from .wording import Wording


@dataclass(slots=True)
class Job:
    """Per-unit material, hours for the whole quantity, and how they were obtained."""

    material_cm3: float  # per unit
    material_g: float  # per unit
    machine_h: float  # for the whole quantity
    figures: dict[str, float] = field(default_factory=dict)
    assumptions: list[Wording] = field(default_factory=list)


def fdm(
    volume_mm3: float, area_mm2: float, mat: dict[str, Any], r: dict[str, Any], qty: int
) -> Job:
    wall, infill, rate = r["wall_thickness_mm"], r["infill"], r["volumetric_rate_mm3_s"]
    shell = min(volume_mm3, area_mm2 * wall)
    printed = shell + (volume_mm3 - shell) * infill
    hours = r["warmup_h"] + qty * printed / rate / 3600
    return Job(
        material_cm3=printed / 1000,
        material_g=printed / 1000 * mat["density_g_cm3"],
        machine_h=hours,
        figures={"shell_mm3": shell, "printed_mm3": printed},
        assumptions=[
            Wording("fdm.shell", {"wall": wall, "infill": infill}),
            Wording("fdm.rate", {"rate": rate, "warmup": r["warmup_h"]}),
        ],
    )


def sla(
    volume_mm3: float, height_mm: float, mat: dict[str, Any], r: dict[str, Any], qty: int
) -> Job:
    resin = volume_mm3 * (1 + r["supports_factor"])
    layers = math.ceil((height_mm + r["support_height_mm"]) / r["layer_height_mm"])
    hours = r["warmup_h"] + qty * layers * r["seconds_per_layer"] / 3600
    return Job(
        material_cm3=resin / 1000,
        material_g=resin / 1000 * mat["density_g_cm3"],
        machine_h=hours,
        figures={"resin_mm3": resin, "layers": layers},
        assumptions=[
            Wording("sla.solid", {"supports": r["supports_factor"]}),
            Wording(
                "sla.layers",
                {
                    "height": height_mm,
                    "support": r["support_height_mm"],
                    "layer": r["layer_height_mm"],
                    "seconds": r["seconds_per_layer"],
                },
            ),
        ],
    )


def cut_speed(material_id: str, mat: dict[str, Any], thickness_mm: float) -> float:
    """Linear interpolation in the material's thickness → speed table."""
    table = sorted((float(t), float(s)) for t, s in mat["cut_speed_mm_s"].items())
    if thickness_mm <= 0:
        raise ValueError(Said("quote.err.thickness_positive"))
    if thickness_mm > table[-1][0]:
        raise ValueError(Said("quote.err.too_thick", material=material_id, most=f"{table[-1][0]:g}"))
    if thickness_mm <= table[0][0]:
        return table[0][1]
    for (t0, s0), (t1, s1) in zip(table, table[1:], strict=False):
        if t0 <= thickness_mm <= t1:
            return s0 + (s1 - s0) * (thickness_mm - t0) / (t1 - t0)
    raise AssertionError("unreachable: thickness inside the table")


def laser(
    cut_length_mm: float,
    bbox_mm: list[float],
    engrave_area_mm2: float,
    thickness_mm: float,
    material_id: str,
    mat: dict[str, Any],
    r: dict[str, Any],
    qty: int,
) -> Job:
    speed = cut_speed(material_id, mat, thickness_mm)
    cut_s = cut_length_mm / speed * (1 + r["travel_factor"])
    engrave_s = engrave_area_mm2 / r["engrave_mm2_s"]
    sheet = bbox_mm[0] * bbox_mm[1] * thickness_mm
    return Job(
        material_cm3=sheet / 1000,
        material_g=sheet / 1000 * mat["density_g_cm3"],
        machine_h=qty * (cut_s + engrave_s) / 3600,
        figures={
            "cut_speed_mm_s": speed,
            "cut_s": cut_s,
            "engrave_s": engrave_s,
            "sheet_mm3": sheet,
        },
        assumptions=[
            Wording(
                "laser.cut",
                {
                    "material": material_id,
                    "thickness": thickness_mm,
                    "speed": speed,
                    "travel": r["travel_factor"],
                },
            ),
            Wording("laser.sheet", {"w": bbox_mm[0], "h": bbox_mm[1]}),
        ]
        + (
            [
                Wording(
                    "laser.engrave",
                    {"area": engrave_area_mm2, "rate": r["engrave_mm2_s"]},
                )
            ]
            if engrave_area_mm2
            else []
        ),
    )
