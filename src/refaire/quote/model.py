"""The result of a quote: priced lines, the physical figures behind them, the assumptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .wording import Wording


def money(value: float) -> float:
    """Rounded to cents, half up as on an invoice (plain round() is half-even on floats)."""
    return float(Decimal(repr(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass(slots=True)
class QuoteLine:
    item: str  # material, machine time, setup, discount, minimum order
    amount: float  # in the quote's currency, rounded to cents; negative for a discount
    detail: Wording  # how it was computed, in words and numbers

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {"item": self.item, "amount": self.amount, "detail": self.detail.text(lang)}


@dataclass(slots=True)
class Quote:
    process: str
    material: str
    quantity: int
    currency: str
    lines: list[QuoteLine]
    estimated_rates: bool  # True when any rate came from the defaults, not the facility
    assumptions: list[Wording] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)  # grams, hours, volumes …

    @property
    def total(self) -> float:
        return money(sum(line.amount for line in self.lines))

    @property
    def unit_price(self) -> float:
        return money(self.total / self.quantity)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """The quote as JSON, its words in `lang` (en or fr)."""
        return {
            "process": self.process,
            "material": self.material,
            "quantity": self.quantity,
            "currency": self.currency,
            "total": self.total,
            "unit_price": self.unit_price,
            "lines": [line.to_dict(lang) for line in self.lines],
            "estimated_rates": self.estimated_rates,
            "assumptions": [a.text(lang) for a in self.assumptions],
            "figures": dict(self.figures),
        }
