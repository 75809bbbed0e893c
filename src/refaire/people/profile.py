"""A person's own record: profile, export of all their data, deletion of their account.

Deleting keeps the account's row, emptied of everything personal, so audit entries and
whatever the person owned keep a party to point at ("user:12", shown as a deleted account)
without anything that identifies them; sessions, tokens, pending links and facility roles
go with it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, or_, select, update

from refaire.people import audit
from refaire.people._common import NotAllowed, PeopleError, clean, stamp
from refaire.people.actor import Actor
from refaire.people.passwords import verify_password
from refaire.people.roles import facilities_managed_by
from refaire.people.tokens import list_tokens
from refaire.people.users import get_user
from refaire.said import Said
from refaire.store.db import Store
from refaire.store.tables import (
    api_tokens,
    audit_log,
    facility_managers,
    user_links,
    user_sessions,
    users,
)

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
FIELDS = ("display_name", "languages", "town", "country", "public")


def _own(actor: Actor, user_id: int) -> None:
    if actor.user_id != user_id and not actor.is_admin:
        raise NotAllowed("you can only change your own account")


def update_profile(
    store: Store, user_id: int, changes: dict[str, Any], *, by: Actor
) -> dict[str, Any]:
    """Apply the given profile fields; PeopleError lists every bad one, nothing is written.

    `town` is resolved with the offline gazetteer in `country` (ISO 3166 alpha-2): the
    profile keeps the gazetteer's name and its coordinates, or refuses an unknown town.
    """
    _own(by, user_id)
    current = get_user(store, user_id)
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    if "display_name" in changes:
        values["display_name"] = clean(str(changes["display_name"] or "")).strip()[:200] or None
    if "languages" in changes:
        raw = changes["languages"] or []
        tags = [t.strip() for t in (raw.split(",") if isinstance(raw, str) else raw) if t.strip()]
        if any(not _LANGUAGE.match(t) for t in tags) or len(tags) > 20:
            problems.append(("languages", "people.error.languages"))
        values["languages"] = list(dict.fromkeys(tags))
    if "public" in changes:
        values["public"] = bool(changes["public"])
    if "town" in changes or "country" in changes:
        town = clean(str(changes.get("town", current["town"]) or "")).strip()
        country = clean(str(changes.get("country", current["country"]) or "")).strip().upper()
        if not town:
            values.update(town=None, country=country or None, latitude=None, longitude=None)
        else:
            from refaire.vocab.gazetteer import find_town

            found = find_town(country, town) if re.fullmatch(r"[A-Z]{2}", country) else None
            if found is None:
                problems.append(("town", "people.error.town_unknown"))
            else:
                values.update(
                    town=found.name,
                    country=found.country,
                    latitude=found.latitude,
                    longitude=found.longitude,
                )
    if problems:
        raise PeopleError(problems)
    changed = sorted(k for k, v in values.items() if current.get(k) != v and k in FIELDS)
    with store.engine.begin() as conn:
        conn.execute(update(users).where(users.c.id == user_id).values(**values))
        # Which fields changed, not their values: the trail keeps nothing personal.
        audit.record(conn, by, "user.profile", "user", str(user_id), None, {"changed": changed})
    return get_user(store, user_id)


def export_data(store: Store, user_id: int) -> dict[str, Any]:
    """Everything Refaire holds about the person, as one JSON-ready dict."""
    me = f"user:{user_id}"
    with store.engine.connect() as conn:
        sessions = conn.execute(
            select(user_sessions.c.created_at, user_sessions.c.expires_at).where(
                user_sessions.c.user_id == user_id
            )
        ).all()
        trail = conn.execute(
            select(audit_log)
            .where(
                or_(
                    audit_log.c.actor == me,
                    (audit_log.c.target_type == "user") & (audit_log.c.target_id == str(user_id)),
                )
            )
            .order_by(audit_log.c.id)
        ).all()
    return {
        "format": "refaire-personal-data/1",
        "exported_at": stamp(),
        "account": get_user(store, user_id),
        "sessions": [dict(r._mapping) for r in sessions],
        "tokens": list_tokens(store, user_id)["items"],
        "facilities_managed": facilities_managed_by(store, user_id),
        "audit": [dict(r._mapping) for r in trail],
    }


def _last_admin(store: Store, user_id: int) -> bool:
    live_admin = (users.c.is_admin.is_(True)) & (users.c.deleted_at.is_(None))
    with store.engine.connect() as conn:
        admins = conn.execute(select(users.c.id).where(live_admin)).scalars().all()
    return admins == [user_id]


def delete_account(store: Store, user_id: int, password: str | None, *, by: Actor) -> None:
    """Delete an account: the person confirms with their password (an admin needs none)."""
    _own(by, user_id)
    with store.engine.connect() as conn:
        stored = conn.execute(
            select(users.c.password_hash).where(users.c.id == user_id, users.c.deleted_at.is_(None))
        ).first()
    if stored is None:
        raise LookupError(Said("people.err.no_account_id", id=user_id))
    if _last_admin(store, user_id):
        raise PeopleError([("user", "people.error.last_admin")])
    # The person confirms with their password; an account that never set one cannot be
    # signed in to, so only an admin (or the operator) deletes it.
    if by.user_id == user_id and not verify_password(stored.password_hash, password or ""):
        raise PeopleError([("password", "people.error.password_wrong")])
    with store.engine.begin() as conn:
        for table in (user_sessions, user_links, facility_managers):
            conn.execute(delete(table).where(table.c.user_id == user_id))
        conn.execute(
            update(api_tokens)
            .where(api_tokens.c.user_id == user_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=stamp())
        )
        conn.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(
                email=f"deleted-{user_id}@deleted.invalid",
                password_hash=None,
                display_name=None,
                languages=None,
                town=None,
                country=None,
                latitude=None,
                longitude=None,
                public=False,
                is_admin=False,
                deleted_at=stamp(),
            )
        )
        audit.record(conn, by, "user.delete", "user", str(user_id), None, {"deleted": True})
