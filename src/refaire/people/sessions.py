"""Browser sessions and logging in.

The session cookie is `<random id>.<HMAC of it>`: signed with the site secret, so a forged
cookie is refused before any database lookup, and backed by a row (only the id's SHA-256
is stored) so that logging out, deleting an account or a password reset ends it for good.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from refaire.people import actor_cache
from refaire.people._common import clean, digest, stamp, stamp_in
from refaire.people.passwords import hash_password, needs_rehash, verify_password
from refaire.people.ratelimit import RateLimits, TooManyAttempts
from refaire.people.secret import site_secret
from refaire.people.users import row_with_hash
from refaire.store.db import Store
from refaire.store.tables import facility_managers, user_sessions, users

COOKIE = "refaire_session"
LIFETIME = timedelta(days=30)


def _sign(store: Store, session_id: str) -> str:
    mac = hmac.new(site_secret(store), f"session|{session_id}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def unsigned_id(store: Store, cookie: str | None) -> str | None:
    """The session id inside a cookie whose signature holds, else None."""
    if not cookie or "." not in cookie or len(cookie) > 200:
        return None
    session_id, _, mac = cookie.rpartition(".")
    return session_id if hmac.compare_digest(mac, _sign(store, session_id)) else None


def create_session(store: Store, user_id: int) -> str:
    """A new session for `user_id`; returns the cookie value."""
    session_id = secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        conn.execute(
            insert(user_sessions).values(
                token_hash=digest(session_id),
                user_id=user_id,
                created_at=stamp(),
                expires_at=stamp_in(LIFETIME),
            )
        )
    return f"{session_id}.{_sign(store, session_id)}"


def session_user(store: Store, cookie: str | None) -> dict[str, Any] | None:
    """The live, verified-or-not account behind a cookie, or None (bad, expired, ended)."""
    session_id = unsigned_id(store, cookie)
    if session_id is None:
        return None
    query = (
        select(
            users.c.id,
            users.c.email,
            users.c.display_name,
            users.c.is_admin,
            facility_managers.c.facility_id,
        )
        .select_from(
            user_sessions.join(users, users.c.id == user_sessions.c.user_id).outerjoin(
                facility_managers, facility_managers.c.user_id == users.c.id
            )
        )
        .where(
            user_sessions.c.token_hash == digest(session_id),
            user_sessions.c.expires_at > stamp(),
            users.c.deleted_at.is_(None),
        )
    )
    # One query per request: the account and the facilities it manages (one row each).
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return with_managed(rows)


def with_managed(rows: list[Any]) -> dict[str, Any] | None:
    """An account row, joined to facility_managers, as one dict with `managed` ids."""
    if not rows:
        return None
    user = {k: v for k, v in rows[0]._mapping.items() if k != "facility_id"}
    user["managed"] = {str(r.facility_id) for r in rows if r.facility_id is not None}
    return user


def end_session(store: Store, cookie: str | None) -> None:
    session_id = unsigned_id(store, cookie)
    if session_id is not None:
        with store.engine.begin() as conn:
            conn.execute(
                delete(user_sessions).where(user_sessions.c.token_hash == digest(session_id))
            )
        actor_cache.forget_all()  # this process stops honouring the cookie at once


def end_all_sessions(conn: Any, user_id: int) -> None:
    conn.execute(delete(user_sessions).where(user_sessions.c.user_id == user_id))


class BadCredentials(Exception):
    """Wrong e-mail or password: one answer for both, so it never tells which."""


class NotVerified(Exception):
    """Right password, but the e-mail address is not verified yet (safe to say: only
    someone who knows the password learns it)."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        super().__init__("this e-mail address is not verified yet")


def log_in(
    store: Store, email: str, password: str, *, address: str, limits: RateLimits
) -> tuple[dict[str, Any], str]:
    """Check a password login; returns (account row, session cookie).

    TooManyAttempts when the typed e-mail or the client address is blocked (checked before
    the password, so a blocked guesser learns nothing); BadCredentials otherwise on failure;
    NotVerified for the right password of an account whose e-mail is not verified yet.
    The hash is verified even for an unknown e-mail, so timing does not tell either.
    """
    account_key = clean(email).strip().lower()[:320]
    wait = max(
        limits.login_account.retry_after(account_key),
        limits.login_address.retry_after(address),
    )
    if wait:
        raise TooManyAttempts(wait)
    with store.engine.connect() as conn:
        row = row_with_hash(conn, account_key) if account_key else None
    stored = row["password_hash"] if row else None
    if not verify_password(stored, password or ""):
        limits.login_account.failure(account_key)
        limits.login_address.failure(address)
        raise BadCredentials()
    assert row is not None and stored is not None
    limits.login_account.success(account_key)
    if row["verified_at"] is None:
        raise NotVerified(row["id"])
    if needs_rehash(stored):
        with store.engine.begin() as conn:
            conn.execute(
                update(users)
                .where(users.c.id == row["id"])
                .values(password_hash=hash_password(password))
            )
    return row, create_session(store, row["id"])
