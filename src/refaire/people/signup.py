"""Signing up, verifying the e-mail address, and resetting a forgotten password.

Both mails carry a single-use link: 256 random bits, stored as SHA-256, expiring (48 hours
to verify, 1 hour to reset), and spent in the same transaction as the change it allows,
so a link followed twice, or after a newer one was sent, is refused with a clear reason.
A reset ends every session of the account. Asking for a reset answers the same whether or
not the address has an account.
"""

from __future__ import annotations

import os
import secrets
import smtplib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from refaire.people import audit
from refaire.people._common import PeopleError, UnknownUser, digest, now, stamp, stamp_in
from refaire.people.actor import ANONYMOUS, Actor
from refaire.people.mail import deliver
from refaire.people.passwords import check_strength, hash_password
from refaire.people.sessions import end_all_sessions
from refaire.people.users import create_user, find_user
from refaire.store.db import Store
from refaire.store.tables import user_links, users

LIFETIMES = {"verify": timedelta(hours=48), "reset": timedelta(hours=1)}
PAGES = {"verify": "/verify", "reset": "/reset/confirm"}


def base_url(request_base: str | None = None) -> str:
    """Where links in mails point: REFAIRE_BASE_URL (behind a proxy), else the request's."""
    given = os.environ.get("REFAIRE_BASE_URL") or request_base or "http://127.0.0.1:8000"
    return given.rstrip("/")


def _issue(store: Store, user_id: int, purpose: str) -> str:
    """A new link secret; older unused links of the same purpose stop working."""
    secret = secrets.token_urlsafe(32)
    with store.engine.begin() as conn:
        conn.execute(
            update(user_links)
            .where(
                user_links.c.user_id == user_id,
                user_links.c.purpose == purpose,
                user_links.c.used_at.is_(None),
            )
            .values(used_at=stamp())
        )
        conn.execute(
            insert(user_links).values(
                user_id=user_id,
                purpose=purpose,
                token_hash=digest(secret),
                created_at=stamp(),
                expires_at=stamp_in(LIFETIMES[purpose]),
            )
        )
    return secret


def _mail_link(store: Store, user: dict[str, Any], purpose: str, base: str, lang: str) -> None:
    from refaire.web.i18n import translate

    link = f"{base_url(base)}{PAGES[purpose]}?token={_issue(store, user['id'], purpose)}"
    hours = int(LIFETIMES[purpose].total_seconds() // 3600)
    deliver(
        store,
        user["email"],
        translate(lang, f"people.mail.{purpose}.subject"),
        translate(lang, f"people.mail.{purpose}.body", link=link, hours=hours),
    )


def sign_up(
    store: Store,
    email: str,
    password: str,
    *,
    display_name: str | None = None,
    base: str | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """A new, unverified account, and the mail with its verification link.

    MailFailed when the mail cannot be sent: the account is then removed again, so the
    person can simply sign up later (an account nobody can verify would hold the address).
    In a served app the mail is a queued job: its failure, after the retries, is that job's
    (shown in the jobs list); the person can ask for the link again (`send_verification`).
    """
    user = create_user(store, email, password, by=ANONYMOUS, display_name=display_name)
    try:
        _mail_link(store, user, "verify", base or "", lang)
    except (OSError, smtplib.SMTPException) as exc:
        with store.engine.begin() as conn:
            conn.execute(delete(user_links).where(user_links.c.user_id == user["id"]))
            conn.execute(delete(users).where(users.c.id == user["id"]))
            audit.record(
                conn, Actor(user_id=user["id"], via="signup"), "user.create_undone", "user",
                str(user["id"]), None, {"reason": "verification mail could not be sent"},
            )  # fmt: skip
        raise MailFailed(str(exc)) from exc
    return user


class MailFailed(Exception):
    """The mail server refused or could not be reached; nothing was kept."""


def send_verification(store: Store, user: dict[str, Any], *, base: str | None, lang: str) -> None:
    if user["verified"]:
        raise PeopleError([("email", "people.error.already_verified")])
    _mail_link(store, user, "verify", base or "", lang)


def _spend(conn: Any, secret: str, purpose: str) -> int:
    """Mark the link used and return its account id; PeopleError naming what is wrong."""
    row = conn.execute(
        select(user_links).where(
            user_links.c.token_hash == digest(secret or ""), user_links.c.purpose == purpose
        )
    ).first()
    if row is None:
        raise PeopleError([("token", "people.error.link_unknown")])
    if row.used_at is not None:
        raise PeopleError([("token", "people.error.link_used")])
    if datetime.fromisoformat(row.expires_at) < now():
        raise PeopleError([("token", "people.error.link_expired")])
    spent = conn.execute(
        update(user_links)
        .where(user_links.c.id == row.id, user_links.c.used_at.is_(None))
        .values(used_at=stamp())
    )
    if spent.rowcount != 1:  # followed twice at the same moment: only one wins
        raise PeopleError([("token", "people.error.link_used")])
    return row.user_id


def verify_email(store: Store, secret: str) -> dict[str, Any]:
    """Spend a verification link: the account's address is now verified."""
    with store.engine.begin() as conn:
        uid = _spend(conn, secret, "verify")
        conn.execute(
            update(users)
            .where(users.c.id == uid, users.c.verified_at.is_(None))
            .values(verified_at=stamp())
        )
        audit.record(
            conn, Actor(user_id=uid, via="link"), "user.verify", "user", str(uid),
            {"verified": False}, {"verified": True},
        )  # fmt: skip
    return find_user(store, uid)


def request_reset(store: Store, email: str, *, base: str | None, lang: str) -> None:
    """Mail a reset link if the address has an account; silently nothing otherwise."""
    try:
        user = find_user(store, (email or "").strip().lower())
    except UnknownUser:
        return
    _mail_link(store, user, "reset", base or "", lang)


def reset_password(store: Store, secret: str, password: str) -> dict[str, Any]:
    """Spend a reset link: set the new password, end every session, and count the address
    as verified (the link reached it)."""
    with store.engine.connect() as conn:
        row = conn.execute(
            select(users.c.email, users.c.display_name)
            .select_from(user_links.join(users, users.c.id == user_links.c.user_id))
            .where(user_links.c.token_hash == digest(secret or ""))
        ).first()
    if row is None:  # no hashing work for a link that does not exist
        raise PeopleError([("token", "people.error.link_unknown")])
    # Strength before spending the link: a refused password leaves the link usable.
    check_strength(password, email=row.email, name=row.display_name or "")
    new_hash = hash_password(password)
    with store.engine.begin() as conn:
        uid = _spend(conn, secret, "reset")
        current = conn.execute(select(users.c.verified_at).where(users.c.id == uid)).scalar()
        conn.execute(
            update(users)
            .where(users.c.id == uid)
            .values(password_hash=new_hash, verified_at=current or stamp())
        )
        end_all_sessions(conn, uid)
        audit.record(
            conn, Actor(user_id=uid, via="link"), "user.password_reset", "user", str(uid),
            None, {"sessions_ended": True},
        )  # fmt: skip
    return find_user(store, uid)
