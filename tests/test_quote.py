"""Quotes for a 20 mm cube, checked against the documented models worked by hand.

The constants below are those of `rates.toml`; the first test pins them, so that a change
of rates shows up here as such rather than as a wrong figure further down.
"""

from __future__ import annotations

import math

import pytest

from refaire.geometry import measure_bytes
from refaire.geometry.vector2d import measure_vector_bytes
from refaire.quote import quote_mesh, quote_vector
from refaire.quote.rates import rates


def cube_stl(side: float) -> bytes:
    """An ASCII STL cube, outward-facing, written out corner by corner."""
    p = [(x * side, y * side, z * side) for x in (0, 1) for y in (0, 1) for z in (0, 1)]
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    lines = ["solid cube"]
    for a, b, c, d in quads:
        for tri in ((a, b, c), (a, c, d)):
            lines += ["facet normal 0 0 0", "outer loop"]
            lines += ["vertex {} {} {}".format(*p[i]) for i in tri]
            lines += ["endloop", "endfacet"]
    return "\n".join([*lines, "endsolid cube"]).encode()


CUBE = measure_bytes("cube.stl", cube_stl(20))  # V 8000 mm³, A 2400 mm², h 20


def test_rates_are_the_documented_ones() -> None:
    r = rates()
    assert r["fdm"] == {
        "wall_thickness_mm": 0.8, "infill": 0.2, "volumetric_rate_mm3_s": 2.5, "warmup_h": 0.1,
    }  # fmt: skip
    assert r["materials"]["pla"]["density_g_cm3"] == 1.24
    assert r["materials"]["pla"]["price_per_g"] == 0.025
    assert r["defaults"]["hourly_rate"]["fdm"] == 3.0
    assert r["defaults"]["setup_fee"]["fdm"] == 2.0 and r["defaults"]["minimum_order"] == 5.0
    assert r["sla"]["supports_factor"] == 0.1 and r["sla"]["seconds_per_layer"] == 8.0
    assert r["materials"]["acrylic"]["cut_speed_mm_s"] == {
        "3": 15.0, "5": 8.0, "8": 4.0, "10": 2.5, "15": 1.0,
    }  # fmt: skip


def test_fdm_cube_default_rates() -> None:
    # shell = min(8000, 2400 × 0.8) = 1920; printed = 1920 + 6080 × 0.2 = 3136 mm³
    # mass = 3.136 cm³ × 1.24 = 3.88864 g; material = 3.88864 × 0.025 = 0.097216 → 0.10
    # hours = 0.1 + 3136 / 2.5 / 3600 = 0.448444…; machine = × 3 = 1.34533 → 1.35
    # setup 2.00; subtotal 3.45 < minimum 5.00 → minimum line 1.55; total 5.00
    q = quote_mesh(CUBE, "pla", None)
    d = q.to_dict()
    assert d["estimated_rates"] is True and d["currency"] == "EUR"
    assert d["figures"]["printed_mm3"] == 3136.0
    assert d["figures"]["material_g_per_unit"] == pytest.approx(3.889, abs=1e-3)
    assert [(line["item"], line["amount"]) for line in d["lines"]] == [
        ("material", 0.10),
        ("machine time", 1.35),
        ("setup", 2.0),
        ("minimum order", 1.55),
    ]
    assert d["total"] == 5.0


def test_fdm_cube_facility_pricing_and_quantity_break() -> None:
    pricing = {
        "hourly_rate": 4.0,
        "material_price_per_g": 0.05,
        "setup_fee": 3.0,
        "minimum_order": 10.0,
        "quantity_breaks": [{"min_qty": 5, "discount": 0.05}, {"min_qty": 10, "discount": 0.1}],
        "currency": "CHF",
    }
    q = quote_mesh(CUBE, "pla", pricing, qty=10)
    # material = 10 × 3.88864 × 0.05 = 1.944 → 1.94
    # hours = 0.1 + 10 × 3136 / 2.5 / 3600 = 3.584444; × 4 = 14.3378 → 14.34
    # discount 10 % of (1.94 + 14.34) = 1.628 → −1.63; setup 3; total 17.65 ≥ 10
    amounts = [(line.item, line.amount) for line in q.lines]
    assert amounts == [
        ("material", 1.94),
        ("machine time", 14.34),
        ("setup", 3.0),
        ("discount", -1.63),
    ]
    assert q.total == 17.65 and q.unit_price == 1.77
    assert q.currency == "CHF" and q.estimated_rates is False


def test_partial_pricing_is_marked_estimated_and_per_cm3() -> None:
    q = quote_mesh(CUBE.to_dict(), "petg", {"material_price_per_cm3": 0.1})
    assert q.estimated_rates is True  # the hourly rate came from the defaults
    # material = 3.136 cm³ × 0.1 = 0.3136 → 0.31; no setup or minimum from the facility
    assert [(line.item, line.amount) for line in q.lines] == [
        ("material", 0.31),
        ("machine time", 1.35),
    ]


def test_sla_cube() -> None:
    # resin = 8000 × 1.1 = 8800 mm³ = 8.8 cm³ × 1.10 g/cm³ = 9.68 g × 0.045 = 0.4356 → 0.44
    # layers = ceil((20 + 5) / 0.05) = 500; hours = 0.05 + 2 × 500 × 8 / 3600 = 2.27222
    # machine = 2.27222 × 6 = 13.6333 → 13.63; material for 2 = 0.8712 → 0.87; setup 5
    q = quote_mesh(CUBE, "resin", None, qty=2)
    assert q.process == "sla" and q.figures["layers"] == 500
    assert [(line.item, line.amount) for line in q.lines] == [
        ("material", 0.87),
        ("machine time", 13.63),
        ("setup", 5.0),
    ]
    assert q.total == 19.5


def test_laser_plate_with_hole() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="50mm" '
        b'viewBox="0 0 100 50"><rect width="100" height="50"/>'
        b'<circle cx="50" cy="25" r="10"/></svg>'
    )
    report = measure_vector_bytes("plate.svg", svg)
    assert report.ok
    length = 300 + 2 * math.pi * 10
    assert report.cut_length_mm == pytest.approx(length, rel=1e-4)
    assert report.area_mm2 == pytest.approx(5000 - math.pi * 100, rel=1e-4)
    q = quote_vector(report, "acrylic", 4.0, {"hourly_rate": 30, "material_price_per_g": 0.012})
    # speed at 4 mm: between 3 mm (15) and 5 mm (8) → 11.5 mm/s
    speed = 11.5
    cut_s = report.cut_length_mm / speed * 1.15
    sheet_g = 100 * 50 * 4 / 1000 * 1.19  # 23.8 g
    assert q.figures["cut_speed_mm_s"] == pytest.approx(speed)
    assert [(line.item, line.amount) for line in q.lines] == [
        ("material", round(sheet_g * 0.012, 2)),
        ("machine time", round(cut_s / 3600 * 30, 2)),
    ]
    engraved = quote_vector(report, "acrylic", 4.0, None, engrave_area_mm2=600)
    assert engraved.figures["engrave_s"] == pytest.approx(20.0)


def test_refusals() -> None:
    with pytest.raises(ValueError, match="unknown material"):
        quote_mesh(CUBE, "unobtainium", None)
    with pytest.raises(ValueError, match="not a sla material"):
        quote_mesh(CUBE, "pla", None, process="sla")
    with pytest.raises(ValueError, match="quote_vector"):
        quote_mesh(CUBE, "acrylic", None)
    with pytest.raises(ValueError, match="could not be measured"):
        quote_mesh(measure_bytes("e.stl", b""), "pla", None)
    plate = measure_vector_bytes(
        "p.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>'
    )
    with pytest.raises(ValueError, match="thicker than 15 mm"):
        quote_vector(plate, "acrylic", 20, None)
