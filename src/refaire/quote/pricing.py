"""Turn a job's grams and hours into priced lines with a facility's pricing.

Pricing keys (all optional): hourly_rate, material_price_per_g or material_price_per_cm3
(a number, or a mapping material id → number), setup_fee, minimum_order,
quantity_breaks [{min_qty, discount}] (discount as a fraction, 0.1 = 10 %; values between
1 and 100 are read as percentages), currency. The machine rate and the material price come
from `rates.toml` when the facility gives none, and the quote is then marked
`estimated_rates`; a facility that publishes prices but no setup fee or minimum charges none.
"""

from __future__ import annotations

from typing import Any

from .model import Quote, QuoteLine, money
from .process import Job
from .rates import rates


def _for(value: Any, key: str) -> float | None:
    """A number, or the entry for `key` in a mapping."""
    if isinstance(value, dict):
        value = value.get(key)
    return None if value is None else float(value)


def _discount(breaks: list[dict[str, Any]], qty: int, notes: list[str]) -> float:
    best, best_min = 0.0, 0
    for row in breaks or []:
        minimum, discount = int(row["min_qty"]), float(row["discount"])
        if 1 < discount <= 100:
            notes.append(f"quantity break discount {discount:g} read as {discount:g} %")
            discount /= 100
        if not 0 <= discount <= 1:
            raise ValueError(f"quantity break discount {discount!r} is not a fraction of 1")
        if qty >= minimum and minimum >= best_min:
            best, best_min = discount, minimum
    return best


def price(
    job: Job,
    process: str,
    material_id: str,
    mat: dict[str, Any],
    pricing: dict[str, Any] | None,
    qty: int,
) -> Quote:
    if qty < 1:
        raise ValueError("quantity must be at least 1")
    defaults = rates()["defaults"]
    given = pricing or {}
    notes = list(job.assumptions)
    estimated = False
    currency = given.get("currency") or rates()["currency"]

    hourly = _for(given.get("hourly_rate"), process)
    if hourly is None:
        hourly, estimated = defaults["hourly_rate"][process], True
        notes.append(f"machine rate {hourly:g} {currency}/h is a default, not the facility's")

    per_g = _for(given.get("material_price_per_g"), material_id)
    per_cm3 = _for(given.get("material_price_per_cm3"), material_id)
    if per_g is not None:
        material_cost = qty * job.material_g * per_g
        material_detail = f"{qty} × {job.material_g:.2f} g × {per_g:g} {currency}/g"
    elif per_cm3 is not None:
        material_cost = qty * job.material_cm3 * per_cm3
        material_detail = f"{qty} × {job.material_cm3:.2f} cm³ × {per_cm3:g} {currency}/cm³"
    else:
        per_g, estimated = mat["price_per_g"], True
        material_cost = qty * job.material_g * per_g
        material_detail = f"{qty} × {job.material_g:.2f} g × {per_g:g} {currency}/g (default price)"

    if pricing is None:
        setup, minimum = defaults["setup_fee"][process], defaults["minimum_order"]
        notes.append("no facility pricing: default setup fee and minimum order")
    else:
        setup = _for(given.get("setup_fee"), process) or 0.0
        minimum = _for(given.get("minimum_order"), process) or 0.0

    machine_cost = job.machine_h * hourly
    lines = [
        QuoteLine("material", money(material_cost), material_detail),
        QuoteLine(
            "machine time",
            money(machine_cost),
            f"{job.machine_h:.3f} h × {hourly:g} {currency}/h",
        ),
    ]
    if setup:
        lines.append(QuoteLine("setup", money(setup), "once per order"))
    discount = _discount(given.get("quantity_breaks", []), qty, notes)
    if discount:
        lines.append(
            QuoteLine(
                "discount",
                -money((lines[0].amount + lines[1].amount) * discount),
                f"{discount:.0%} off material and machine time for {qty} pieces",
            )
        )
    subtotal = money(sum(line.amount for line in lines))
    if subtotal < minimum:
        lines.append(
            QuoteLine(
                "minimum order",
                money(minimum - subtotal),
                f"raised to the {minimum:g} {currency} minimum",
            )
        )
    figures = {
        "material_g_per_unit": round(job.material_g, 3),
        "material_cm3_per_unit": round(job.material_cm3, 3),
        "machine_hours": round(job.machine_h, 4),
    }
    figures.update({k: round(v, 3) for k, v in job.figures.items()})
    return Quote(
        process=process,
        material=material_id,
        quantity=qty,
        currency=currency,
        lines=lines,
        estimated_rates=estimated,
        assumptions=notes,
        figures=figures,
    )
