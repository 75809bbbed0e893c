"""The one write path of a facility record by the people who run it.

Fields, machines, prices and capabilities all go through `_write`: it checks that the actor
manages the facility, applies the change to the stored record, marks each changed field as
stated by the manager (refaire.manage.stated), rewrites the record with its search rows and
records the change (before → after) in the audit trail, in one transaction.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from refaire.manage.access import ManageError, UnknownItem, check_manager, find_facility
from refaire.manage.stated import get_field, mark_stated, now_stamp, set_field, state
from refaire.model import Capability, Facility
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.store import Store

ACCESS_TYPES = ("public", "members", "by-appointment")
EDITABLE = (
    "description", "email", "phone", "url", "access_type", "hours", "pricing", "location",
)  # fmt: skip
# the record field each editable name is kept in
FIELD_OF = {"phone": "extra.phone", "hours": "extra.hours"}
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
MAX_DESCRIPTION = 5000


def _text(value: Any, field: str, limit: int, problems: list[tuple[str, str]]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append((field, Said("manage.err.text")))
        return None
    value = value.replace("\x00", "").strip()
    if len(value) > limit:
        problems.append((field, Said("manage.err.too_long", most=limit, got=len(value))))
    return value or None


def _location(value: Any, problems: list[tuple[str, str]]) -> list[float] | None:
    """[lat, lon] from "LAT,LON" or {latitude, longitude}; a location cannot be cleared."""
    from refaire.geo import parse_point

    if isinstance(value, dict):
        value = f"{value.get('latitude')},{value.get('longitude')}"
    if not isinstance(value, str) or not value.strip():
        problems.append(("location", Said("manage.err.latlon")))
        return None
    try:
        lat, lon = parse_point(value.strip())
    except ValueError as exc:
        problems.append(("location", str(exc)))
        return None
    if lat == 0 and lon == 0:
        problems.append(("location", Said("manage.err.zero_zero")))
        return None
    return [lat, lon]


def _apply_location(f: Facility, value: list[float], by: str, at: str) -> tuple[Any, Any]:
    """The manager states where the place is: that confirms it, doubtful or not.

    A doubtful pair set aside by the import (`ingest.place_check`) or a town centre the
    gazetteer gave is replaced; the facility is back in "near me" answers.
    """
    old = {
        "latitude": f.latitude,
        "longitude": f.longitude,
        "status": f.location_status,
        "doubtful": f.extra.get("doubtful_location"),
    }
    if [f.latitude, f.longitude] == value and f.location_status == "confirmed":
        return None, None
    f.latitude, f.longitude = value
    f.location_origin = "stated"
    f.location_status = "confirmed"
    f.extra.pop("doubtful_location", None)
    f.extra.pop("located_by_town", None)
    mark_stated(f, "latitude", by, old["latitude"], at)
    mark_stated(f, "longitude", by, old["longitude"], at)
    new = {"latitude": value[0], "longitude": value[1], "status": "confirmed"}
    return old, new


def check_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The canonical values of a change set; ManageError naming every wrong field.

    An empty text clears a field. Unknown names are refused rather than ignored, so a
    misspelt field never looks saved.
    """
    from refaire.manage.hours import check_hours
    from refaire.quote.pricing import check_pricing

    if not isinstance(changes, dict) or not changes:
        raise ManageError([("", Said("manage.err.give_one", allowed=", ".join(EDITABLE)))])
    problems: list[tuple[str, str]] = []
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in EDITABLE:
            problems.append((name, Said("manage.err.not_editable", allowed=", ".join(EDITABLE))))
        elif name == "description":
            out[name] = _text(value, name, MAX_DESCRIPTION, problems)
        elif name == "phone":
            out[name] = _text(value, name, 50, problems)
        elif name == "email":
            v = _text(value, name, 320, problems)
            if v and not _EMAIL.match(v):
                problems.append((name, Said("manage.err.email", value=v)))
            out[name] = v
        elif name == "url":
            v = _text(value, name, 2000, problems)
            if v and not re.match(r"^https?://[^\s/]+\.[^\s]+$", v, re.I):
                problems.append((name, Said("manage.err.url", value=v)))
            out[name] = v
        elif name == "access_type":
            v = _text(value, name, 40, problems)
            if v and v not in ACCESS_TYPES:
                problems.append((name, Said("manage.err.one_of_got", allowed=", ".join(ACCESS_TYPES), value=v)))
            out[name] = v
        elif name == "hours":
            if value in (None, {}):
                out[name] = None
                continue
            try:
                out[name] = check_hours(value)
            except ManageError as exc:
                problems += [(f"hours.{f}", m) for f, m in exc.problems]
        elif name == "location":
            out[name] = _location(value, problems)
        elif name == "pricing":
            if not isinstance(value, dict):
                problems.append((name, Said("manage.err.pricing_mapping")))
                continue
            checked, wrong = check_pricing(value)
            problems += [(f"pricing.{f}" if f else "pricing", m) for f, m in wrong]
            out[name] = checked
    if problems:
        raise ManageError(problems)
    return out


def apply_changes(f: Facility, changes: dict[str, Any], by: str, at: str) -> tuple[dict, dict]:
    """Put checked changes on `f`, each changed field stated by `by`; (before, after) of
    the fields that really changed (a form re-sending a value changes nothing)."""
    from refaire.manage.hours import weekly_text
    from refaire.quote.pricing import PRICING_KEYS

    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name, value in changes.items():
        if name == "location":
            old_loc, new_loc = _apply_location(f, value, by, at)
            if new_loc is not None:
                before[name], after[name] = old_loc, new_loc
            continue
        field = FIELD_OF.get(name, name)
        old = copy.deepcopy(get_field(f, field))
        if name == "pricing":
            kept = {k: v for k, v in (f.pricing or {}).items() if k not in PRICING_KEYS}
            value = {**kept, **value}
        if old == value or (old in (None, "", {}) and value in (None, "", {})):
            continue
        before[name], after[name] = old, value
        set_field(f, field, copy.deepcopy(value))
        mark_stated(f, field, by, old, at)
        if name == "hours":
            text_before = f.opening_hours
            f.opening_hours = weekly_text(value) if value else None
            mark_stated(f, "opening_hours", by, text_before, at)
    return before, after


def _write(
    store: Store,
    actor: Actor,
    ident: int | str,
    action: str,
    change: Callable[[Facility, str, str], tuple[dict, dict]],
) -> dict[str, Any]:
    from refaire.people import audit
    from refaire.registry.facilities import UnknownFacility, facility_detail
    from refaire.store.facilities import replace_facility
    from refaire.store.locking import writing
    from refaire.store.tables import facilities

    fid, f = find_facility(store, ident)
    check_manager(store, actor, fid, f.name)
    with writing(store.engine) as conn:
        # Read again under the store's write lock (the one imports take): two managers
        # saving at once, or a save during an import, must not lose one another's change.
        record = conn.execute(
            select(facilities.c.record).where(facilities.c.id == fid).with_for_update()
        ).scalar()
        if record is None:
            raise UnknownFacility(ident)
        f = Facility.from_dict(record)
        before, after = change(f, actor.label, now_stamp())
        if before or after:
            replace_facility(conn, fid, f)
            audit.record(conn, actor, action, "facility", str(fid), before, after)
    detail = facility_detail(store, fid)
    detail["changed"] = sorted(after.keys() | before.keys())
    return detail


def edit_facility(
    store: Store, actor: Actor, ident: int | str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change description, contact, website, access, hours or prices; the facility detail
    with `changed` (the fields that really changed). Raises NotAllowed, ManageError,
    UnknownFacility; nothing is written unless every field is valid."""
    checked = check_changes(changes)
    return _write(
        store, actor, ident, "facility.edit", lambda f, by, at: apply_changes(f, checked, by, at)
    )


def _machine_summary(f: Facility) -> list[str]:
    return [
        " ".join(x for x in (e.equipment_type, e.make, e.model) if x) or (e.text or "?")
        for e in f.equipment
    ]


def add_machine(
    store: Store, actor: Actor, ident: int | str, fields: dict[str, Any]
) -> dict[str, Any]:
    """Add a machine the manager confirmed (see refaire.manage.machines.propose_machine)."""
    from refaire.manage.machines import equipment_from

    def change(f: Facility, by: str, at: str) -> tuple[dict, dict]:
        machine = equipment_from(fields, by, at)
        old = copy.deepcopy(f.equipment)
        before = {"equipment": _machine_summary(f)}
        f.equipment.append(machine)
        mark_stated(f, "equipment", by, old, at)
        return before, {"equipment": _machine_summary(f), "added": machine_dict(machine)}

    return _write(store, actor, ident, "facility.machine.add", change)


def machine_dict(machine: Any) -> dict[str, Any]:
    from refaire.model._plain import plain

    return plain(machine)


def remove_machine(store: Store, actor: Actor, ident: int | str, index: int) -> dict[str, Any]:
    """Remove the machine at `index` (0-based, as listed by the facility detail)."""

    def change(f: Facility, by: str, at: str) -> tuple[dict, dict]:
        if not 0 <= index < len(f.equipment):
            raise UnknownItem(Said("err.no_machine", index=index, name=f.name,
                                       n=len(f.equipment)))
        old = copy.deepcopy(f.equipment)
        before = {"equipment": _machine_summary(f), "removed": machine_dict(f.equipment[index])}
        del f.equipment[index]
        mark_stated(f, "equipment", by, old, at)
        return before, {"equipment": _machine_summary(f)}

    return _write(store, actor, ident, "facility.machine.remove", change)


def set_capability(
    store: Store, actor: Actor, ident: int | str, kind: str, cap_id: str, confirm: bool
) -> dict[str, Any]:
    """Confirm a capability (it becomes stated by the manager) or remove it for good.

    Works on the facility's own capabilities: an inferred or probable one (e.g. the Fab
    Charter inventory) is confirmed in place; a confirmed id not listed yet is added. A
    removed id stays removed when the public source is imported again.
    """
    from refaire.vocab.capabilities import is_known

    if kind not in ("process", "material"):
        raise ManageError([("kind", Said("manage.err.kind"))])
    cap_id = (cap_id or "").strip().lower()
    if not is_known(cap_id, kind):
        raise ManageError([("id", Said(f"manage.err.{kind}_unknown", id=cap_id))])
    field = "processes" if kind == "process" else "materials"

    def change(f: Facility, by: str, at: str) -> tuple[dict, dict]:
        caps: list[Capability] = getattr(f, field)
        old = copy.deepcopy(caps)
        shown = [{"id": c.id, "origin": c.origin} for c in caps]
        removed = state(f)["removed"]
        if confirm:
            kept = [c for c in caps if c.id != cap_id]
            setattr(f, field, [*kept, Capability(cap_id, "stated", "manager", 1.0)])
            state(f)["removed"] = [r for r in removed if (r["kind"], r["id"]) != (kind, cap_id)]
        else:
            if cap_id not in {c.id for c in caps}:
                raise UnknownItem(Said(f"err.not_listed_{kind}", name=f.name, id=cap_id))
            setattr(f, field, [c for c in caps if c.id != cap_id])
            if {"kind": kind, "id": cap_id} not in removed:
                removed.append({"kind": kind, "id": cap_id})
        mark_stated(f, field, by, old, at)
        return {field: shown}, {
            field: [{"id": c.id, "origin": c.origin} for c in getattr(f, field)]
        }

    action = "facility.capability.confirm" if confirm else "facility.capability.remove"
    return _write(store, actor, ident, action, change)
