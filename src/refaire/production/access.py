"""Errors, parties and money shared by the production services.

A party of an order is its buyer (the member who asked or ordered) or its seller (the
managers of the facility that quoted, or the maker who did); site admins may act on a
disputed order. A private request (visibility "recipients") or any order is readable only by
its parties: anyone else gets the same "not found" as for a record that does not exist, so
existence does not leak. Amounts are `Decimal` with an ISO 4217 currency that Babel knows.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from refaire.manage.access import NotAllowed
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.store import Store

SCOPE = "write:production"
MAX_AMOUNT = Decimal("100000000")  # beyond this an amount is a typo, not a price
MAX_QUANTITY = 100_000

__all__ = ["NotAllowed", "ProductionError", "UnknownRecord", "SCOPE"]


class ProductionError(ValueError):
    """A request that cannot be done; `problems` lists every (field, message); `status` is
    422 for wrong values, 409 for a state that forbids it; `allowed` names the moves that
    the state does allow (an order transition out of order)."""

    def __init__(self, problems: list[tuple[str, str]], status: int = 422,
                 allowed: list[dict[str, str]] | None = None) -> None:  # fmt: skip
        self.problems = problems
        self.status = status
        self.allowed = allowed
        super().__init__("; ".join(f"{f}: {m}" if f else m for f, m in problems))


class UnknownRecord(LookupError):
    """No such request, quote, order or offer, or one the reader may not see."""


def require_member(actor: Actor, what: str) -> None:
    """`what` is a `Said` (`prod.what.*`), so the refusal is worded in the reader's language."""
    doing = what
    if actor.is_anonymous:
        raise NotAllowed(Said("manage.err.sign_in", what=doing), status=401)
    if not actor.has_scope(SCOPE):
        raise NotAllowed(Said("prod.err.scope", scope=SCOPE, what=doing))
    if actor.user_id is None:  # the bootstrap token or the operator: nobody to answer to
        raise NotAllowed(Said("prod.err.as_member", what=doing))


@cache
def currencies() -> frozenset[str]:
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def currency(value: Any, field: str = "currency") -> str:
    code = str(value or "").strip().upper()
    if code not in currencies():
        raise ProductionError([(field, Said("prod.err.currency", value=value))])
    return code


def amount(value: Any, field: str, *, allow_zero: bool = True) -> Decimal:
    """A non-negative amount with at most 2 decimals, exactly as given."""
    try:
        d = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ProductionError([(field, Said("prod.err.not_amount", value=value))]) from None
    if not d.is_finite():
        raise ProductionError([(field, Said("prod.err.amount_finite"))])
    if d < 0 or (d == 0 and not allow_zero):
        raise ProductionError([(field, Said("prod.err.amount_positive", value=str(d)))])
    if d >= MAX_AMOUNT:
        raise ProductionError([(field, Said("prod.err.amount_huge", value=str(d)))])
    if d != d.quantize(Decimal("0.01")):
        raise ProductionError([(field, Said("prod.err.amount_decimals", value=str(d)))])
    return d.quantize(Decimal("0.01"))


def quantity(value: Any, field: str = "quantity") -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise ProductionError([(field, Said("prod.err.not_whole", value=value))]) from None
    if n < 1 or n > MAX_QUANTITY:
        raise ProductionError([(field, Said("prod.err.quantity_range", max=MAX_QUANTITY, value=n))])
    return n


def row_id(value: Any) -> int | None:
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 10 else None


def managed_facility_ids(store: Store, actor: Actor) -> set[int]:
    """Row ids of the facilities the actor (co-)manages."""
    from sqlalchemy import select

    from refaire.store.tables import facility_managers

    if actor.user_id is None:
        return set()
    with store.engine.connect() as conn:
        return set(conn.execute(select(facility_managers.c.facility_id).where(
            facility_managers.c.user_id == actor.user_id)).scalars())  # fmt: skip


def seller_side(store: Store, actor: Actor, facility_id: int | None,
                maker_user_id: int | None) -> bool:  # fmt: skip
    """True when the actor speaks for the seller: the maker, or a manager of the facility."""
    if actor.user_id is None:
        return False
    if maker_user_id is not None:
        return maker_user_id == actor.user_id
    return facility_id is not None and facility_id in managed_facility_ids(store, actor)


def party_of(store: Store, actor: Actor, order: dict[str, Any]) -> str | None:
    """"buyer", "seller", "admin" (a site admin who is neither) or None."""
    if actor.user_id is not None and actor.user_id == order["buyer_id"]:
        return "buyer"
    if seller_side(store, actor, order["facility_id"], order["maker_user_id"]):
        return "seller"
    if actor.is_admin and actor.has_scope("admin"):
        return "admin"
    return None
