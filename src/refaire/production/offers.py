"""Made-to-order offers: "I make this open design, in these materials, at this price".

An offer belongs to a maker (a member) or to a facility its managers speak for; it names a
registry design, or the maker's own product with its OKH manifest URL; variants (material,
colour, size), a unit price per quantity break, lead time, where it delivers (a radius
around its place, and/or whole countries) and a shipping cost. Search is by words, sector
(the design's) and "near me": by place alone, the in-memory index of where active offers
are (`production.offer_near`, rebuilt when offers or facilities were written); with words
or other filters too, a bounding-box query on the covering index of cells and coordinates;
then the exact distance, keeping offers whose delivery radius reaches the searcher. Ordering an
offer makes an order with the same lifecycle as an accepted quote.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import Connection, Select, bindparam, func, insert, select, update

from refaire.geo import bounding_box, cells_covering, grid_cell
from refaire.match.select import top_lexsort
from refaire.people import audit
from refaire.people._common import stamp
from refaire.people.actor import Actor
from refaire.places import PlaceError, resolve_place
from refaire.production.access import (
    ProductionError,
    UnknownRecord,
    amount,
    currency,
    managed_facility_ids,
    quantity,
    require_member,
    row_id,
    seller_side,
)
from refaire.production.offer_near import offer_near
from refaire.said import Said, Worded
from refaire.store import Store
from refaire.store.facility_near import haversine_many
from refaire.store.generations import bump
from refaire.store.tables import facilities, production_offers, users
from refaire.text import fold

MAX_VARIANTS = 50
MAX_BREAKS = 20
DEFAULT_NEAR_KM = 100.0


def _check(store: Store, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    from refaire.store.designs import get_design
    from refaire.store.facilities import get_facility

    problems: list[tuple[str, str]] = []
    v: dict[str, Any] = {}
    fid = row_id(data.get("facility")) if data.get("facility") not in (None, "") else None
    if data.get("facility") not in (None, "") and (fid is None or fid not in managed_facility_ids(store, actor)):
        problems.append(("facility", Said("prod.err.not_manager")))
    v["facility_id"], v["maker_user_id"] = fid, None if fid else actor.user_id
    design_name = ""
    if data.get("design") not in (None, ""):
        found = get_design(store, str(data["design"]).strip())
        if found is None:
            problems.append(("design", Said("prod.err.no_design", design=data["design"])))
        else:
            v["design_id"], d = found
            design_name = d.name
            v["sector"] = d.sectors[0] if d.sectors else None
    title = str(data.get("title") or design_name).strip()[:300]
    if not title:
        problems.append(("title", Said("prod.err.offer_title")))
    v["title"] = title
    v["description"] = str(data.get("description") or "").strip()[:5000] or None
    okh = str(data.get("okh_url") or "").strip()
    if okh and not okh.startswith(("https://", "http://")):
        problems.append(("okh_url", Said("prod.err.okh_url")))
    if not okh and "design_id" not in v:
        problems.append(("design", Said("prod.err.offer_design")))
    v["okh_url"] = okh or None
    variants = []
    for i, x in enumerate((data.get("variants") or [])[:MAX_VARIANTS]):
        var = {k: str(x.get(k) or "").strip()[:80] for k in ("material", "colour", "size")}
        if not any(var.values()):
            problems.append((f"variants.{i}", Said("prod.err.variant_empty")))
        variants.append(var)
    v["variants"] = variants or [{"material": "", "colour": "", "size": ""}]
    breaks = []
    raw = data.get("price_breaks") or []
    if not raw or len(raw) > MAX_BREAKS:
        problems.append(("price_breaks", Said("prod.err.price_breaks", max=MAX_BREAKS)))
    for i, b in enumerate(raw[:MAX_BREAKS]):
        try:
            breaks.append({"min_qty": quantity(b.get("min_qty", 1), f"price_breaks.{i}.min_qty"),
                           "unit_price": str(amount(b.get("unit_price"),
                                                    f"price_breaks.{i}.unit_price", allow_zero=False))})
        except ProductionError as exc:
            problems += exc.problems
    breaks.sort(key=lambda b: b["min_qty"])
    if breaks and breaks[0]["min_qty"] != 1:
        problems.append(("price_breaks", Said("prod.err.first_break")))
    v["price_breaks"] = breaks
    for field, check in (("currency", lambda: currency(data.get("currency"))),
                         ("shipping", lambda: str(amount(data.get("shipping") or 0, "shipping")))):
        try:
            v[field] = check()
        except ProductionError as exc:
            problems += exc.problems
    try:
        lead = int(str(data.get("lead_days")).strip())
        if not 0 <= lead <= 730:
            raise ValueError
        v["lead_days"] = lead
    except (TypeError, ValueError):
        problems.append(("lead_days", Said("prod.err.lead_days", max=730)))
    place = str(data.get("place") or "").strip()
    if not place and fid:
        f = get_facility(store, fid)[1]
        if f.latitude is not None and f.longitude is not None:
            place = f"{f.latitude},{f.longitude}"
    try:
        p = resolve_place(place)
        v.update(place=p.label[:300], latitude=p.latitude, longitude=p.longitude)
    except PlaceError as exc:
        problems.append(("place", Worded(exc)))
    try:
        radius = float(data.get("radius_km") or 50)
        if not 0 <= radius <= 20000:
            raise ValueError
        v["radius_km"] = radius
    except (TypeError, ValueError):
        problems.append(("radius_km", Said("prod.err.delivery_radius")))
    countries = [str(c).strip().upper() for c in (data.get("countries") or []) if str(c).strip()]
    bad = [c for c in countries if len(c) != 2 or not c.isalpha()]
    if bad:
        problems.append(("countries", Said("prod.err.countries", bad=", ".join(bad))))
    v["countries"] = countries
    if problems:
        raise ProductionError(problems)
    v["cell"] = grid_cell(v["latitude"], v["longitude"])
    v["search_text"] = fold(" ".join(filter(None, [title, design_name, v["description"],
                                                   " ".join(x["material"] for x in variants)])))
    return v


def create_offer(store: Store, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    require_member(actor, Said("prod.what.publish_offer"))
    values = _check(store, actor, data)
    values.update(author_id=actor.user_id, active=True, created_at=stamp())
    with store.engine.begin() as conn:
        oid = conn.execute(insert(production_offers).values(**values)).inserted_primary_key[0]
        bump(conn, "offers")  # the "near me" index (production.offer_near) is rebuilt
        audit.record(conn, actor, "offer.create", "offer", str(oid), None,
                     {"title": values["title"], "design_id": values.get("design_id")})
    return offer_detail(store, oid)


def withdraw_offer(store: Store, actor: Actor, oid: int) -> dict[str, Any]:
    require_member(actor, Said("prod.what.withdraw_offer"))
    o = offer_detail(store, oid)
    if not seller_side(store, actor, o["facility_id"], o["maker_user_id"]) and not actor.is_admin:
        raise ProductionError([("", Said("prod.err.withdraw_who"))],
                              status=403)  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(update(production_offers).where(production_offers.c.id == oid)
                     .values(active=False))  # fmt: skip
        bump(conn, "offers")
        audit.record(conn, actor, "offer.withdraw", "offer", str(oid), {"active": True},
                     {"active": False})  # fmt: skip
    return offer_detail(store, oid)


_COLUMNS = (production_offers, facilities.c.name.label("facility_name"),
            users.c.display_name.label("maker_name"))  # fmt: skip
_FROM = production_offers.outerjoin(facilities, facilities.c.id == production_offers.c.facility_id
                                    ).outerjoin(users, users.c.id == production_offers.c.maker_user_id)


def _dict(row: Any) -> dict[str, Any]:
    o = dict(row._mapping)
    o.pop("search_text", None)
    o["seller_name"] = o["facility_name"] or o["maker_name"] or f"maker {o['maker_user_id']}"
    o["from_price"] = o["price_breaks"][0]["unit_price"] if o["price_breaks"] else None
    return o


def offer_detail(store: Store, oid: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(select(*_COLUMNS).select_from(_FROM)
                           .where(production_offers.c.id == oid)).first()  # fmt: skip
    if row is None:
        raise UnknownRecord(Said("err.no_offer", id=oid))
    return _dict(row)


def _near_statement(words: int, sector: bool, design: bool, maker: bool, facility: bool,
                    cells: bool) -> Select:  # fmt: skip
    """The candidate query of one shape of search, built once: only bound values change, so
    SQLAlchemy neither rebuilds the expression nor recomputes its cache key per search."""
    key = (words, sector, design, maker, facility, cells)
    stmt = _NEAR.get(key)
    if stmt is not None:
        return stmt
    t = production_offers
    # the columns of ix_production_offers_near only: candidates come from the index alone
    where = [t.c.active.is_(True)]
    if cells:
        where.append(t.c.cell.in_(bindparam("cells", expanding=True)))
    where += [t.c.latitude.between(bindparam("lat0"), bindparam("lat1")),
              t.c.longitude.between(bindparam("lon0"), bindparam("lon1"))]  # fmt: skip
    where += [t.c.search_text.like(bindparam(f"w{i}"), escape="/") for i in range(words)]
    for wanted, column in ((sector, t.c.sector), (design, t.c.design_id),
                           (maker, t.c.maker_user_id), (facility, t.c.facility_id)):  # fmt: skip
        if wanted:
            where.append(column == bindparam(column.name))
    stmt = _NEAR[key] = select(t.c.id, t.c.latitude, t.c.longitude, t.c.radius_km).where(*where)
    return stmt


_NEAR: dict[tuple[Any, ...], Select] = {}
_PAGE = select(*_COLUMNS).select_from(_FROM).where(
    production_offers.c.id.in_(bindparam("ids", expanding=True)))  # fmt: skip


def _like(word: str) -> str:
    """`word` anywhere, its LIKE wildcards taken literally (escape character "/")."""
    return "%" + word.replace("/", "//").replace("%", "/%").replace("_", "/_") + "%"


def _search_near(conn: Connection, words: list[str], filters: dict[str, Any],
                 near: tuple[float, float], radius_km: float, limit: int,
                 offset: int) -> tuple[int, list[dict[str, Any]]]:  # fmt: skip
    """(total, page) of offers within `radius_km` of `near` whose delivery reaches it.

    The bounding box on the indexed cells and coordinates first, then the exact distance
    over the candidates at once (numpy), then only the page's offers are read whole.
    """
    box = bounding_box(near[0], near[1], radius_km)
    cells = cells_covering(box)  # the few grid cells around, on their index
    params: dict[str, Any] = {"lat0": box[0], "lat1": box[1], "lon0": box[2], "lon1": box[3]}
    if cells is not None:
        params["cells"] = cells
    params.update((f"w{i}", _like(w)) for i, w in enumerate(words))
    params.update((k, v) for k, v in filters.items() if v is not None)
    stmt = _near_statement(len(words), *(filters[k] is not None for k in _FILTERS),
                           cells is not None)  # fmt: skip
    found = conn.execute(stmt, params).all()
    if not found:
        return 0, []
    ids, lats, lons, reach = (np.asarray(c) for c in zip(*found, strict=True))
    dist = haversine_many(near[0], near[1], lats.astype(float), lons.astype(float))
    inside = (dist <= radius_km) & (dist <= reach.astype(float))
    return int(inside.sum()), _page(conn, ids[inside], dist[inside], limit, offset)


def _page(conn: Connection, ids: np.ndarray, dist: np.ndarray, limit: int,
          offset: int) -> list[dict[str, Any]]:  # fmt: skip
    """The page of offers `ids` at distances `dist`: nearest first, equal distances by id;
    only the rows up to the page are ordered, and only the page's offers are read."""
    top = top_lexsort((ids, dist), offset + limit)[offset:]
    page = [(float(dist[j]), int(ids[j])) for j in top]
    rows = {r.id: r for r in conn.execute(_PAGE, {"ids": [oid for _, oid in page]})} if page else {}
    # an offer deleted since the ids were read is left out, not failed on
    return [{**_dict(rows[oid]), "distance_km": round(d, 1)} for d, oid in page if oid in rows]


_FILTERS = ("sector", "design_id", "maker_user_id", "facility_id")


def search_offers(store: Store, q: str | None = None, sector: str | None = None,
                  near: tuple[float, float] | None = None, radius_km: float = DEFAULT_NEAR_KM,
                  design: int | None = None, maker: int | None = None,
                  facility: int | None = None, limit: int = 50,
                  offset: int = 0) -> dict[str, Any]:  # fmt: skip
    """Active offers by words, sector, design, seller, and "near me" (they deliver there)."""
    t = production_offers
    words = fold(q or "").split()[:8]
    sector = sector or None  # an empty sector filters nothing, as below
    if near is not None:
        filters = dict(zip(_FILTERS, (sector, design, maker, facility), strict=True))
        plain = not words and all(v is None for v in filters.values())
        with store.engine.connect() as conn:
            if plain:  # place alone: the in-memory index of where offers deliver
                ids, dist = offer_near(store).near(near[0], near[1], radius_km)
                total, items = len(ids), _page(conn, ids, dist, limit, offset)
            else:
                total, items = _search_near(conn, words, filters, near, radius_km, limit, offset)
        return {"total": total, "limit": limit, "offset": offset, "items": items}
    where = [t.c.active.is_(True)]
    for word in words:
        where.append(t.c.search_text.contains(word, autoescape=True))
    if sector:
        where.append(t.c.sector == sector)
    if design is not None:
        where.append(t.c.design_id == design)
    if maker is not None:
        where.append(t.c.maker_user_id == maker)
    if facility is not None:
        where.append(t.c.facility_id == facility)
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t).where(*where)).scalar() or 0
        rows = conn.execute(select(*_COLUMNS).select_from(_FROM).where(*where)
                            .order_by(t.c.id.desc()).limit(limit).offset(offset)).all()  # fmt: skip
    return {"total": total, "limit": limit, "offset": offset, "items": [_dict(r) for r in rows]}


def unit_price(offer: dict[str, Any], qty: int) -> Decimal:
    """The price of the largest quantity break not above `qty`."""
    price = Decimal(offer["price_breaks"][0]["unit_price"])
    for b in offer["price_breaks"]:
        if qty >= b["min_qty"]:
            price = Decimal(b["unit_price"])
    return price


def order_offer(store: Store, actor: Actor, oid: int, data: dict[str, Any]) -> dict[str, Any]:
    """Order an offer: an accepted order at the offer's price for that quantity."""
    from refaire.production.messages import send_all
    from refaire.production.orders import open_order, order_detail

    require_member(actor, Said("prod.what.order"))
    offer = offer_detail(store, oid)
    if not offer["active"]:
        raise ProductionError([("offer", Said("prod.err.offer_withdrawn"))], status=409)
    if seller_side(store, actor, offer["facility_id"], offer["maker_user_id"]):
        raise ProductionError([("offer", Said("prod.err.own_offer"))], status=403)
    qty = quantity(data.get("quantity"))
    try:
        variant = int(data.get("variant") or 0)
        chosen = offer["variants"][variant]
        if variant < 0:
            raise IndexError
    except (ValueError, IndexError):
        raise ProductionError([("variant", Said("prod.err.variant_range", max=len(offer["variants"]) - 1))]) from None
    unit = unit_price(offer, qty)
    shipping = Decimal(offer["shipping"])
    total = (unit * qty + shipping).quantize(Decimal("0.01"))
    place = str(data.get("place") or "").strip()[:300] or None
    with store.engine.begin() as conn:
        order_id, mails = open_order(conn, actor, {
            "offer_id": oid, "buyer_id": actor.user_id, "facility_id": offer["facility_id"],
            "maker_user_id": offer["maker_user_id"], "title": offer["title"],
            "design_id": offer["design_id"], "quantity": qty,
            "details": {"variant": chosen, "unit_price": str(unit), "shipping": str(shipping),
                        "place": place, "lines": [
                            {"item": f"{qty} × {offer['title']}", "amount": str(unit * qty)},
                            {"item": "shipping", "amount": str(shipping)}]},
            "total": str(total), "currency": offer["currency"], "lead_days": offer["lead_days"]})
    send_all(mails, store)
    return order_detail(store, actor, order_id)
