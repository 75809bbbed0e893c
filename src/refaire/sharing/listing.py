"""Reading bookings: one booking for its member or managers, a member's own bookings, a
resource's or facility's bookings for its managers (with who booked)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from refaire.people.actor import Actor
from refaire.said import Said
from refaire.sharing.access import NotAllowed, SharingError, manages_resource, require_member
from refaire.sharing.resources import get_resource
from refaire.sharing.service import STATUSES, _load, _owner_or_manager, as_dict
from refaire.store import Store
from refaire.store import sharing as q


def booking_detail(store: Store, actor: Actor, bid: int | str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        b = _load(conn, bid)
    r = get_resource(store, b["resource_id"])
    _owner_or_manager(store, actor, b, r, Said("sharing.what.see"), "read")
    return as_dict(b, r)


def list_bookings(
    store: Store, actor: Actor, *, mine: bool = False, resource: int | str | None = None,
    facility: int | str | None = None, start: datetime | None = None,
    end: datetime | None = None, status: str | None = None, limit: int = 50, offset: int = 0,
) -> dict[str, Any]:  # fmt: skip
    """A member's own bookings, or a resource's / facility's bookings for its managers."""
    from refaire.sharing.resources import list_resources

    require_member(actor, Said("sharing.what.see_all"), "read")
    if status is not None and status not in STATUSES:
        raise SharingError([("status", Said("sharing.err.one_of", allowed=", ".join(STATUSES)))])
    ids: list[int] | None = None
    if resource is not None:
        r = get_resource(store, resource)
        if not mine and not manages_resource(store, actor, r):
            raise NotAllowed(Said("sharing.err.only_managers_see", name=r["name"]))
        ids = [r["id"]]
    elif facility is not None:
        from refaire.manage.access import find_facility
        from refaire.people.roles import manages_facility

        fid, f = find_facility(store, facility)
        if not mine and not manages_facility(store, actor, fid):
            raise NotAllowed(Said("sharing.err.only_managers_see", name=f.name))
        ids = [x["id"] for x in list_resources(store, facility=fid, limit=10_000)["items"]]
    elif not mine:
        raise SharingError([("filter", Said("sharing.err.whose"))])
    with store.engine.connect() as conn:
        page = q.bookings_where(conn, user_id=actor.user_id if mine else None,
                                resource_ids=ids, start=start, end=end, status=status,
                                kind="booking" if mine else None, limit=limit,
                                offset=offset)  # fmt: skip
    page["items"] = [as_dict(b) for b in page["items"]]
    if not mine:  # the managers see who booked
        names = _member_names(store, {b["user_id"] for b in page["items"] if b["user_id"]})
        for b in page["items"]:
            b["member"] = names.get(b["user_id"])
    return page


def _member_names(store: Store, ids: set[int]) -> dict[int, str]:
    from sqlalchemy import select

    from refaire.store.tables import users

    if not ids:
        return {}
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(users.c.id, users.c.display_name, users.c.email).where(
                users.c.id.in_(ids), users.c.deleted_at.is_(None)
            )
        )
        return {r.id: r.display_name or r.email for r in rows}
