"""Reviews: after an order is received, each party may review the other once (1–5, text).

The buyer reviews the seller (the facility, or the maker); the seller reviews the buyer.
A unique index (order, author) makes "once" hold even under concurrent posts. Facility and
maker pages show the count and the mean: these are stated opinions of named parties.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from refaire.people import audit
from refaire.people._common import stamp
from refaire.people.actor import Actor
from refaire.production.access import ProductionError, require_member
from refaire.said import Said
from refaire.store import Store
from refaire.store.tables import production_reviews


def review(store: Store, actor: Actor, oid: int, rating: Any, text: str | None) -> dict:
    from refaire.production.orders import REVIEWABLE, order_detail

    require_member(actor, Said("prod.what.review_order"))
    order = order_detail(store, actor, oid)  # UnknownRecord for a non-party
    if order["party"] not in ("buyer", "seller"):
        raise ProductionError([("", Said("prod.err.review_who"))], status=403)
    if order["state"] not in REVIEWABLE:
        raise ProductionError([("order", Said("prod.err.review_when",
                                     state=Said(f"prod.state_id.{order['state']}")))], status=409)  # fmt: skip
    try:
        stars = int(str(rating).strip())
        if not 1 <= stars <= 5:
            raise ValueError
    except ValueError:
        raise ProductionError([("rating", Said("prod.err.rating", value=rating))]) from None
    text = (text or "").strip()[:3000] or None
    values: dict[str, Any] = {"order_id": oid, "author_id": actor.user_id, "rating": stars,
                              "text": text, "at": stamp()}  # fmt: skip
    if order["party"] == "buyer":
        values.update(subject_facility_id=order["facility_id"],
                      subject_user_id=order["maker_user_id"])  # fmt: skip
    else:
        values["subject_user_id"] = order["buyer_id"]
    try:
        with store.engine.begin() as conn:
            rid = conn.execute(insert(production_reviews).values(**values)).inserted_primary_key[0]
            audit.record(conn, actor, "order.review", "order", str(oid), None,
                         {"review": rid, "rating": stars})  # fmt: skip
    except IntegrityError:
        raise ProductionError([("", Said("prod.err.reviewed"))], status=409) from None
    return {"id": rid, **values}


def reviews_of_order(store: Store, oid: int) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(production_reviews).where(
            production_reviews.c.order_id == oid).order_by(production_reviews.c.id)).all()
    return [dict(r._mapping) for r in rows]


def summary(store: Store, facility_id: int | None = None, user_id: int | None = None,
            items: int = 0) -> dict[str, Any]:  # fmt: skip
    """Count and mean of the reviews of a facility (or of a member), and the latest ones."""
    t = production_reviews
    if facility_id is not None:
        where = t.c.subject_facility_id == facility_id
    elif user_id is not None:
        where = (t.c.subject_user_id == user_id) & t.c.subject_facility_id.is_(None)
    else:
        return {"count": 0, "mean": None, "items": []}
    with store.engine.connect() as conn:
        n, mean = conn.execute(select(func.count(), func.avg(t.c.rating)).where(where)).one()
        rows = conn.execute(select(t.c.rating, t.c.text, t.c.at).where(where)
                            .order_by(t.c.id.desc()).limit(items)).all() if items else []  # fmt: skip
    return {"count": n or 0, "mean": round(float(mean), 2) if mean is not None else None,
            "items": [dict(r._mapping) for r in rows]}  # fmt: skip
