"""Bookable resources: a facility's machine or space made bookable by its managers, or a
member's own tool lent to others (with a pick-up place and rules).

A machine points at one entry of the facility's equipment (`machine_index`), from which it
takes its name, process and quantity (its units); a space has a capacity. The price per
hour comes from the resource's rules, else from the facility's pricing (the quote
`hourly_rate` for the machine's process), and says which.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, update

from refaire.people import audit
from refaire.people._common import stamp
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.sharing.access import (
    MANAGE_SCOPE,
    NotAllowed,
    SharingError,
    UnknownResource,
    check_manages,
    require_member,
)
from refaire.sharing.availability import Calendar, open_intervals
from refaire.sharing.rules import RulesError, check_rules, check_zone
from refaire.store import Store
from refaire.store import sharing as q
from refaire.store.tables import resources, trainings

KINDS = ("machine", "space", "tool")
MAX_UNITS = 500
MAX_SLOT_DAYS = 92


def _text(value: Any, field: str, limit: int, problems: list, required: bool = False) -> Any:
    text = " ".join(str(value or "").split()) if field != "description" else str(value or "")
    if required and not text.strip():
        problems.append((field, Said("sharing.err.required")))
    if len(text) > limit:
        problems.append((field, Said("sharing.err.too_long", n=limit)))
    return text.strip() or None


def _rules(given: Any, problems: list) -> dict[str, Any] | None:
    try:
        return check_rules(given)
    except RulesError as exc:
        problems += [(f"rules.{f}", m) for f, m in exc.problems]
        return None


def _zone(given: Any, fallback: str | None, problems: list) -> str | None:
    try:
        return check_zone(given or fallback)
    except RulesError as exc:
        problems += exc.problems
        return None


def create_resource(
    store: Store, actor: Actor, facility: int | str, data: dict[str, Any]
) -> dict[str, Any]:
    """Make a machine (`machine_index` into the facility's equipment) or a space (`units` =
    capacity) of the facility bookable. Its managers or an admin only."""
    from refaire.manage.access import find_facility
    from refaire.people.roles import manages_facility

    fid, f = find_facility(store, facility)
    if actor.is_anonymous:
        raise NotAllowed(Said("sharing.err.sign_in", what=Said("sharing.what.bookable")), status=401)
    if not actor.has_scope(MANAGE_SCOPE) or not manages_facility(store, actor, fid):
        raise NotAllowed(Said("sharing.err.only_managers_bookable", name=f.name))
    problems: list[tuple[str, str]] = []
    kind = data.get("kind") or "machine"
    if kind not in ("machine", "space"):
        problems.append(("kind", Said("sharing.err.facility_kind")))
    name = _text(data.get("name"), "name", 200, problems)
    process, units = data.get("process"), data.get("units")
    index = data.get("machine_index")
    if kind == "machine":
        if index is None and not name:
            problems.append(("machine_index", Said("sharing.err.which_machine")))
        elif index is not None:
            if not isinstance(index, int) or not 0 <= index < len(f.equipment):
                problems.append(("machine_index", Said("sharing.err.machine_index", name=f.name,
                                 n=len(f.equipment), last=len(f.equipment) - 1)))  # fmt: skip
            else:
                m = f.equipment[index]
                name = name or " ".join(x for x in (m.make, m.model) if x) or m.equipment_type
                process = process or (m.processes[0].id if m.processes else None)
                units = units or m.quantity
    units = units or 1
    if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= MAX_UNITS:
        problems.append(("units", Said("sharing.err.capacity", n=MAX_UNITS)))
    hours = (f.extra or {}).get("hours") or {}
    zone = _zone(data.get("time_zone"), hours.get("time_zone"), problems)
    rules = _rules(data.get("rules"), problems)
    wanted = data.get("required_trainings") or []
    with store.engine.connect() as conn:
        for t in wanted:
            row = q.training_row(conn, t) if isinstance(t, int) else None
            if row is None or row["facility_id"] != fid:
                problems.append(("required_trainings", Said("sharing.err.no_training_at",
                                                            id=repr(t), name=f.name)))  # fmt: skip
    if not name:
        problems.append(("name", Said("sharing.err.required")))
    if problems:
        raise SharingError(problems)
    row = {
        "kind": kind, "facility_id": fid, "owner_user_id": None, "name": name,
        "description": _text(data.get("description"), "description", 4000, problems),
        "process": process, "machine_index": index, "units": units, "time_zone": zone,
        "rules": rules, "required_trainings": list(wanted), "pickup_place": None,
        "lending_rules": None, "active": True, "created_at": stamp(), "created_by": actor.label,
    }  # fmt: skip
    return _insert(store, actor, row)


def lend_tool(store: Store, actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """A member lists a tool or object of their own to lend, with a pick-up place and rules."""
    require_member(actor, Said("sharing.what.lend"))
    if actor.user_id is None:
        raise NotAllowed(Said("sharing.err.person_lends"))
    problems: list[tuple[str, str]] = []
    name = _text(data.get("name"), "name", 200, problems, required=True)
    pickup = _text(data.get("pickup_place"), "pickup_place", 300, problems, required=True)
    zone = _zone(data.get("time_zone"), None, problems)
    rules = _rules(data.get("rules"), problems)
    if problems:
        raise SharingError(problems)
    row = {
        "kind": "tool", "facility_id": None, "owner_user_id": actor.user_id, "name": name,
        "description": _text(data.get("description"), "description", 4000, problems),
        "process": data.get("process") or None, "machine_index": None, "units": 1,
        "time_zone": zone, "rules": rules, "required_trainings": [], "pickup_place": pickup,
        "lending_rules": _text(data.get("lending_rules"), "lending_rules", 2000, problems),
        "active": True, "created_at": stamp(), "created_by": actor.label,
    }  # fmt: skip
    return _insert(store, actor, row)


def _insert(store: Store, actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
    with store.engine.begin() as conn:
        rid = conn.execute(insert(resources).values(**row).returning(resources.c.id)).scalar_one()
        audit.record(conn, actor, "resource.create", "resource", str(rid), None,
                     {k: v for k, v in row.items() if k != "created_at"})  # fmt: skip
    return resource_detail(store, rid)


def get_resource(store: Store, rid: int | str) -> dict[str, Any]:
    try:
        ident = int(rid)
    except (TypeError, ValueError):
        raise UnknownResource(Said("sharing.err.no_resource", id=repr(rid))) from None
    with store.engine.connect() as conn:
        row = q.resource_row(conn, ident)
    if row is None or not row["active"]:
        raise UnknownResource(Said("sharing.err.no_resource", id=repr(rid)))
    return row


def price_of(store: Store, resource: dict[str, Any]) -> dict[str, Any]:
    """Price per hour or per slot, and where it comes from."""
    rules = resource["rules"]
    currency = rules.get("currency")
    if rules.get("price_per_slot") is not None:
        return {"per_slot": rules["price_per_slot"], "per_hour": None,
                "currency": currency or "EUR", "source": "resource"}  # fmt: skip
    if rules.get("price_per_hour") is not None:
        return {"per_slot": None, "per_hour": rules["price_per_hour"],
                "currency": currency or "EUR", "source": "resource"}  # fmt: skip
    if resource.get("facility_id") is not None:
        with store.engine.connect() as conn:
            f = q.facility_brief(conn, resource["facility_id"])
        pricing = ((f or {}).get("record") or {}).get("pricing") or {}
        rate = pricing.get("hourly_rate")
        if isinstance(rate, dict):
            rate = rate.get(resource.get("process") or "")
        if isinstance(rate, int | float):
            return {"per_slot": None, "per_hour": float(rate),
                    "currency": pricing.get("currency") or "EUR",
                    "source": "facility pricing"}  # fmt: skip
    return {"per_slot": None, "per_hour": None, "currency": None, "source": None}


def resource_detail(store: Store, rid: int | str) -> dict[str, Any]:
    r = get_resource(store, rid)
    with store.engine.connect() as conn:
        f = q.facility_brief(conn, r["facility_id"]) if r["facility_id"] else None
        names = {}
        for t in r["required_trainings"]:
            row = q.training_row(conn, t)
            if row:
                names[t] = row["name"]
    out = {k: v for k, v in r.items() if k not in ("active",)}
    out["facility"] = {"id": f["id"], "key": f["key"], "name": f["name"]} if f else None
    out["trainings"] = [{"id": t, "name": names.get(t)} for t in r["required_trainings"]]
    out["price"] = price_of(store, r)
    return out


def list_resources(
    store: Store, *, facility: int | str | None = None, owner: int | None = None,
    kind: str | None = None, limit: int = 50, offset: int = 0,
) -> dict[str, Any]:  # fmt: skip
    fid = None
    if facility is not None:
        from refaire.manage.access import find_facility

        fid = find_facility(store, facility)[0]
    if kind is not None and kind not in KINDS:
        raise SharingError([("kind", Said("sharing.err.one_of", allowed=", ".join(KINDS)))])
    with store.engine.connect() as conn:
        return q.resources_where(conn, facility_id=fid, owner=owner, kind=kind,
                                 limit=limit, offset=offset)  # fmt: skip


def set_rules(store: Store, actor: Actor, rid: int | str, given: dict[str, Any]) -> dict:
    """Replace the resource's rules (managers / owner); audit keeps before and after."""
    r = get_resource(store, rid)
    check_manages(store, actor, r, Said("sharing.what.rules"))
    problems: list[tuple[str, str]] = []
    rules = _rules({**r["rules"], **given}, problems)
    if problems:
        raise SharingError(problems)
    with store.engine.begin() as conn:
        conn.execute(update(resources).where(resources.c.id == r["id"]).values(rules=rules))
        audit.record(conn, actor, "resource.rules", "resource", str(r["id"]),
                     {"rules": r["rules"]}, {"rules": rules})  # fmt: skip
    return resource_detail(store, r["id"])


def calendar_for(store: Store, r: dict[str, Any], start: datetime, end: datetime,
                 exclude: int | None = None) -> Calendar:  # fmt: skip
    """The resource's open intervals and busy times over [start, end)."""
    with store.engine.connect() as conn:
        hours = q.facility_hours(conn, r["facility_id"])
        busy = q.busy_between(conn, r["id"], start, end, exclude)
    return Calendar(r, open_intervals(r, hours, start, end), busy)


def parse_start(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC).replace(second=0, microsecond=0)
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise SharingError([("from", Said("sharing.err.date_or_time", value=repr(text)))]) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def free_slots(
    store: Store, rid: int | str, *, start: str | datetime | None = None, days: int = 7
) -> dict[str, Any]:
    """The slot grid of [start, start + days) with free units per slot, in UTC and local."""
    from zoneinfo import ZoneInfo

    from refaire.sharing.instants import InstantTexts

    r = get_resource(store, rid)
    if not 1 <= days <= MAX_SLOT_DAYS:
        raise SharingError([("days", Said("sharing.err.days", n=MAX_SLOT_DAYS))])
    zone = ZoneInfo(r["time_zone"])
    a = start if isinstance(start, datetime) else parse_start(start)
    if isinstance(start, str) and len(start) == 10:  # a date: midnight where the resource is
        a = datetime.fromisoformat(start).replace(tzinfo=zone)
    b = a + timedelta(days=days)
    cal = calendar_for(store, r, a, b)
    text = InstantTexts(zone)
    slots = []
    for s in cal.slots():
        (start_utc, start_local), (end_utc, end_local) = text(s["starts_at"]), text(s["ends_at"])
        slots.append({"starts_at": start_utc, "ends_at": end_utc, "local_start": start_local,
                      "local_end": end_local, "free_units": s["free_units"]})  # fmt: skip
    return {"resource_id": r["id"], "name": r["name"], "time_zone": r["time_zone"],
            "units": r["units"], "from": a.isoformat(), "to": b.isoformat(),
            "slot_minutes": r["rules"]["slot_minutes"], "slots": slots}  # fmt: skip


def add_training(store: Store, actor: Actor, facility: int | str, data: dict) -> dict:
    """A training a facility's machines may require (managers only)."""
    from refaire.manage.access import find_facility
    from refaire.people.roles import manages_facility

    fid, f = find_facility(store, facility)
    require_member(actor, Said("sharing.what.add_training"), MANAGE_SCOPE)
    if not manages_facility(store, actor, fid):
        raise NotAllowed(Said("sharing.err.only_managers_trainings", name=f.name))
    problems: list[tuple[str, str]] = []
    name = _text(data.get("name"), "name", 200, problems, required=True)
    months = data.get("valid_months")
    if months is not None and (not isinstance(months, int) or not 1 <= months <= 240):
        problems.append(("valid_months", Said("sharing.err.months")))
    if problems:
        raise SharingError(problems)
    row = {
        "facility_id": fid,
        "name": name,
        "valid_months": months,
        "description": _text(data.get("description"), "description", 4000, problems),
    }
    with store.engine.begin() as conn:
        tid = conn.execute(insert(trainings).values(**row).returning(trainings.c.id)).scalar_one()
        audit.record(conn, actor, "training.create", "training", str(tid), None, row)
    return {"id": tid, **row}
