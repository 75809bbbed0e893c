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


@dataclass(slots=True)
class Job:
    """Per-unit material, hours for the whole quantity, and how they were obtained."""

    material_cm3: float  # per unit
    material_g: float  # per unit
    machine_h: float  # for the whole quantity
    figures: dict[str, float] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)


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
            f"FDM shell {wall} mm (area × thickness) and {infill:.0%} infill",
            f"average deposition {rate} mm³/s, warm-up {r['warmup_h']} h per order",
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
            f"SLA printed solid, supports add {r['supports_factor']:.0%} resin",
            f"printed as oriented in the file: {height_mm:.4g} mm high + "
            f"{r['support_height_mm']} mm of supports, {r['layer_height_mm']} mm layers at "
            f"{r['seconds_per_layer']} s each, one part per plate",
        ],
    )


def cut_speed(material_id: str, mat: dict[str, Any], thickness_mm: float) -> float:
    """Linear interpolation in the material's thickness → speed table."""
    table = sorted((float(t), float(s)) for t, s in mat["cut_speed_mm_s"].items())
    if thickness_mm <= 0:
        raise ValueError("thickness must be positive")
    if thickness_mm > table[-1][0]:
        raise ValueError(
            f"{material_id} thicker than {table[-1][0]:g} mm is beyond the default laser "
            "table: ask the facility"
        )
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
            f"cutting {material_id} {thickness_mm:g} mm at {speed:.3g} mm/s "
            f"(+{r['travel_factor']:.0%} travel and piercing)",
            f"material charged as the bounding rectangle {bbox_mm[0]:.4g} × {bbox_mm[1]:.4g} mm",
        ]
        + (
            [f"engraving {engrave_area_mm2:.4g} mm² at {r['engrave_mm2_s']} mm²/s"]
            if engrave_area_mm2
            else []
        ),
    )
