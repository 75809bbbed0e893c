"""Who may change a facility, and the errors every facility write raises.

A facility's managers and co-managers (refaire.people.roles) and site admins may edit it;
a personal API token must also carry the `write:facilities` scope. Every refusal is a
sentence the interfaces show as is (401 for nobody signed in, 403 otherwise).
"""

from __future__ import annotations

from refaire.model import Facility
from refaire.people._common import NotAllowed as PeopleNotAllowed
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.store import Store
from refaire.store.facilities import get_facility

SCOPE = "write:facilities"


class NotAllowed(PeopleNotAllowed):
    """The actor may not make this change; `status` is 401 when nobody is signed in.

    A kind of refaire.people's NotAllowed, so one handler answers both."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.status = status


class ManageError(ValueError):
    """Input that cannot be stored; `problems` lists every (field, message).

    `status` is 422 for wrong values, 409 for a state that forbids the change (a facility
    already managed, a claim already decided).
    """

    def __init__(self, problems: list[tuple[str, str]], status: int = 422) -> None:
        self.problems = problems
        self.status = status
        super().__init__("; ".join(f"{f}: {m}" if f else m for f, m in problems))


class UnknownItem(LookupError):
    """A claim, suggestion or machine that does not exist."""


def free_text(value: str | None, limit: int) -> str | None:
    """A person's note as stored: no NUL or other control characters (PostgreSQL refuses
    NUL in text), at most `limit` characters, None when empty."""
    text = "".join(c for c in (value or "") if c >= " " or c in "\n\t")
    return text.strip()[:limit] or None


def find_facility(store: Store, ident: int | str) -> tuple[int, Facility]:
    from refaire.registry.facilities import UnknownFacility

    found = get_facility(store, ident)
    if found is None:
        raise UnknownFacility(ident)
    return found


def require_member(actor: Actor, what: str) -> None:
    if actor.is_anonymous:
        raise NotAllowed(Said("manage.err.sign_in", what=what), status=401)


def acts_as_admin(actor: Actor) -> bool:
    """A site admin whose credentials allow admin work (a token needs the admin scope)."""
    return actor.is_admin and actor.has_scope("admin")


def check_scope(actor: Actor) -> None:
    if not actor.has_scope(SCOPE):
        raise NotAllowed(Said("manage.err.scope", scope=SCOPE))


def may_manage(store: Store, actor: Actor, fid: int) -> bool:
    from refaire.people.roles import manages_facility

    return not actor.is_anonymous and manages_facility(store, actor, fid)


def check_manager(store: Store, actor: Actor, fid: int, name: str) -> None:
    """Raise NotAllowed unless `actor` manages facility `fid` (or is an admin)."""
    require_member(actor, Said("manage.what.change", name=name))
    check_scope(actor)
    if not may_manage(store, actor, fid):
        raise NotAllowed(Said("manage.err.only_managers", name=name))
