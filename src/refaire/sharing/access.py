"""Who may do what with a resource, and the errors every sharing service raises.

A facility's machines and spaces are managed by its managers (refaire.people.roles) and
site admins; a lent tool by its owner (and admins). Any signed-in member may book; a
personal API token must carry `write:bookings` to book and `write:facilities` to manage a
facility's resources. Refusals are sentences the interfaces show as they are.
"""

from __future__ import annotations

from typing import Any

from refaire.manage.access import NotAllowed
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.store import Store

BOOK_SCOPE = "write:bookings"
MANAGE_SCOPE = "write:facilities"

__all__ = ["NotAllowed", "SharingError", "BookingConflict", "UnknownBooking", "UnknownResource"]


class SharingError(ValueError):
    """A request that cannot be done; `problems` lists every (field, message).

    `status` is 422 for wrong values, 409 for a state that forbids it (a deadline passed,
    a booking already cancelled).
    """

    def __init__(self, problems: list[tuple[str, str]], status: int = 422) -> None:
        self.problems = problems
        self.status = status
        super().__init__("; ".join(f"{f}: {m}" if f else m for f, m in problems))


class BookingConflict(SharingError):
    """The slot is taken: names the conflicting booking's time and offers free slots."""

    def __init__(self, message: str, conflict: dict[str, Any], next_free: list[dict[str, Any]]):
        super().__init__([("starts_at", message)], status=409)
        self.message = message
        self.conflict = conflict
        self.next_free = next_free

    def to_dict(self) -> dict[str, Any]:
        return {"detail": self.message, "conflict": self.conflict, "next_free": self.next_free}


class UnknownResource(LookupError):
    """No bookable resource with that id."""


class UnknownBooking(LookupError):
    """No booking with that id."""


class UnknownTraining(LookupError):
    """No training or training session with that id."""


def require_member(actor: Actor, what: str, scope: str = BOOK_SCOPE) -> None:
    if actor.is_anonymous:
        raise NotAllowed(Said("sharing.err.sign_in", what=what), status=401)
    if not actor.has_scope(scope):
        raise NotAllowed(Said("sharing.err.scope", scope=scope, what=what))


def manages_resource(store: Store, actor: Actor, resource: dict[str, Any]) -> bool:
    """An admin, a manager of the resource's facility, or the owner of a lent tool."""
    if actor.is_anonymous:
        return False
    if actor.is_admin:
        return actor.has_scope("admin")
    if resource.get("owner_user_id") is not None:
        return resource["owner_user_id"] == actor.user_id
    from refaire.people.roles import manages_facility

    return manages_facility(store, actor, resource["facility_id"])


def check_manages(store: Store, actor: Actor, resource: dict[str, Any], what: str) -> None:
    """NotAllowed unless `actor` manages the resource (and the token allows it)."""
    scope = MANAGE_SCOPE if resource.get("facility_id") is not None else BOOK_SCOPE
    require_member(actor, what, scope)
    if not manages_resource(store, actor, resource):
        key = "sharing.err.only_owner" if resource.get("owner_user_id") else "sharing.err.only_managers"
        raise NotAllowed(Said(key, what=what, name=resource["name"]))
