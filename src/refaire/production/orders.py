"""Orders and their state machine.

`TRANSITIONS` is the whole lifecycle: for each state, the states it may move to and the
party allowed to make each move. Anything else is refused with 409 naming the moves the
state allows (and by whom). A move is a compare-and-set on (state, version): of two
concurrent moves from one state only one succeeds, the other is told the new state, so no
transition is ever lost or applied twice. Each move is an event row, an audit entry, an
inbox notice and a mail to the other party. No payment is processed: the total is what the
parties agreed; paying is between them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from refaire.people import audit
from refaire.people._common import stamp
from refaire.people.actor import Actor
from refaire.production.access import (
    ProductionError,
    UnknownRecord,
    managed_facility_ids,
    party_of,
    require_member,
)
from refaire.production.messages import messages_of, notify, people_of_facility, send_all
from refaire.production.requests import load_readable, set_status
from refaire.said import Joined, Said
from refaire.store import Store
from refaire.store.tables import (
    facilities,
    production_order_events,
    production_orders,
    production_quotes,
    users,
)

BUYER, SELLER, ADMIN = "buyer", "seller", "admin"
# state -> {next state: parties allowed to move there}
TRANSITIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "accepted": {"in_production": (SELLER,), "cancelled": (BUYER, SELLER)},
    "in_production": {"ready": (SELLER,), "shipped": (SELLER,), "cancelled": (SELLER,),
                      "disputed": (BUYER,)},  # fmt: skip
    "ready": {"received": (BUYER,), "disputed": (BUYER, SELLER)},
    "shipped": {"received": (BUYER,), "disputed": (BUYER, SELLER)},
    "received": {"closed": (BUYER, SELLER), "disputed": (BUYER, SELLER)},
    "disputed": {"closed": (ADMIN,), "cancelled": (ADMIN,), "in_production": (ADMIN,)},
    "closed": {},
    "cancelled": {},
}
STATES = tuple(TRANSITIONS)
NEEDS_REASON = ("cancelled", "disputed")
REVIEWABLE = ("received", "closed")


def _state(state: str) -> Said:
    """A state id that French pages word ("in_production" stays as it is in English)."""
    return Said(f"prod.state_id.{state}")


def _parties(who: tuple[str, ...]) -> Joined:
    return Joined(Said("prod.word_or"), [Said(f"prod.party_id.{p}") for p in who])


def allowed_moves(state: str) -> list[dict[str, str]]:
    return [{"to": to, "by": " or ".join(who)} for to, who in TRANSITIONS[state].items()]


def _load(conn: Connection, oid: int) -> dict[str, Any] | None:
    row = conn.execute(
        select(production_orders, facilities.c.name.label("facility_name"),
               users.c.display_name.label("maker_name"))
        .select_from(production_orders
                     .outerjoin(facilities, facilities.c.id == production_orders.c.facility_id)
                     .outerjoin(users, users.c.id == production_orders.c.maker_user_id))
        .where(production_orders.c.id == oid)).first()  # fmt: skip
    return dict(row._mapping) if row else None


def _readable(store: Store, actor: Actor, oid: int) -> tuple[dict[str, Any], str]:
    with store.engine.connect() as conn:
        order = _load(conn, oid)
    party = party_of(store, actor, order) if order else None
    if order is None or party is None:
        raise UnknownRecord(Said("err.no_order", id=oid))  # not a party: as if it did not exist
    return order, party


def open_order(conn: Connection, actor: Actor, values: dict[str, Any]) -> tuple[int, list]:
    """Insert an accepted order (from a quote or an offer) with its first event; the mails."""
    now = stamp()
    values = {**values, "state": "accepted", "version": 1, "created_at": now, "updated_at": now}
    oid = conn.execute(insert(production_orders).values(**values)).inserted_primary_key[0]
    conn.execute(insert(production_order_events).values(
        order_id=oid, from_state=None, to_state="accepted", party=BUYER, actor=actor.label,
        at=now))  # fmt: skip
    audit.record(conn, actor, "order.create", "order", str(oid), None,
                 {k: values[k] for k in ("quote_id", "offer_id", "total", "currency", "quantity")
                  if k in values})  # fmt: skip
    sellers = ([values["maker_user_id"]] if values.get("maker_user_id")
               else people_of_facility(conn, values.get("facility_id")))  # fmt: skip
    mails = notify(conn, sellers, f"Order {oid}: {values['title']}",
                   f"{values['quantity']} × {values['title']} accepted at {values['total']} "
                   f"{values['currency']}. No payment goes through Refaire.", f"/orders/{oid}")
    return oid, mails


def accept_quote(store: Store, actor: Actor, qid: int) -> dict[str, Any]:
    """The requester accepts one quote: an order; the other quotes are declined."""
    require_member(actor, Said("prod.what.accept_quote"))
    with store.engine.connect() as conn:
        q = conn.execute(select(production_quotes).where(production_quotes.c.id == qid)).first()
    if q is None:
        raise UnknownRecord(Said("err.no_quote", id=qid))
    req, _ = load_readable(store, actor, q.request_id)
    if actor.user_id != req["requester_id"]:
        raise (UnknownRecord(Said("err.no_quote", id=qid)) if req["visibility"] != "public" else
               ProductionError([("", Said("prod.err.requester_accepts"))], status=403))
    if req["status"] != "open" or q.status != "open":
        raise ProductionError([("quote", Said("prod.err.one_quote", request=req["status"],
                                     quote=q.status))], status=409)  # fmt: skip
    if q.valid_until < date.today().isoformat():
        raise ProductionError([("quote", Said("prod.err.quote_expired", date=q.valid_until))], status=409)
    with store.engine.begin() as conn:
        # compare-and-set: a second acceptance (or a race) finds the quote no longer open
        won = conn.execute(update(production_quotes).where(
            production_quotes.c.id == qid, production_quotes.c.status == "open"
        ).values(status="accepted")).rowcount  # fmt: skip
        if not won:
            raise ProductionError([("quote", Said("prod.err.quote_answered"))], status=409)
        conn.execute(update(production_quotes).where(
            production_quotes.c.request_id == req["id"], production_quotes.c.id != qid,
            production_quotes.c.status == "open").values(status="declined"))  # fmt: skip
        set_status(conn, req["id"], "ordered")
        oid, mails = open_order(conn, actor, {
            "request_id": req["id"], "quote_id": qid, "buyer_id": actor.user_id,
            "facility_id": q.facility_id, "maker_user_id": q.maker_user_id,
            "title": req["title"], "design_id": req["design_id"], "quantity": req["quantity"],
            "details": {"lines": q.lines, "materials": req["materials"], "place": req["place"],
                        "conditions": q.conditions, "deadline": req["deadline"]},
            "total": q.total, "currency": q.currency, "lead_days": q.lead_days})  # fmt: skip
    send_all(mails, store)
    return order_detail(store, actor, oid)


def order_detail(store: Store, actor: Actor, oid: int) -> dict[str, Any]:
    from refaire.production.reviews import reviews_of_order

    order, party = _readable(store, actor, oid)
    with store.engine.connect() as conn:
        events = [dict(r._mapping) for r in conn.execute(
            select(production_order_events).where(production_order_events.c.order_id == oid)
            .order_by(production_order_events.c.id)).all()]  # fmt: skip
        messages = messages_of(conn, oid)
    moves = [m for m in allowed_moves(order["state"])
             if party in TRANSITIONS[order["state"]][m["to"]]]  # fmt: skip
    expected = None
    if order["created_at"]:
        expected = (date.fromisoformat(order["created_at"][:10])
                    + timedelta(days=order["lead_days"])).isoformat()  # fmt: skip
    return {**order, "party": party, "events": events, "messages": messages,
            "my_moves": moves, "allowed_moves": allowed_moves(order["state"]),
            "expected_by": expected, "seller_name": order["facility_name"] or order["maker_name"],
            "reviews": reviews_of_order(store, oid), "payment": "not processed by Refaire",
            "can_review": order["state"] in REVIEWABLE and party in (BUYER, SELLER)}  # fmt: skip


def transition(store: Store, actor: Actor, oid: int, to: str, note: str | None = None) -> dict:
    """Move the order to `to` if its state allows it for the actor's party; else 409."""
    require_member(actor, Said("prod.what.change_order"))
    order, party = _readable(store, actor, oid)
    state = order["state"]
    note = (note or "").strip()[:2000] or None
    if to not in STATES:
        raise ProductionError([("to", Said("prod.err.not_state", to=to, states=", ".join(STATES)))])
    allowed = TRANSITIONS[state]
    if to not in allowed or party not in allowed[to]:
        moves = allowed_moves(state)
        said = Joined(", ", [Said("prod.err.move_by", to=_state(m["to"]), by=_parties(
            TRANSITIONS[state][m["to"]])) for m in moves]) if moves else Said("prod.err.final")
        why = (Said("prod.err.not_allowed_from", to=_state(to), state=_state(state))
               if to not in allowed else
               Said("prod.err.only_party_moves", who=_parties(allowed[to]), to=_state(to)))
        raise ProductionError([("to", Said("prod.err.move_refused", why=why, state=_state(state),
                                           moves=said))], status=409,
                              allowed=moves)  # fmt: skip
    if to in NEEDS_REASON and not note:
        raise ProductionError([("note", Said("prod.err.say_why", to=_state(to)))])
    with store.engine.begin() as conn:
        changed = conn.execute(update(production_orders).where(
            production_orders.c.id == oid, production_orders.c.state == state,
            production_orders.c.version == order["version"],
        ).values(state=to, version=production_orders.c.version + 1, updated_at=stamp(),
                 cancelled_by=party if to == "cancelled" else production_orders.c.cancelled_by,
                 reason=note if to in NEEDS_REASON else production_orders.c.reason)).rowcount  # fmt: skip
        if not changed:  # someone moved it first: say from which state it now stands
            now = _load(conn, oid)
            raise ProductionError([("to", Said("prod.err.moved_meanwhile", state=_state(now["state"])))],
                                  status=409, allowed=allowed_moves(now["state"]))  # fmt: skip
        conn.execute(insert(production_order_events).values(
            order_id=oid, from_state=state, to_state=to, party=party, actor=actor.label,
            note=note, at=stamp()))  # fmt: skip
        audit.record(conn, actor, "order.transition", "order", str(oid), {"state": state},
                     {"state": to, "note": note})  # fmt: skip
        if to == "cancelled" and order["request_id"]:
            set_status(conn, order["request_id"], "cancelled")
        elif to == "closed" and order["request_id"]:
            set_status(conn, order["request_id"], "closed")
        others: list[int] = []
        if party != BUYER:
            others.append(order["buyer_id"])
        if party != SELLER:
            others += ([order["maker_user_id"]] if order["maker_user_id"]
                       else people_of_facility(conn, order["facility_id"]))  # fmt: skip
        mails = notify(conn, others, f"Order {oid}: {to.replace('_', ' ')}",
                       f"{order['title']}: {state} → {to} by the {party}."
                       + (f"\n{note}" if note else ""), f"/orders/{oid}")  # fmt: skip
    send_all(mails, store)
    return order_detail(store, actor, oid)


def list_orders(store: Store, actor: Actor, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """The orders I am a party of (bought, or sold by me or my facilities)."""
    require_member(actor, Said("prod.what.list_orders"))
    t = production_orders
    fids = managed_facility_ids(store, actor)
    where = or_(t.c.buyer_id == actor.user_id, t.c.maker_user_id == actor.user_id,
                t.c.facility_id.in_(fids or [-1]))  # fmt: skip
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t).where(where)).scalar()
        rows = conn.execute(select(t).where(where).order_by(t.c.id.desc())
                            .limit(limit).offset(offset)).all()  # fmt: skip
    items = [{**dict(r._mapping), "role": "buyer" if r.buyer_id == actor.user_id else "seller"}
             for r in rows]  # fmt: skip
    return {"total": total or 0, "limit": limit, "offset": offset, "items": items}
