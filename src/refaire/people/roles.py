"""Who manages which facility, and the ownership check every facility write goes through.

Roles: site admin (`users.is_admin`), facility manager or co-manager (`facility_managers`),
member (everyone signed in). A manager invites co-managers; only an admin or a manager
(not a co-manager) adds or removes managers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from refaire.people import audit
from refaire.people._common import NotAllowed, PeopleError, UnknownUser, clean, stamp
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.store.db import Store
from refaire.store.tables import facilities, facility_keys, facility_managers, users

ROLES = ("manager", "co-manager")


def facility_row_id(conn: Connection, facility_id: int | str) -> int | None:
    """The row id of a facility given by id or by any key it is known by."""
    text = clean(str(facility_id)).strip()
    if text.isascii() and text.isdigit() and len(text) < 10:
        found = conn.execute(select(facilities.c.id).where(facilities.c.id == int(text))).scalar()
        if found is not None:
            return found
    found = conn.execute(select(facilities.c.id).where(facilities.c.key == text)).scalar()
    if found is None:
        found = conn.execute(
            select(facility_keys.c.facility_id).where(facility_keys.c.key == text)
        ).scalar()
    return found


def _role_of(conn: Connection, fid: int, user_id: int) -> str | None:
    return conn.execute(
        select(facility_managers.c.role).where(
            facility_managers.c.facility_id == fid, facility_managers.c.user_id == user_id
        )
    ).scalar()


def manages_facility(store: Store, actor: Actor, facility_id: int | str) -> bool:
    """True when `actor` may edit the facility: an admin, or one of its (co-)managers."""
    if actor.is_admin:
        return True
    if actor.user_id is None:
        return False
    with store.engine.connect() as conn:
        fid = facility_row_id(conn, facility_id)
        return fid is not None and _role_of(conn, fid, actor.user_id) is not None


def add_manager(
    store: Store, facility_id: int | str, user_id: int, *, by: Actor, role: str = "manager"
) -> dict[str, Any]:
    """Make `user_id` a manager or co-manager of the facility.

    NotAllowed unless `by` is an admin or a manager of it; LookupError for an unknown
    facility, UnknownUser for an unknown account; PeopleError for a bad role or when the
    person already manages it.
    """
    if role not in ROLES:
        raise PeopleError([("role", "people.error.role")], known=", ".join(ROLES))
    try:
        with store.engine.begin() as conn:
            fid = facility_row_id(conn, facility_id)
            if fid is None:
                raise LookupError(Said("quote.err.no_facility", ident=facility_id))
            if not by.is_admin and (
                by.user_id is None or _role_of(conn, fid, by.user_id) != "manager"
            ):
                raise NotAllowed(Said("people.err.add_managers"))
            live = select(users.c.id).where(users.c.id == user_id, users.c.deleted_at.is_(None))
            if conn.execute(live).scalar() is None:
                raise UnknownUser(Said("people.err.no_account_id", id=user_id))
            if _role_of(conn, fid, user_id) is not None:
                raise PeopleError([("user", "people.error.already_manager")])
            row = {
                "facility_id": fid,
                "user_id": user_id,
                "role": role,
                "added_by": by.label,
                "added_at": stamp(),
            }
            conn.execute(insert(facility_managers).values(**row))
            audit.record(
                conn, by, "facility.manager.add", "facility", str(fid), None,
                {"user": user_id, "role": role},
            )  # fmt: skip
    except IntegrityError:  # added concurrently by someone else
        raise PeopleError([("user", "people.error.already_manager")]) from None
    return row


def remove_manager(store: Store, facility_id: int | str, user_id: int, *, by: Actor) -> None:
    """Stop `user_id` managing the facility (an admin, a manager, or the person themself)."""
    with store.engine.begin() as conn:
        fid = facility_row_id(conn, facility_id)
        if fid is None:
            raise LookupError(Said("quote.err.no_facility", ident=facility_id))
        role = _role_of(conn, fid, user_id)
        if role is None:
            raise LookupError(Said("people.err.not_manager", id=user_id, facility=fid))
        allowed = (
            by.is_admin
            or by.user_id == user_id
            or (by.user_id is not None and _role_of(conn, fid, by.user_id) == "manager")
        )
        if not allowed:
            raise NotAllowed(Said("people.err.remove_managers"))
        conn.execute(
            delete(facility_managers).where(
                facility_managers.c.facility_id == fid, facility_managers.c.user_id == user_id
            )
        )
        audit.record(
            conn, by, "facility.manager.remove", "facility", str(fid),
            {"user": user_id, "role": role}, None,
        )  # fmt: skip


def managers_of(store: Store, facility_id: int | str) -> list[dict[str, Any]]:
    """The facility's managers, first added first; [] for an unknown facility."""
    with store.engine.connect() as conn:
        fid = facility_row_id(conn, facility_id)
        if fid is None:
            return []
        rows = conn.execute(
            select(
                facility_managers.c.user_id,
                users.c.email,
                users.c.display_name,
                facility_managers.c.role,
                facility_managers.c.added_by,
                facility_managers.c.added_at,
            )
            .select_from(facility_managers.join(users, users.c.id == facility_managers.c.user_id))
            .where(facility_managers.c.facility_id == fid, users.c.deleted_at.is_(None))
            .order_by(facility_managers.c.added_at, facility_managers.c.user_id)
        ).all()
    return [dict(r._mapping) for r in rows]


def facilities_managed_by(store: Store, user_id: int) -> list[dict[str, Any]]:
    """The facilities `user_id` manages: id, key, name, role."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(facilities.c.id, facilities.c.key, facilities.c.name, facility_managers.c.role)
            .select_from(
                facility_managers.join(
                    facilities, facilities.c.id == facility_managers.c.facility_id
                )
            )
            .where(facility_managers.c.user_id == user_id)
            .order_by(facilities.c.name_sort)
        ).all()
    return [dict(r._mapping) for r in rows]


def managed_ids(conn: Connection, user_id: int) -> frozenset[str]:
    """Row ids (as text) of the facilities `user_id` manages, for `Actor.managed_facilities`."""
    rows = conn.execute(
        select(facility_managers.c.facility_id).where(facility_managers.c.user_id == user_id)
    ).scalars()
    return frozenset(str(r) for r in rows)
