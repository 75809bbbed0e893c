"""What the production permission cases need in the permission scenario
(`test_write_permissions`): requests, quotes, orders and offers made on first use or per
call, through the services, by the scenario's member and its extra account `target`."""

from __future__ import annotations

from typing import Any

from refaire.people.auth import actor_for_user
from refaire.production import offers, orders, quotes
from refaire.production import requests as rq

PLACE = "Lyon"


def _actor(s: Any, name: str) -> Any:
    return actor_for_user(s.store, s.users[name], via="cli")


def member_request(s: Any, role: str = "") -> int:
    """A new public request of the scenario's member, for the probe design."""
    return rq.create_request(s.store, _actor(s, "member"), {
        "design": s.design, "quantity": 2, "place": PLACE})["id"]  # fmt: skip


def target_quote(s: Any, role: str = "") -> int:
    """A quote by `target` (as a maker) on a new request of the member."""
    return quotes.submit_quote(s.store, _actor(s, "target"), member_request(s), {
        "lines": [{"item": "probe", "amount": "12.00"}], "currency": "EUR",
        "lead_days": 3})["id"]  # fmt: skip


def member_order(s: Any, role: str = "", state: str = "accepted") -> int:
    """An order bought by the member from `target`, moved on to `state`."""
    oid = orders.accept_quote(s.store, _actor(s, "member"), target_quote(s))["id"]
    seller, buyer = _actor(s, "target"), _actor(s, "member")
    path = {"accepted": [], "received": [(seller, "in_production"), (seller, "shipped"),
                                         (buyer, "received")]}[state]  # fmt: skip
    for who, to in path:
        orders.transition(s.store, who, oid, to)
    return oid


def offer_of(s: Any, name: str) -> int:
    return offers.create_offer(s.store, _actor(s, name), offer_json(s, name)["json"])["id"]


def offer_json(s: Any, role: str) -> dict[str, Any]:
    return {"json": {"design": str(s.design), "price_breaks": [{"min_qty": 1, "unit_price": "9"}],
                     "currency": "EUR", "lead_days": 5, "place": PLACE, "radius_km": 30}}


def offer_form(s: Any, role: str) -> dict[str, Any]:
    return {"data": {"design": str(s.design), "price": "9", "currency": "EUR", "lead_days": "5",
                     "place": PLACE, "radius_km": "30"}}


def quote_form(s: Any, role: str) -> dict[str, Any]:
    return {"data": {"item_0": "probe", "amount_0": "10", "currency": "EUR", "lead_days": "2"}}


def request_form(s: Any, role: str) -> dict[str, Any]:
    return {"data": {"design": str(s.design), "quantity": "2", "place": PLACE}}
