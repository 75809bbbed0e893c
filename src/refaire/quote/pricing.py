"""Turn a job's grams and hours into priced lines with a facility's pricing.

A facility's pricing is a mapping; in an OKW record it is the `pricing` key, and keys may
be written kebab-case (`hourly-rate`, as OKW does) or snake_case (`hourly_rate`). All
optional:

- hourly_rate: machine time, currency per hour;
- material_price_per_g or material_price_per_cm3: currency per gram / per cm³ of material;
- setup_fee: once per order;
- minimum_order: the smallest order total;
- quantity_breaks: [{min_qty, discount}], discount as a fraction (0.1 = 10 %; values
  between 1 and 100 are read as percentages), the largest min_qty reached applies to
  material and machine time;
- currency: ISO 4217 code, EUR when not given.

Each amount is a number, or a mapping by process (fdm, sla, laser — laser-cutting is
read as laser) for hourly_rate, setup_fee and minimum_order, by material id (pla,
acrylic, … see rates.toml) for the material prices. The machine rate and the material
price come from `rates.toml` when the facility gives none, and the quote is then marked
`estimated_rates`; a facility that publishes prices but no setup fee or minimum charges
none. `check_pricing` validates a pricing mapping and returns it in the canonical form.
"""

from __future__ import annotations

import re
from typing import Any

from refaire.said import Said

from .model import Quote, QuoteLine, money
from .process import Job
from .rates import rates
from .wording import Wording


def _for(value: Any, key: str) -> float | None:
    """A number, or the entry for `key` in a mapping; a facility's own name for a material
    ("ASA", "felt") counts for the vocabulary id the quote uses (abs, textile)."""
    if isinstance(value, dict):
        value = value[key] if key in value else next(
            (v for k, v in value.items() if _vocabulary_id(str(k)) == key), None
        )
    return None if value is None else float(value)


def _vocabulary_id(name: str) -> str | None:
    from refaire.vocab.names import UnknownName, canonical_id

    try:
        return canonical_id(name, "material")
    except UnknownName:
        return None


def _discount(breaks: list[dict[str, Any]], qty: int, notes: list[Wording]) -> float:
    best, best_min = 0.0, 0
    for row in breaks or []:
        minimum, discount = int(row["min_qty"]), float(row["discount"])
        if 1 < discount <= 100:
            notes.append(Wording("discount.percent", {"discount": discount}))
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
        notes.append(Wording("rate.default", {"hourly": hourly, "currency": currency}))

    grams = {"qty": qty, "grams": job.material_g, "currency": currency}
    per_g = _for(given.get("material_price_per_g"), material_id)
    per_cm3 = _for(given.get("material_price_per_cm3"), material_id)
    if per_g is not None:
        material_cost = qty * job.material_g * per_g
        material_detail = Wording("line.per_g", {**grams, "price": per_g})
    elif per_cm3 is not None:
        material_cost = qty * job.material_cm3 * per_cm3
        material_detail = Wording(
            "line.per_cm3",
            {"qty": qty, "cm3": job.material_cm3, "price": per_cm3, "currency": currency},
        )
    else:
        per_g, estimated = mat["price_per_g"], True
        material_cost = qty * job.material_g * per_g
        material_detail = Wording("line.per_g_default", {**grams, "price": per_g})

    if pricing is None:
        setup, minimum = defaults["setup_fee"][process], defaults["minimum_order"]
        notes.append(Wording("pricing.none"))
    else:
        setup = _for(given.get("setup_fee"), process) or 0.0
        minimum = _for(given.get("minimum_order"), process) or 0.0

    machine_cost = job.machine_h * hourly
    lines = [
        QuoteLine("material", money(material_cost), material_detail),
        QuoteLine(
            "machine time",
            money(machine_cost),
            Wording(
                "line.machine",
                {"hours": job.machine_h, "hourly": hourly, "currency": currency},
            ),
        ),
    ]
    if setup:
        lines.append(QuoteLine("setup", money(setup), Wording("line.setup")))
    discount = _discount(given.get("quantity_breaks", []), qty, notes)
    if discount:
        lines.append(
            QuoteLine(
                "discount",
                -money((lines[0].amount + lines[1].amount) * discount),
                Wording("line.discount", {"discount": discount, "qty": qty}),
            )
        )
    subtotal = money(sum(line.amount for line in lines))
    if subtotal < minimum:
        lines.append(
            QuoteLine(
                "minimum order",
                money(minimum - subtotal),
                Wording("line.minimum", {"minimum": minimum, "currency": currency}),
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


# --- validation of a facility's pricing ---------------------------------------------------

PROCESS_KEYS = ("hourly_rate", "setup_fee", "minimum_order")
MATERIAL_KEYS = ("material_price_per_g", "material_price_per_cm3")
PRICING_KEYS = (*PROCESS_KEYS, *MATERIAL_KEYS, "quantity_breaks", "currency")
QUOTE_PROCESSES = ("fdm", "sla", "laser")
# Vocabulary process ids that managers naturally write for the quote processes.
_PROCESS_ALIASES = {"laser_cutting": "laser", "laser_engraving": "laser"}
_CURRENCY = re.compile(r"[A-Z]{3}")


def pricing_key(key: Any) -> str:
    """'hourly-rate', 'Hourly Rate', 'hourlyRate' -> 'hourly_rate'."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(key))
    return re.sub(r"[-\s]+", "_", text.strip()).lower()


def _amount(value: Any) -> float | None:
    """A non-negative number; numeric strings ("2.5", "2,5") are accepted."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip().replace(",", "."))
        except ValueError:
            return None
    if isinstance(value, int | float) and value >= 0 and value == value and value != float("inf"):
        return float(value)
    return None


def _by_key(
    name: str, value: Any, keys: tuple[str, ...] | list[str], alias: Any
) -> tuple[Any, list[tuple[str, str]]]:
    """A number, or a mapping of known keys (processes or materials) to numbers."""
    if not isinstance(value, dict):
        number = _amount(value)
        if number is None:
            return None, [(name, Said("manage.err.amount", value=value))]
        return number, []
    out: dict[str, float] = {}
    problems: list[tuple[str, str]] = []
    for raw_key, raw in value.items():
        key = alias(raw_key)
        where = f"{name}.{pricing_key(raw_key)}"
        if key not in keys:
            problems.append((where, Said("manage.err.price_key", given=raw_key, allowed=", ".join(keys))))
            continue
        number = _amount(raw)
        if number is None:
            problems.append((where, Said("manage.err.amount", value=raw)))
        else:
            out[key] = number
    return (out or None), problems


def _process_alias(key: Any) -> str:
    folded = pricing_key(key)
    return _PROCESS_ALIASES.get(folded, folded)


def _material_alias(key: Any) -> str:
    return str(key).strip().lower().replace("_", "-")


def _breaks(value: Any) -> tuple[list[dict[str, Any]] | None, list[tuple[str, str]]]:
    if not isinstance(value, list):
        return None, [
            ("quantity_breaks", Said("manage.err.breaks", value=value))
        ]
    rows: list[dict[str, Any]] = []
    problems: list[tuple[str, str]] = []
    for i, row in enumerate(value):
        where = f"quantity_breaks[{i}]"
        if not isinstance(row, dict):
            problems.append((where, Said("manage.err.break", value=row)))
            continue
        row = {pricing_key(k): v for k, v in row.items()}
        minimum, discount = _amount(row.get("min_qty")), _amount(row.get("discount"))
        if minimum is None or minimum < 1 or minimum != int(minimum):
            got = row.get("min_qty")
            problems.append((f"{where}.min_qty", Said("manage.err.min_qty", value=got)))
        elif discount is None or discount > 100:
            got = row.get("discount")
            problems.append(
                (
                    f"{where}.discount",
                    Said("manage.err.discount", value=got),
                )
            )
        else:
            rows.append({"min_qty": int(minimum), "discount": discount})
    return sorted(rows, key=lambda r: r["min_qty"]), problems


def check_pricing(
    raw: Any, keep_unknown: bool = False
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """A facility's pricing validated: (canonical pricing, [(field, message)]).

    Keys are folded to snake_case; wrong values are left out and reported with their
    field path (`hourly_rate`, `quantity_breaks[1].discount`). Keys that are not pricing
    keys are reported too, and left out, or kept as they are with `keep_unknown` (a
    record's membership fees are information even if quotes do not use them). Never
    raises.
    """
    if not isinstance(raw, dict):
        return {}, [("", f"expected a mapping of prices, got {type(raw).__name__}")]
    from .rates import rates

    materials = sorted(rates()["materials"])
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for raw_key, value in raw.items():
        key = pricing_key(raw_key)
        if value is None or value == "":
            continue
        if key in PROCESS_KEYS:
            checked, found = _by_key(key, value, QUOTE_PROCESSES, _process_alias)
        elif key in MATERIAL_KEYS:
            checked, found = _by_key(key, value, materials, _material_alias)
        elif key == "quantity_breaks":
            checked, found = _breaks(value)
        elif key == "currency":
            code = value.strip().upper() if isinstance(value, str) else None
            checked = code if code and _CURRENCY.fullmatch(code) else None
            found = [] if checked else [(key, f"expected a 3-letter currency code, got {value!r}")]
        else:
            checked = value if keep_unknown else None
            found = [(key, f"not a pricing key (known: {', '.join(PRICING_KEYS)})")]
        problems.extend(found)
        if checked is not None:
            out[key] = checked
    return out, problems


def quote_pricing(pricing: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of a stored pricing that quotes use, or None when it sets no price.

    Facility records also carry membership fees and the like from other sources; a
    pricing that sets no amount (at most a currency) means "no published prices".
    """
    if not pricing:
        return None
    given = {k: v for k, v in pricing.items() if k in PRICING_KEYS}
    return given if set(given) - {"currency"} else None
