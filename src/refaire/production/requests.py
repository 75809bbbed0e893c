"""Production requests: a member asks for a registry design (or their own part files,
measured: `production.part_files`) to be made near a place.

A request names the design, the quantity, a material per part (or one for all), an
optional deadline and budget, the delivery or pick-up place (a town or coordinates,
resolved by `places.resolve_place`), the radius to search, and its visibility: `public`
(anyone reads it, any capable maker may quote) or `recipients` (only the requester and
those it was sent to; anyone else gets "not found"). Sending it (to chosen facilities and
makers, or "all" capable within the radius) notifies each recipient: inbox and mail.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from refaire.people import audit
from refaire.people._common import stamp
from refaire.people.actor import Actor
from refaire.places import PlaceError, resolve_place
from refaire.production import routing
from refaire.production.access import (
    ProductionError,
    UnknownRecord,
    amount,
    currency,
    managed_facility_ids,
    quantity,
    require_member,
)
from refaire.production.messages import notify, people_of_facility, send_all
from refaire.production.part_files import parts_from_measurements
from refaire.said import Said, Worded
from refaire.store import Store
from refaire.store.designs import get_design
from refaire.store.tables import (
    facilities,
    production_quotes,
    production_recipients,
    production_requests,
)

VISIBILITIES = ("public", "recipients")
MAX_RADIUS_KM = 500.0


def _check(store: Store, data: dict[str, Any]) -> dict[str, Any]:
    """The stored values of a new request, or every problem at once."""
    problems: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    materials = data.get("materials") or {}
    if isinstance(materials, str):
        materials = {"*": materials}
    values["materials"] = {str(k)[:100]: str(v).strip().lower()[:40] for k, v in materials.items()
                           if str(v).strip()}  # fmt: skip
    measured = data.get("measured")
    if measured is not None and data.get("design"):
        problems.append(("design", Said("prod.err.design_or_parts")))  # fmt: skip
    elif measured is not None:
        # the member's own files, measured before this (in a worker, by the caller)
        try:
            values["design_id"] = None
            values["parts"] = parts_from_measurements(measured, values["materials"])
            names = ", ".join(p["name"] for p in values["parts"])
            values["title"] = (str(data.get("title") or "").strip() or names)[:300]
        except ProductionError as exc:
            problems += exc.problems
    else:
        design = get_design(store, str(data.get("design") or "").strip()) if data.get("design") else None
        if design is None:
            problems.append(("design", Said("prod.err.no_design", design=data.get("design"))))
        else:
            values["design_id"], d = design
            values["title"] = d.name[:300]
    for field, check in (("quantity", lambda: quantity(data.get("quantity"))),):
        try:
            values[field] = check()
        except ProductionError as exc:
            problems += exc.problems
    deadline = str(data.get("deadline") or "").strip()
    if deadline:
        try:
            day = date.fromisoformat(deadline)
            if day < date.today():
                problems.append(("deadline", Said("prod.err.past", day=deadline)))
            values["deadline"] = day.isoformat()
        except ValueError:
            problems.append(("deadline", Said("prod.err.not_date", value=deadline)))
    try:
        place = resolve_place(data.get("place"))
        values.update(place=place.label[:300], latitude=place.latitude, longitude=place.longitude)
    except PlaceError as exc:
        problems.append(("place", Worded(exc)))
    try:
        radius = float(data.get("radius_km") or 50)
        if not 0 < radius <= MAX_RADIUS_KM:
            raise ValueError
        values["radius_km"] = radius
    except (TypeError, ValueError):
        problems.append(("radius_km", Said("prod.err.radius", max=f"{MAX_RADIUS_KM:g}")))
    if data.get("budget") not in (None, ""):
        try:
            values["budget"] = str(amount(data["budget"], "budget"))
            values["currency"] = currency(data.get("currency"))
        except ProductionError as exc:
            problems += exc.problems
    # a member's own files are theirs: private to the recipients unless said otherwise
    visibility = data.get("visibility") or ("recipients" if measured is not None else "public")
    if visibility not in VISIBILITIES:
        problems.append(("visibility", Said("prod.err.one_of", values=", ".join(VISIBILITIES))))
    values["visibility"] = visibility
    values["note"] = (str(data.get("note") or "").strip()[:5000]) or None
    if problems:
        raise ProductionError(problems)
    return values


def create_request(store: Store, actor: Actor, data: dict[str, Any],
                   lang: str = "en") -> dict[str, Any]:  # fmt: skip
    """Store a request; with `send_to` ("all" or ["facility:ID", "maker:ID", …]) send it too."""
    require_member(actor, Said("prod.what.request"))
    values = _check(store, data)
    values.update(requester_id=actor.user_id, status="open", created_at=stamp())
    with store.engine.begin() as conn:
        rid = conn.execute(insert(production_requests).values(**values)).inserted_primary_key[0]
        audit.record(conn, actor, "request.create", "request", str(rid), None,
                     {k: values[k] for k in ("design_id", "quantity", "visibility")})  # fmt: skip
    if data.get("send_to"):
        send_request(store, actor, rid, data["send_to"], lang)
    return request_detail(store, actor, rid, lang)


def _row(conn: Connection, rid: int) -> dict[str, Any] | None:
    row = conn.execute(select(production_requests).where(production_requests.c.id == rid)).first()
    return dict(row._mapping) if row else None


def recipients_of(conn: Connection, rid: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(production_recipients, facilities.c.name.label("facility_name"))
        .select_from(production_recipients.outerjoin(
            facilities, facilities.c.id == production_recipients.c.facility_id))
        .where(production_recipients.c.request_id == rid).order_by(production_recipients.c.id)
    ).all()  # fmt: skip
    return [dict(r._mapping) for r in rows]


def can_read(store: Store, actor: Actor, req: dict[str, Any], recips: list[dict]) -> bool:
    if req["visibility"] == "public" or (actor.is_admin and actor.has_scope("admin")):
        return True
    if actor.user_id is None:
        return False
    if actor.user_id == req["requester_id"]:
        return True
    mine = managed_facility_ids(store, actor)
    return any(r["maker_user_id"] == actor.user_id or r["facility_id"] in mine for r in recips)


def load_readable(store: Store, actor: Actor, rid: int) -> tuple[dict, list[dict]]:
    with store.engine.connect() as conn:
        req = _row(conn, rid)
        recips = recipients_of(conn, rid) if req else []
    if req is None or not can_read(store, actor, req, recips):
        raise UnknownRecord(Said("err.no_request", id=rid))
    return req, recips


def request_detail(store: Store, actor: Actor, rid: int, lang: str = "en") -> dict[str, Any]:
    """The request, its recipients, its quotes compared, and (for its requester) the routing."""
    from refaire.production.quotes import compare

    req, recips = load_readable(store, actor, rid)
    out = {**req, "recipients": recips, "quotes": compare(store, actor, req),
           "is_requester": actor.user_id == req["requester_id"]}  # fmt: skip
    if out["is_requester"] and req["status"] == "open" and (req["design_id"] or req["parts"]):
        sent = {f"facility:{r['facility_id']}" if r["facility_id"] else f"maker:{r['maker_user_id']}"
                for r in recips}  # fmt: skip
        out["capable"] = [dict(c, sent=c["target"] in sent) for c in routing.capable_for(
            store, req, lang)]
    return out


def send_request(store: Store, actor: Actor, rid: int, targets: Any,
                 lang: str = "en") -> dict[str, Any]:  # fmt: skip
    """Send to chosen facilities/makers ("facility:ID", "maker:ID") or "all" capable ones."""
    require_member(actor, Said("prod.what.send_request"))
    req, recips = load_readable(store, actor, rid)
    if actor.user_id != req["requester_id"]:
        raise UnknownRecord(Said("err.no_request", id=rid)) if req["visibility"] != "public" else \
            ProductionError([("", Said("prod.err.requester_sends"))], status=403)
    if req["status"] != "open":
        raise ProductionError([("status", Said("prod.err.request_is", status=req["status"]))], status=409)
    capable = {c["target"]: c for c in routing.capable_for(store, req, lang)}
    every = targets == "all" or targets == ["all"]
    # "all capable" means those known to be able to make it, never the unknown ones
    wanted = ([t for t, c in capable.items() if c["basis"] != "unknown"] if every
              else list(targets or []))  # fmt: skip
    unknown = [t for t in wanted if t not in capable]
    if unknown:
        raise ProductionError([("send_to", Said("prod.err.not_capable", target=t,
                                     km=f"{req['radius_km']:g}")) for t in unknown])  # fmt: skip
    if not wanted and capable:
        raise ProductionError([("send_to", Said("prod.err.needs_unknown"))])
    if not wanted:
        raise ProductionError([("send_to", Said("prod.err.nobody_capable",
                                     km=f"{req['radius_km']:g}"))])  # fmt: skip
    already = {f"facility:{r['facility_id']}" if r["facility_id"] else f"maker:{r['maker_user_id']}"
               for r in recips}  # fmt: skip
    mails = []
    added = 0
    with store.engine.begin() as conn:
        for t in wanted:
            if t in already:
                continue
            c = capable[t]
            fid = c["id"] if c["kind"] == "facility" else None
            uid = c["id"] if c["kind"] == "maker" else None
            people = people_of_facility(conn, fid) if fid else [uid]
            conn.execute(insert(production_recipients).values(
                request_id=rid, facility_id=fid, maker_user_id=uid, basis=c["basis"],
                distance_km=c["distance_km"], notified=len(people)))  # fmt: skip
            mails += notify(conn, people, f"Production request: {req['title']}",
                            f"{req['quantity']} × {req['title']} near {req['place']}"
                            f" ({c['distance_km']:g} km). Quote it on Refaire.",
                            f"/production/requests/{rid}")  # fmt: skip
            added += 1
        audit.record(conn, actor, "request.send", "request", str(rid), None,
                     {"targets": [t for t in wanted if t not in already]})  # fmt: skip
    mailed = send_all(mails, store)
    return {"request_id": rid, "added": added, "mails": mailed}


def list_requests(store: Store, actor: Actor, mine: bool = False, limit: int = 50,
                  offset: int = 0) -> dict[str, Any]:  # fmt: skip
    """Public open requests, or (mine) those I made or that were sent to me."""
    t = production_requests
    if mine:
        require_member(actor, Said("prod.what.list_requests"))
        fids = managed_facility_ids(store, actor)
        sent = select(production_recipients.c.request_id).where(or_(
            production_recipients.c.maker_user_id == actor.user_id,
            production_recipients.c.facility_id.in_(fids or [-1])))  # fmt: skip
        where = [or_(t.c.requester_id == actor.user_id, t.c.id.in_(sent))]
    else:
        where = [t.c.visibility == "public", t.c.status == "open"]
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t).where(*where)).scalar()
        rows = conn.execute(select(t).where(*where).order_by(t.c.id.desc())
                            .limit(limit).offset(offset)).all()  # fmt: skip
        counts = dict(conn.execute(select(production_quotes.c.request_id, func.count()).where(
            production_quotes.c.request_id.in_([r.id for r in rows] or [-1])).group_by(
            production_quotes.c.request_id)).all())  # fmt: skip
    return {"total": total or 0, "limit": limit, "offset": offset,
            "items": [{**dict(r._mapping), "quotes": counts.get(r.id, 0)} for r in rows]}  # fmt: skip


def set_status(conn: Connection, rid: int, status: str) -> None:
    conn.execute(update(production_requests).where(production_requests.c.id == rid)
                 .values(status=status))  # fmt: skip
