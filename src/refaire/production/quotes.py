"""Quotes: a facility's managers or a maker answer a request with priced lines.

`suggest` pre-fills the lines from the instant-quote engine (`quote.estimate.quote_mesh`)
with the facility's own published prices (default rates otherwise, and it says so), one
line per part whose mesh was measured; parts without a measured mesh get no line and a
note, never a made-up price. The quoter edits the lines; the total is their exact sum.
Several quotes per request are compared side by side: price, lead time, distance, reviews.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from refaire.geo import haversine_km
from refaire.people import audit
from refaire.people._common import stamp
from refaire.people.actor import Actor
from refaire.production.access import (
    ProductionError,
    UnknownRecord,
    amount,
    currency,
    managed_facility_ids,
    require_member,
    row_id,
)
from refaire.production.messages import notify, send_all
from refaire.production.requests import load_readable
from refaire.said import Said
from refaire.store import Store
from refaire.store.tables import facilities, production_quotes, users

MAX_LINES = 50
MAX_LEAD_DAYS = 730


def _facility(store: Store, fid: int) -> Any:
    from refaire.store.facilities import get_facility

    found = get_facility(store, fid)
    if found is None:
        raise UnknownRecord(Said("err.no_facility", id=fid))
    return found[1]


class _Draft:
    """The lines and notes of a quote draft being put together, part by part."""

    def __init__(self, pricing: dict[str, Any] | None) -> None:
        self.pricing = pricing
        self.lines: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.currency = (pricing or {}).get("currency") or "EUR"
        self.estimated = pricing is None

    def price_mesh(self, name: str, report: dict[str, Any], material: str, quantity: int,
                   process: str | None = None) -> None:  # fmt: skip
        """One line priced by the instant-quote engine, or a note saying why not."""
        from refaire.quote.estimate import quote_mesh

        try:
            q = quote_mesh(report, material, self.pricing, quantity, process)
        except ValueError as exc:
            self.notes.append(f"{name}: {exc}")
            return
        self.currency = q.currency
        self.estimated = self.estimated or q.estimated_rates
        self.lines.append({"item": f"{name} ({material}, ×{q.quantity})",
                           "amount": str(Decimal(repr(q.total)).quantize(Decimal("0.01")))})  # fmt: skip

    def result(self) -> dict[str, Any]:
        return {"lines": self.lines, "currency": self.currency,
                "estimated_rates": self.estimated, "notes": self.notes}  # fmt: skip


def suggest(store: Store, actor: Actor, rid: int, facility_id: int | None = None,
            lang: str = "en") -> dict[str, Any]:  # fmt: skip
    """Price lines from the instant-quote engine for each measured part of the design."""
    from refaire.quote.pricing import quote_pricing
    from refaire.store.designs import get_design

    req, _ = load_readable(store, actor, rid)
    pricing = quote_pricing(_facility(store, facility_id).pricing) if facility_id else None
    draft = _Draft(pricing)
    if req.get("parts"):
        return _suggest_parts(req, draft)
    found = get_design(store, req["design_id"]) if req["design_id"] else None
    for part in (found[1].parts if found else []):
        material = (req["materials"].get(part.name) or req["materials"].get("*")
                    or (part.materials[0] if part.materials else None))  # fmt: skip
        if not part.volume_mm3 or not part.area_mm2 or not material:
            draft.notes.append(f"{part.name}: no measured mesh or no material — price it yourself")
            continue
        dims = part.dimensions.as_tuple() if part.dimensions else None
        report = {"ok": True, "volume_mm3": part.volume_mm3, "area_mm2": part.area_mm2,
                  "bbox_mm": list(dims) if dims else [1, 1, 1]}  # fmt: skip
        draft.price_mesh(part.name, report, material, req["quantity"] * max(part.quantity, 1))
    if not found or not found[1].parts:
        draft.notes.append("the design lists no parts: price it yourself")
    return draft.result()


def _suggest_parts(req: dict[str, Any], draft: _Draft) -> dict[str, Any]:
    """Lines for a request of the member's own files, from their measurements: a mesh is
    priced by the instant-quote engine; a drawing's sheet thickness is not known, so it
    gets a note, never a guessed price."""
    for p in req["parts"]:
        if p["kind"] != "mesh":
            draft.notes.append(f"{p['name']}: laser cut; the sheet thickness is not known — "
                               "price it yourself")  # fmt: skip
            continue
        report = {"ok": True, "volume_mm3": p["volume_mm3"], "area_mm2": p["area_mm2"],
                  "bbox_mm": p["bbox_mm"], "watertight": p.get("watertight")}  # fmt: skip
        draft.price_mesh(p["name"], report, p["material"], req["quantity"], p["process"])
    return draft.result()


def _check(data: dict[str, Any]) -> dict[str, Any]:
    problems: list[tuple[str, str]] = []
    lines = []
    raw = data.get("lines") or []
    if not raw or len(raw) > MAX_LINES:
        problems.append(("lines", Said("prod.err.lines", max=MAX_LINES)))
    for i, line in enumerate(raw[:MAX_LINES]):
        item = str(line.get("item") or "").strip()[:200]
        if not item:
            problems.append((f"lines.{i}.item", Said("prod.err.line_item")))
        try:
            lines.append({"item": item, "amount": str(amount(line.get("amount"), f"lines.{i}.amount"))})
        except ProductionError as exc:
            problems += exc.problems
    values: dict[str, Any] = {"lines": lines}
    try:
        values["currency"] = currency(data.get("currency"))
    except ProductionError as exc:
        problems += exc.problems
    try:
        lead = int(str(data.get("lead_days")).strip())
        if not 0 <= lead <= MAX_LEAD_DAYS:
            raise ValueError
        values["lead_days"] = lead
    except (TypeError, ValueError):
        problems.append(("lead_days", Said("prod.err.lead_days", max=MAX_LEAD_DAYS)))
    valid = str(data.get("valid_until") or "").strip()
    try:
        day = date.fromisoformat(valid) if valid else date.today() + timedelta(days=30)
        if day < date.today():
            problems.append(("valid_until", Said("prod.err.past", day=valid)))
        values["valid_until"] = day.isoformat()
    except ValueError:
        problems.append(("valid_until", Said("prod.err.not_date", value=valid)))
    values["conditions"] = str(data.get("conditions") or "").strip()[:5000] or None
    if problems:
        raise ProductionError(problems)
    values["total"] = str(sum((Decimal(x["amount"]) for x in lines), Decimal("0.00")))
    return values


def submit_quote(store: Store, actor: Actor, rid: int, data: dict[str, Any]) -> dict[str, Any]:
    """A quote on an open request, for a facility the actor manages (`facility`) or as a
    maker; only a recipient may quote a private request, any capable maker a public one."""
    require_member(actor, Said("prod.what.quote_request"))
    req, recips = load_readable(store, actor, rid)
    fid = row_id(data.get("facility")) if data.get("facility") not in (None, "") else None
    if data.get("facility") not in (None, "") and (fid is None or fid not in
                                                   managed_facility_ids(store, actor)):
        raise ProductionError([("facility", Said("prod.err.not_manager"))], status=403)
    if actor.user_id == req["requester_id"]:
        raise ProductionError([("", Said("prod.err.own_request"))], status=403)
    if req["visibility"] == "recipients" and not any(
        (fid is not None and r["facility_id"] == fid)
        or (fid is None and r["maker_user_id"] == actor.user_id) for r in recips):
        raise ProductionError([("facility", Said("prod.err.private_facility" if fid else
                                     "prod.err.private_you"))], status=403)  # fmt: skip
    if req["status"] != "open":
        raise ProductionError([("request", Said("prod.err.no_more_quotes", status=req["status"]))],
                              status=409)  # fmt: skip
    values = _check(data)
    values.update(request_id=rid, facility_id=fid, maker_user_id=None if fid else actor.user_id,
                  author_id=actor.user_id, status="open", created_at=stamp())  # fmt: skip
    with store.engine.begin() as conn:
        qid = conn.execute(insert(production_quotes).values(**values)).inserted_primary_key[0]
        audit.record(conn, actor, "quote.create", "quote", str(qid), None,
                     {"request": rid, "total": values["total"], "currency": values["currency"]})
        mails = notify(conn, [req["requester_id"]], f"New quote for {req['title']}",
                       f"{values['total']} {values['currency']}, {values['lead_days']} days.",
                       f"/production/requests/{rid}")  # fmt: skip
    send_all(mails, store)
    return {"id": qid, **values}


def compare(store: Store, actor: Actor, req: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's quotes side by side: the requester sees all, a quoter their own."""
    from refaire.production.reviews import summary

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(production_quotes, facilities.c.name.label("facility_name"),
                   facilities.c.latitude, facilities.c.longitude,
                   users.c.display_name.label("maker_name"))
            .select_from(production_quotes
                         .outerjoin(facilities, facilities.c.id == production_quotes.c.facility_id)
                         .outerjoin(users, users.c.id == production_quotes.c.maker_user_id))
            .where(production_quotes.c.request_id == req["id"])
            .order_by(production_quotes.c.id)).all()  # fmt: skip
    everyone = actor.user_id == req["requester_id"] or (actor.is_admin and actor.has_scope("admin"))
    mine = managed_facility_ids(store, actor)
    out = []
    for r in rows:
        q = dict(r._mapping)
        if not everyone and q["author_id"] != actor.user_id and q["facility_id"] not in mine:
            continue
        lat, lon = q.pop("latitude"), q.pop("longitude")
        q["distance_km"] = (round(haversine_km(req["latitude"], req["longitude"], lat, lon), 1)
                            if lat is not None and lon is not None else None)  # fmt: skip
        q["seller_name"] = q["facility_name"] or q["maker_name"] or f"maker {q['maker_user_id']}"
        q["reviews"] = summary(store, facility_id=q["facility_id"], user_id=q["maker_user_id"])
        out.append(q)
    return out
