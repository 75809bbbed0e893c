"""Requests, offers, orders and deliveries in the Valueflows vocabulary, as JSON-LD.

Valueflows (https://w3id.org/valueflows/ont/vf#) is the REA vocabulary of distributed
economic networks. Mapping: a public request is a `vf:Proposal` publishing one `vf:Intent`
(the requester receives `quantity` of the design); an active offer is a `vf:Proposal`
publishing the maker's `vf:Intent` to provide it, with a reciprocal `vf:Intent` for its
price; an order is a `vf:Agreement` with a `vf:Commitment` (seller provides, buyer
receives) as its clause; a received order is a `vf:EconomicEvent` (transfer) fulfilling
that commitment. The context is inline, so any JSON-LD processor reads the document
without fetching anything. Private requests are never published; orders and deliveries only
to their parties (and admins): a reader sees the document their rights allow.
People appear as opaque ids (no names or mails); facilities with their public name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from refaire.people.actor import Actor
from refaire.production.access import managed_facility_ids
from refaire.store import Store
from refaire.store.tables import (
    facilities,
    production_offers,
    production_order_events,
    production_orders,
    production_requests,
)

VF = "https://w3id.org/valueflows/ont/vf#"
OM2 = "http://www.ontology-of-units-of-measure.org/resource/om-2/"
CURRENCY = "urn:iso:std:iso:4217:"
CONTEXT: dict[str, Any] = {
    "vf": VF, "om2": OM2, "xsd": "http://www.w3.org/2001/XMLSchema#",
    "name": "vf:name", "note": "vf:note",
    "provider": {"@id": "vf:provider", "@type": "@id"},
    "receiver": {"@id": "vf:receiver", "@type": "@id"},
    "action": {"@id": "vf:action", "@type": "@id"},
    "resourceConformsTo": {"@id": "vf:resourceConformsTo", "@type": "@id"},
    "resourceQuantity": "vf:resourceQuantity",
    "hasNumericalValue": {"@id": "om2:hasNumericalValue", "@type": "xsd:decimal"},
    "hasUnit": {"@id": "om2:hasUnit", "@type": "@id"},
    "publishes": {"@id": "vf:publishes", "@type": "@id"},
    "reciprocal": {"@id": "vf:reciprocal", "@type": "@id"},
    "clauseOf": {"@id": "vf:clauseOf", "@type": "@id"},
    "fulfills": {"@id": "vf:fulfills", "@type": "@id"},
    "due": {"@id": "vf:due", "@type": "xsd:date"},
    "created": {"@id": "vf:created", "@type": "xsd:dateTime"},
    "hasPointInTime": {"@id": "vf:hasPointInTime", "@type": "xsd:dateTime"},
    "finished": {"@id": "vf:finished", "@type": "xsd:boolean"},
    "unitBased": {"@id": "vf:unitBased", "@type": "xsd:boolean"},
}  # fmt: skip
ONE = OM2 + "one"


def _qty(n: Any, unit: str = ONE) -> dict[str, Any]:
    return {"@type": "om2:Measure", "hasNumericalValue": str(n), "hasUnit": unit}


def document(store: Store, actor: Actor, base: str, day: str | None = None) -> dict[str, Any]:
    """The JSON-LD graph; `day` (YYYY-MM-DD) keeps what was created or moved that day."""
    base = base.rstrip("/") + "/"

    def agent(uid: int | None, fid: int | None) -> str:
        return f"{base}facilities/{fid}" if fid is not None else f"{base}people/{uid}"

    def design(did: int | None) -> str | None:
        return f"{base}designs/{did}" if did is not None else None

    graph: list[dict[str, Any]] = []
    admin = actor.is_admin and actor.has_scope("admin")
    mine = managed_facility_ids(store, actor)
    with store.engine.connect() as conn:
        reqs = conn.execute(select(production_requests).where(
            production_requests.c.visibility == "public")).all()  # fmt: skip
        offers = conn.execute(select(production_offers).where(
            production_offers.c.active.is_(True))).all()  # fmt: skip
        orders = conn.execute(select(production_orders)).all()
        received = {r.order_id: r.at for r in conn.execute(select(
            production_order_events.c.order_id, production_order_events.c.at).where(
            production_order_events.c.to_state == "received"))}  # fmt: skip
        names = dict(conn.execute(select(facilities.c.id, facilities.c.name)).all())
    for r in reqs:
        if day and not r.created_at.startswith(day):
            continue
        intent = {"@id": f"{base}production/requests/{r.id}#intent", "@type": "vf:Intent",
                  "action": VF + "transfer", "receiver": agent(r.requester_id, None),
                  "resourceQuantity": _qty(r.quantity), "name": r.title,
                  "created": r.created_at}  # fmt: skip
        if r.design_id is not None:
            intent["resourceConformsTo"] = design(r.design_id)
        if r.deadline:
            intent["due"] = r.deadline
        graph += [intent, {"@id": f"{base}production/requests/{r.id}", "@type": "vf:Proposal",
                           "name": f"Request: {r.title}", "publishes": [intent["@id"]],
                           "unitBased": False, "created": r.created_at}]  # fmt: skip
    for o in offers:
        if day and not o.created_at.startswith(day):
            continue
        me = f"{base}offers/{o.id}"
        provide = {"@id": me + "#intent", "@type": "vf:Intent", "action": VF + "transfer",
                   "provider": agent(o.maker_user_id, o.facility_id), "name": o.title,
                   "resourceQuantity": _qty(1)}  # fmt: skip
        if o.design_id is not None:
            provide["resourceConformsTo"] = design(o.design_id)
        elif o.okh_url:
            provide["resourceConformsTo"] = o.okh_url
        price = {"@id": me + "#price", "@type": "vf:Intent", "action": VF + "transfer",
                 "receiver": provide["provider"],
                 "resourceQuantity": _qty(o.price_breaks[0]["unit_price"], CURRENCY + o.currency)}
        graph += [provide, price, {"@id": me, "@type": "vf:Proposal", "name": o.title,
                                   "publishes": [provide["@id"]], "reciprocal": [price["@id"]],
                                   "unitBased": True, "created": o.created_at}]  # fmt: skip
    for o in orders:
        party = admin or actor.user_id in (o.buyer_id, o.maker_user_id) or o.facility_id in mine
        moved = received.get(o.id)
        if not party or (day and not o.created_at.startswith(day)
                         and not (moved or "").startswith(day)):  # fmt: skip
            continue
        me = f"{base}orders/{o.id}"
        seller = agent(o.maker_user_id, o.facility_id)
        commitment = {"@id": me + "#commitment", "@type": "vf:Commitment",
                      "action": VF + "transfer", "provider": seller,
                      "receiver": agent(o.buyer_id, None), "resourceQuantity": _qty(o.quantity),
                      "clauseOf": me, "name": o.title, "created": o.created_at,
                      "finished": o.state in ("received", "closed")}  # fmt: skip
        if o.design_id is not None:
            commitment["resourceConformsTo"] = design(o.design_id)
        graph += [commitment, {"@id": me, "@type": "vf:Agreement", "name": f"Order {o.id}",
                               "created": o.created_at,
                               "note": f"{o.total} {o.currency} agreed between the parties; "
                                       "no payment processed by Refaire"}]  # fmt: skip
        if moved:
            graph.append({"@id": me + "#delivery", "@type": "vf:EconomicEvent",
                          "action": VF + "transfer", "provider": seller,
                          "receiver": commitment["receiver"],
                          "resourceQuantity": _qty(o.quantity), "fulfills": commitment["@id"],
                          "hasPointInTime": moved})  # fmt: skip
    for node in graph:  # facilities that appear get their public name
        for key in ("provider", "receiver"):
            ref = node.get(key, "")
            if ref.startswith(f"{base}facilities/"):
                fid = int(ref.rsplit("/", 1)[1])
                graph.append({"@id": ref, "@type": "vf:Organization",
                              "name": names.get(fid, "")})  # fmt: skip
    seen: set[str] = set()
    unique = [n for n in graph if not (n["@id"] in seen or seen.add(n["@id"]))]
    return {"@context": CONTEXT, "@graph": unique}
