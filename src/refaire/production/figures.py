"""What the observatory counts of production: the practice "offers".

Counted from the records made in Refaire: production requests, made-to-order offers,
orders, and completed orders (received or closed). By month (UTC month of creation), by
sector (the design's CPC sector; a design in several sectors counts in each; without a
design: "unclassified") and by country (the selling facility's country; a maker without a
facility, or a request, is "not located": requests carry a place, not a country). The
median lead time is from order to reception, in days, over received orders; a request is
"answered within 48 h" when its first quote came less than 48 hours after it was made.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import func, select

from refaire.store.tables import (
    design_facets,
    facilities,
    production_offers,
    production_order_events,
    production_orders,
    production_quotes,
    production_requests,
)

NOT_LOCATED = "not located"
UNCLASSIFIED = "unclassified"
DONE = ("received", "closed")


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def production_figures(conn: Any, country: str | None = None) -> dict[str, Any]:
    sectors: dict[int, list[str]] = defaultdict(list)
    for did, value in conn.execute(select(design_facets.c.design_id, design_facets.c.value)
                                   .where(design_facets.c.facet == "sector")):  # fmt: skip
        if len(value) == 1:  # the CPC section (A–H, Y); classes refine it elsewhere
            sectors[did].append(value)
    countries = dict(conn.execute(select(facilities.c.id, facilities.c.country)).all())
    month: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sector: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    place: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def count(kind: str, created: str, did: int | None, cc: str | None) -> bool:
        if country and cc != country:
            return False
        month[created[:7]][kind] += 1
        for s in sectors.get(did, []) or [UNCLASSIFIED]:
            sector[s][kind] += 1
        place[cc or NOT_LOCATED][kind] += 1
        return True

    firsts = dict(conn.execute(select(production_quotes.c.request_id,
                                      func.min(production_quotes.c.created_at))
                               .group_by(production_quotes.c.request_id)).all())  # fmt: skip
    requests = answered = 0
    for rid, created, did in conn.execute(select(production_requests.c.id,
            production_requests.c.created_at, production_requests.c.design_id)):  # fmt: skip
        if count("requests", created, did, None):
            requests += 1
            first = firsts.get(rid)
            if first and (_when(first) - _when(created)).total_seconds() < 48 * 3600:
                answered += 1
    offers = 0
    for created, did, fid in conn.execute(select(production_offers.c.created_at,
            production_offers.c.design_id, production_offers.c.facility_id)):  # fmt: skip
        offers += count("offers", created, did, countries.get(fid))
    received = dict(conn.execute(select(production_order_events.c.order_id,
                                        func.min(production_order_events.c.at))
                                 .where(production_order_events.c.to_state == "received")
                                 .group_by(production_order_events.c.order_id)).all())  # fmt: skip
    orders = completed = 0
    leads: list[float] = []
    for oid, created, did, fid, state in conn.execute(select(
            production_orders.c.id, production_orders.c.created_at, production_orders.c.design_id,
            production_orders.c.facility_id, production_orders.c.state)):  # fmt: skip
        cc = countries.get(fid)
        if not count("orders", created, did, cc):
            continue
        orders += 1
        if state in DONE:
            completed += 1
            count("completed", created, did, cc)
            if oid in received:
                leads.append((_when(received[oid]) - _when(created)).total_seconds() / 86400)

    def rows(table: dict[str, dict[str, int]], key: str) -> list[dict[str, Any]]:
        kinds = ("requests", "offers", "orders", "completed")
        return [{key: k, **{x: v.get(x, 0) for x in kinds}} for k, v in table.items()]

    return {
        "requests": requests,
        "offers": offers,
        "orders": orders,
        "completed_orders": completed,
        "median_lead_days": round(median(leads), 2) if leads else None,
        "answered_48h_share": round(answered / requests, 4) if requests else None,
        "by_month": sorted(rows(month, "month"), key=lambda r: r["month"]),
        "by_sector": sorted(rows(sector, "sector"), key=lambda r: -r["orders"] - r["offers"]),
        "by_country": sorted(rows(place, "country"), key=lambda r: -r["orders"] - r["offers"]),
    }
