"""Accounts: creating them, finding them, and the site-admin flag.

E-mail addresses are stored lower-cased and unique. A new account made by sign-up waits
for its e-mail to be verified (`links.py`); one made by the operator at the command line
is taken as verified, since the operator vouches for it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from refaire.people import audit
from refaire.people._common import NotAllowed, PeopleError, UnknownUser, clean, stamp
from refaire.people.actor import Actor
from refaire.people.passwords import check_strength, hash_password
from refaire.said import Said
from refaire.store.db import Store
from refaire.store.tables import users

# Deliberately loose (RFC 5322 allows far more): one @, a dot in the domain, no spaces.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    value = (email or "").strip().lower()
    if len(value) > 320 or not _EMAIL.match(value) or clean(value) != value:
        raise PeopleError([("email", "people.error.email_invalid")])
    return value


def create_user(
    store: Store,
    email: str,
    password: str | None,
    *,
    by: Actor,
    display_name: str | None = None,
    is_admin: bool = False,
    verified: bool = False,
) -> dict[str, Any]:
    """A new account; PeopleError for a bad e-mail, a weak password or a taken e-mail."""
    address = normalise_email(email)
    if is_admin and not by.is_admin:
        raise NotAllowed(Said("people.err.create_admin"))
    name = clean(display_name).strip()[:200] or None
    if password is not None:
        check_strength(password, email=address, name=name or "")
    values = {
        "email": address,
        "password_hash": hash_password(password) if password is not None else None,
        "display_name": name,
        "languages": [],
        "public": False,
        "is_admin": is_admin,
        "verified_at": stamp() if verified else None,
        "created_at": stamp(),
    }
    try:
        with store.engine.begin() as conn:
            uid = conn.execute(insert(users).values(**values).returning(users.c.id)).scalar_one()
            # A person signing up is the actor of their own account's creation.
            actor = by if not by.is_anonymous else Actor(user_id=uid, via="signup")
            audit.record(
                conn,
                actor,
                "user.create",
                "user",
                str(uid),
                None,
                {"is_admin": is_admin, "verified": verified},
            )
    except IntegrityError:
        raise PeopleError([("email", "people.error.email_taken")]) from None
    return get_user(store, uid)


def _row(conn: Connection, **where: Any) -> dict[str, Any] | None:
    query = select(users).where(users.c.deleted_at.is_(None))
    for column, value in where.items():
        query = query.where(users.c[column] == value)
    row = conn.execute(query).first()
    return dict(row._mapping) if row else None


def get_user(store: Store, user_id: int) -> dict[str, Any]:
    """The account as a dict (without its password hash); UnknownUser if none or deleted."""
    with store.engine.connect() as conn:
        found = _row(conn, id=user_id)
    if found is None:
        raise UnknownUser(Said("people.err.no_account_id", id=user_id))
    return public_fields(found)


def find_user(store: Store, email_or_id: str | int) -> dict[str, Any]:
    """By e-mail (any case) or numeric id."""
    text = str(email_or_id).strip()
    if text.isascii() and text.isdigit() and len(text) < 10:
        return get_user(store, int(text))
    text = clean(text)
    with store.engine.connect() as conn:
        found = _row(conn, email=text.lower())
    if found is None:
        raise UnknownUser(Said("people.err.no_account_email", email=text))
    return public_fields(found)


def row_with_hash(conn: Connection, email: str) -> dict[str, Any] | None:
    """The live account row with its password hash, for logging in."""
    return _row(conn, email=email.strip().lower())


def public_fields(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k != "password_hash"}
    out["has_password"] = row.get("password_hash") is not None
    out["verified"] = row.get("verified_at") is not None
    out["is_admin"] = bool(row.get("is_admin"))
    out["public"] = bool(row.get("public"))
    out["languages"] = row.get("languages") or []
    return out


def list_users(store: Store, *, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    live = users.c.deleted_at.is_(None)
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(users).where(live)).scalar()
        rows = conn.execute(
            select(users).where(live).order_by(users.c.id).limit(limit).offset(offset)
        ).all()
    items = [public_fields(dict(r._mapping)) for r in rows]
    return {"total": total or 0, "limit": limit, "offset": offset, "items": items}


def set_admin(store: Store, email_or_id: str | int, is_admin: bool, *, by: Actor) -> dict:
    """Promote to or demote from site admin; only an admin may, and not the last admin."""
    if not by.is_admin:
        raise NotAllowed(Said("people.err.change_admin"))
    user = find_user(store, email_or_id)
    with store.engine.begin() as conn:
        if not is_admin and user["is_admin"]:
            admins = conn.execute(
                select(func.count())
                .select_from(users)
                .where(users.c.is_admin.is_(True), users.c.deleted_at.is_(None))
            ).scalar()
            if admins <= 1 and by.user_id == user["id"]:
                raise PeopleError([("user", "people.error.last_admin")])
        conn.execute(update(users).where(users.c.id == user["id"]).values(is_admin=is_admin))
        audit.record(
            conn,
            by,
            "user.promote" if is_admin else "user.demote",
            "user",
            str(user["id"]),
            {"is_admin": user["is_admin"]},
            {"is_admin": is_admin},
        )
    return get_user(store, user["id"])
