"""Suggested corrections: a member who does not run a facility proposes a change to it.

The change set is checked like a manager's edit when it is made (a suggestion that could
never be applied is refused at once), then waits; the facility's managers — or the site
admins when it has none — accept it (applied through the manager's write path, so it is
stated by the manager who accepted it) or reject it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update

from refaire.manage.access import (
    ManageError,
    NotAllowed,
    UnknownItem,
    find_facility,
    free_text,
    may_manage,
    require_member,
)
from refaire.manage.stated import now_stamp
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.store import Store
from refaire.store.tables import facilities, facility_suggestions


def suggest_change(
    store: Store, actor: Actor, ident: int | str, changes: dict[str, Any], note: str | None = None
) -> dict[str, Any]:
    """Store a suggestion (pending); ManageError names any field that could not be applied."""
    from refaire.manage.editing import check_changes
    from refaire.people import audit

    require_member(actor, Said("manage.what.suggest"))
    if actor.user_id is None:
        raise ManageError([("", Said("manage.err.bootstrap_suggest"))])
    fid, _ = find_facility(store, ident)
    checked = check_changes(changes)
    with store.engine.begin() as conn:
        sid = conn.execute(
            insert(facility_suggestions)
            .values(
                facility_id=fid,
                user_id=actor.user_id,
                changes=checked,
                note=free_text(note, 2000),
                status="pending",
                created_at=now_stamp(),
            )
            .returning(facility_suggestions.c.id)
        ).scalar_one()
        audit.record(conn, actor, "facility.suggest", "facility", str(fid), None, checked)
    return get_suggestion(store, sid)


def get_suggestion(store: Store, sid: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(facility_suggestions, facilities.c.name.label("facility_name"))
            .join(facilities, facilities.c.id == facility_suggestions.c.facility_id)
            .where(facility_suggestions.c.id == sid)
        ).first()
    if row is None:
        raise UnknownItem(Said("err.no_suggestion", id=sid))
    return dict(row._mapping)


def _may_decide(store: Store, actor: Actor, fid: int) -> bool:
    """The facility's managers decide; admins decide everywhere (and alone when none)."""
    return may_manage(store, actor, fid)


def list_suggestions(
    store: Store,
    actor: Actor,
    ident: int | str,
    *,
    status: str | None = "pending",
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """A facility's suggestions, newest first, for those who decide on them."""
    fid, f = find_facility(store, ident)
    require_member(actor, Said("manage.what.see_suggestions"))
    if not _may_decide(store, actor, fid):
        raise NotAllowed(Said("manage.err.see_suggestions", name=f.name))
    where = [facility_suggestions.c.facility_id == fid]
    if status is not None:
        where.append(facility_suggestions.c.status == status)
    with store.engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(facility_suggestions).where(*where)
        ).scalar_one()
        rows = conn.execute(
            select(facility_suggestions)
            .where(*where)
            .order_by(facility_suggestions.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    items = [dict(r._mapping) | {"facility_name": f.name} for r in rows]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def decide_suggestion(store: Store, actor: Actor, sid: int, accept: bool) -> dict[str, Any]:
    """Accept (apply the change, audited) or reject a pending suggestion."""
    from refaire.manage.editing import edit_facility
    from refaire.people import audit

    s = get_suggestion(store, sid)
    require_member(actor, Said("manage.what.decide_suggestions"))
    if not _may_decide(store, actor, s["facility_id"]):
        raise NotAllowed(Said("manage.err.decide_suggestions", name=s["facility_name"]))
    if s["status"] != "pending":
        raise ManageError([("", Said("manage.err.suggestion_decided", id=sid, status=s["status"]))], status=409)
    if accept:
        edit_facility(store, actor, s["facility_id"], s["changes"])
    status = "accepted" if accept else "rejected"
    with store.engine.begin() as conn:
        conn.execute(
            update(facility_suggestions)
            .where(facility_suggestions.c.id == sid)
            .values(status=status, decided_at=now_stamp(), decided_by=actor.label)
        )
        audit.record(
            conn, actor, "facility.suggestion." + ("accept" if accept else "reject"),
            "facility", str(s["facility_id"]), {"suggestion": sid, "status": "pending"},
            {"suggestion": sid, "status": status},
        )  # fmt: skip
    return get_suggestion(store, sid)
