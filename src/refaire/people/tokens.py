"""Personal API tokens: `Authorization: Bearer rf_…`.

A token is 256 random bits shown once at creation; the database keeps its SHA-256, a short
prefix to recognise it in lists, its scopes and its last use. Scopes only narrow what the
owner may do: a `write:facilities` token of a member who manages no facility still cannot
edit one.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from refaire.people import audit
from refaire.people._common import NotAllowed, PeopleError, clean, digest, stamp
from refaire.people.actor import Actor
from refaire.people.sessions import with_managed
from refaire.people.users import get_user
from refaire.said import Said
from refaire.store.db import Store
from refaire.store.tables import api_tokens, facility_managers, users

SCOPES = ("read", "write:facilities", "write:designs", "write:bookings", "write:production",
          "admin")
PREFIX = "rf_"
# last_used_at is refreshed at most this often, so reads with a token rarely write.
_TOUCH_EVERY = timedelta(minutes=1)


def check_scopes(scopes: list[str]) -> list[str]:
    wanted = sorted({s.strip() for s in scopes if s.strip()})
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown or not wanted:
        raise PeopleError(
            [("scopes", "people.error.scopes")], known=", ".join(SCOPES), given=", ".join(unknown)
        )
    return wanted


def create_token(
    store: Store, user_id: int, name: str, scopes: list[str], *, by: Actor
) -> dict[str, Any]:
    """A new token for `user_id`; the returned dict holds the secret (`token`) this once."""
    if by.user_id != user_id and not by.is_admin:
        raise NotAllowed("you can only create tokens for your own account")
    wanted = check_scopes(scopes)
    owner = get_user(store, user_id)
    if "admin" in wanted and not owner["is_admin"]:
        raise PeopleError([("scopes", "people.error.admin_scope")])
    label = clean(name).strip()[:200]
    if not label:
        raise PeopleError([("name", "people.error.token_name")])
    secret = PREFIX + secrets.token_urlsafe(32)
    values = {
        "user_id": user_id,
        "name": label,
        "token_hash": digest(secret),
        "prefix": secret[:10],
        "scopes": wanted,
        "created_at": stamp(),
    }
    with store.engine.begin() as conn:
        tid = conn.execute(insert(api_tokens).values(**values).returning(api_tokens.c.id)).scalar()
        audit.record(
            conn, by, "token.create", "token", str(tid), None, {"user": user_id, "scopes": wanted}
        )
    return {**_public(values | {"id": tid}), "token": secret}


def _public(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "user_id", "name", "prefix", "scopes", "created_at")
    out = {k: row.get(k) for k in keys}
    out["last_used_at"] = row.get("last_used_at")
    out["revoked_at"] = row.get("revoked_at")
    return out


def list_tokens(store: Store, user_id: int | None = None) -> dict[str, Any]:
    """Tokens of one account (or all), newest first, without their secrets."""
    query = select(api_tokens).order_by(api_tokens.c.id.desc())
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    with store.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    items = [_public(r) for r in rows]
    return {"total": len(items), "limit": len(items), "offset": 0, "items": items}


def revoke_token(store: Store, token_id: int, *, by: Actor) -> dict[str, Any]:
    with store.engine.begin() as conn:
        row = conn.execute(select(api_tokens).where(api_tokens.c.id == token_id)).first()
        if row is None:
            raise LookupError(Said("err.no_token", id=token_id))
        found = dict(row._mapping)
        if found["user_id"] != by.user_id and not by.is_admin:
            raise NotAllowed("you can only revoke your own tokens")
        if found["revoked_at"] is None:
            found["revoked_at"] = stamp()
            conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id)
                .values(revoked_at=found["revoked_at"])
            )
            audit.record(
                conn, by, "token.revoke", "token", str(token_id), {"revoked": False},
                {"revoked": True},
            )  # fmt: skip
    return _public(found)


def token_owner(store: Store, secret: str) -> tuple[dict[str, Any], list[str]] | None:
    """(owner, scopes) for a live token, refreshing its last use; None if unknown/revoked."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    query = (
        select(
            api_tokens.c.id,
            api_tokens.c.scopes,
            api_tokens.c.last_used_at,
            users.c.id.label("user_id"),
            users.c.email,
            users.c.display_name,
            users.c.is_admin,
            facility_managers.c.facility_id,
        )
        .select_from(
            api_tokens.join(users, users.c.id == api_tokens.c.user_id).outerjoin(
                facility_managers, facility_managers.c.user_id == users.c.id
            )
        )
        .where(
            api_tokens.c.token_hash == digest(secret),
            api_tokens.c.revoked_at.is_(None),
            users.c.deleted_at.is_(None),
        )
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    found = with_managed(rows)
    if found is None:
        return None
    last = found["last_used_at"]
    if last is None or datetime.fromisoformat(last) < datetime.now(UTC) - _TOUCH_EVERY:
        with store.engine.begin() as conn:
            conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == found["id"])
                .values(last_used_at=stamp())
            )
    owner = {
        "id": found["user_id"],
        "email": found["email"],
        "display_name": found["display_name"],
        "is_admin": found["is_admin"],
        "managed": found["managed"],
    }
    return owner, list(found["scopes"])
