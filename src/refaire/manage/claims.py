"""Claiming a facility: a member asks to manage a place imported from a public source.

Two ways to be confirmed: an admin approves the claim, or the member proves control of the
facility's own website domain by following a link mailed to an address at that domain
(and only that domain: `fablab-lyon.fr` for `https://www.fablab-lyon.fr/`). A facility that
already has managers cannot be claimed: its managers invite co-managers instead.
The mailed link carries a random token; only its SHA-256 is stored, and it expires.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, insert, select, update

from refaire.manage.access import (
    ManageError,
    NotAllowed,
    UnknownItem,
    acts_as_admin,
    check_manager,
    find_facility,
    free_text,
    require_member,
)
from refaire.manage.stated import now_stamp
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.store import Store
from refaire.store.tables import facilities, facility_claims

METHODS = ("admin", "mail")
STATUSES = ("pending", "approved", "rejected")
MAIL_VALID = timedelta(days=7)
# Websites that host many places' pages: an address there proves nothing about one place
# (the fab-lab list gives every lab a fablabs.io page as its website).
SHARED_HOSTS = frozenset({
    "fablabs.io", "facebook.com", "instagram.com", "twitter.com", "x.com", "linkedin.com",
    "google.com", "sites.google.com", "github.com", "github.io", "gitlab.com", "meetup.com",
    "wikipedia.org", "wordpress.com", "wixsite.com", "blogspot.com", "gmail.com",
    "hackerspaces.org", "makerspaces.make.co", "youtube.com", "tumblr.com", "framasite.org",
})  # fmt: skip


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def website_domain(url: str | None) -> str | None:
    """The host of a facility's own website without `www.`; None without one (no website,
    or a page on a site shared by many places such as fablabs.io or facebook.com)."""
    if not url:
        return None
    try:
        host = urlsplit(url if "://" in url else f"http://{url}").hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    host = host.lower().removeprefix("www.")
    if any(host == h or host.endswith(f".{h}") for h in SHARED_HOSTS):
        return None
    return host


NO_OWN_WEBSITE = (
    "this facility states no website of its own (a directory page does not count), so no "
    "mail can prove you run it: ask an admin instead (method admin)"
)
# the same sentence, worded on a page in its reader's language
NO_OWN_WEBSITE_SAID = "manage.err.no_website"


def claim_address(url: str | None, given: str) -> str:
    """The full address to mail: `given` is a local part or an address at the site's domain."""
    domain = website_domain(url)
    if domain is None:
        raise ManageError([("method", Said(NO_OWN_WEBSITE_SAID))])
    given = (given or "").strip().lower()
    local, at, host = given.partition("@")
    if not local or any(c in local for c in ' <>"(),;:\\[]') or not local.isprintable():
        raise ManageError([("email", Said("manage.err.address_at", domain=domain))])
    if at and host != domain:
        raise ManageError([("email", Said("manage.err.address_domain", domain=domain))])
    return f"{local}@{domain}"


def _managed(store: Store, fid: int) -> bool:
    from refaire.people.roles import managers_of

    return bool(managers_of(store, fid))


def _row_dict(row: Any, name: str | None = None) -> dict[str, Any]:
    d = dict(row._mapping)
    d.pop("token_hash", None)
    if name is not None:
        d["facility_name"] = name
    return d


def claim_facility(
    store: Store,
    actor: Actor,
    ident: int | str,
    *,
    method: str = "admin",
    email: str | None = None,
    message: str | None = None,
    base_url: str | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Ask to manage a facility; with method "mail", mail the confirmation link (to
    REFAIRE_BASE_URL when set, as account mails do, else to `base_url`, the request's).

    Raises NotAllowed (not signed in), ManageError (already managed, a pending claim of
    the same person, no website for a mail claim, an address at another domain).
    """
    require_member(actor, Said("manage.what.claim"))
    if actor.user_id is None:
        raise ManageError([("", Said("manage.err.bootstrap_claim"))])
    if method not in METHODS:
        raise ManageError([("method", Said("manage.err.one_of_got", allowed=", ".join(METHODS), value=method))])
    fid, f = find_facility(store, ident)
    if _managed(store, fid):
        raise ManageError(
            [("", Said("manage.err.has_managers", name=f.name))],
            status=409,
        )
    address = claim_address(f.url, email or "") if method == "mail" else None
    token = secrets.token_urlsafe(32) if method == "mail" else None
    from refaire.people import audit

    with store.engine.begin() as conn:
        mine = conn.execute(
            select(facility_claims.c.id).where(
                facility_claims.c.facility_id == fid,
                facility_claims.c.user_id == actor.user_id,
                facility_claims.c.status == "pending",
            )
        ).first()
        if mine is not None:
            raise ManageError(
                [("", Said("manage.err.pending_claim", name=f.name, id=mine.id))], status=409
            )
        cid = conn.execute(
            insert(facility_claims)
            .values(
                facility_id=fid,
                user_id=actor.user_id,
                method=method,
                email=address,
                token_hash=_digest(token) if token else None,
                message=free_text(message, 2000),
                status="pending",
                created_at=now_stamp(),
            )
            .returning(facility_claims.c.id)
        ).scalar_one()
        after = {"method": method, "email": address, "status": "pending"}
        audit.record(conn, actor, "facility.claim", "facility_claim", str(cid), None, after)
    if token is not None:
        from refaire.people.signup import base_url as link_base

        link = f"{link_base(base_url)}/manage/claims/confirm?token={token}"
        _mail_link(store, address, f.name, link, lang)
    return get_claim(store, cid)


def _mail_link(store: Store, to: str, name: str, link: str, lang: str) -> None:
    from refaire.people.mail import deliver
    from refaire.web.i18n import translate

    deliver(
        store,
        to,
        translate(lang, "manage.claim.mail.subject", name=name),
        translate(lang, "manage.claim.mail.text", name=name, link=link, days=MAIL_VALID.days),
    )


def get_claim(store: Store, cid: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(facility_claims, facilities.c.name)
            .join(facilities, facilities.c.id == facility_claims.c.facility_id)
            .where(facility_claims.c.id == cid)
        ).first()
    if row is None:
        raise UnknownItem(Said("err.no_claim", id=cid))
    return _row_dict(row)


def list_claims(
    store: Store,
    actor: Actor,
    *,
    status: str | None = "pending",
    mine: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Claims, newest first: every claim for an admin, one's own with `mine`."""
    if status is not None and status not in STATUSES:
        raise ManageError([("status", Said("manage.err.one_of", allowed=", ".join(STATUSES)))])
    require_member(actor, Said("manage.what.see_claims"))
    if not mine and not acts_as_admin(actor):
        raise NotAllowed(Said("manage.err.admins_see_claims"))
    where = []
    if status is not None:
        where.append(facility_claims.c.status == status)
    if mine:
        where.append(facility_claims.c.user_id == actor.user_id)
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(facility_claims).where(*where))
        rows = conn.execute(
            select(facility_claims, facilities.c.name)
            .join(facilities, facilities.c.id == facility_claims.c.facility_id)
            .where(*where)
            .order_by(facility_claims.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
        items = [_row_dict(r) for r in rows]
        count = total.scalar_one()
    _add_people(store, items)
    return {"total": count, "limit": limit, "offset": offset, "items": items}


def _add_people(store: Store, items: list[dict[str, Any]]) -> None:
    """The claimant's e-mail, for the admins who decide (they see accounts anyway)."""
    from refaire.store.tables import users

    ids = {i["user_id"] for i in items}
    if not ids:
        return
    with store.engine.connect() as conn:
        query = select(users.c.id, users.c.email).where(users.c.id.in_(ids))
        emails = {r.id: r.email for r in conn.execute(query)}
    for i in items:
        i["user_email"] = emails.get(i["user_id"])


def _approve(store: Store, claim: dict[str, Any], by: Actor, action: str) -> dict[str, Any]:
    from refaire.people import audit
    from refaire.people.roles import add_manager

    if _managed(store, claim["facility_id"]):
        raise ManageError(
            [("", Said("manage.err.managers_meanwhile", name=claim["name"]))],
            status=409,
        )
    add_manager(store, claim["facility_id"], claim["user_id"], by=by, role="manager")
    with store.engine.begin() as conn:
        conn.execute(
            update(facility_claims)
            .where(facility_claims.c.id == claim["id"])
            .values(status="approved", decided_at=now_stamp(), decided_by=by.label, token_hash=None)
        )
        audit.record(
            conn, by, action, "facility_claim", str(claim["id"]),
            {"status": "pending"}, {"status": "approved"},
        )  # fmt: skip
    return get_claim(store, claim["id"])


def decide_claim(
    store: Store, actor: Actor, cid: int, approve: bool, reason: str | None = None
) -> dict[str, Any]:
    """An admin approves (the claimant becomes manager) or rejects a pending claim."""
    from refaire.people import audit

    require_member(actor, Said("manage.what.decide_claims"))
    if not acts_as_admin(actor):
        raise NotAllowed(Said("manage.err.admins_decide_claims"))
    claim = get_claim(store, cid)
    if claim["status"] != "pending":
        raise ManageError([("", Said("manage.err.claim_decided", id=cid, status=claim["status"]))], status=409)
    if approve:
        return _approve(store, claim, actor, "facility.claim.approve")
    with store.engine.begin() as conn:
        conn.execute(
            update(facility_claims)
            .where(facility_claims.c.id == cid, facility_claims.c.status == "pending")
            .values(
                status="rejected", decided_at=now_stamp(), decided_by=actor.label, token_hash=None
            )
        )
        after = {"status": "rejected", "reason": free_text(reason, 500)}
        audit.record(
            conn, actor, "facility.claim.reject", "facility_claim", str(cid),
            {"status": "pending"}, after,
        )  # fmt: skip
    return get_claim(store, cid)


def confirm_by_mail(store: Store, token: str) -> dict[str, Any]:
    """Follow a mailed claim link: the claimant becomes manager if the link is current."""
    with store.engine.connect() as conn:
        row = conn.execute(
            select(facility_claims.c.id, facility_claims.c.created_at).where(
                facility_claims.c.token_hash == _digest(token or ""),
                facility_claims.c.status == "pending",
                facility_claims.c.method == "mail",
            )
        ).first()
    if row is None:
        raise ManageError([("token", Said("manage.err.link_unknown"))], status=400)
    created = datetime.fromisoformat(row.created_at)
    if datetime.now(UTC) - created > MAIL_VALID:
        raise ManageError(
            [("token", Said("manage.err.link_expired"))], status=400
        )
    claim = get_claim(store, row.id)
    # The followed link stands for an admin's approval: the claimant proved they read mail
    # at the facility's own domain. The audit trail names them, via "mail".
    by = Actor(user_id=claim["user_id"], is_admin=True, via="mail")
    return _approve(store, claim, by, "facility.claim.verify")


def invite_manager(
    store: Store, actor: Actor, ident: int | str, email: str
) -> list[dict[str, Any]]:
    """A manager adds a co-manager by the e-mail of their account; the managers after."""
    from refaire.people.roles import add_manager, managers_of
    from refaire.store.tables import users

    fid, f = find_facility(store, ident)
    check_manager(store, actor, fid, f.name)
    address = (email or "").strip().lower()
    with store.engine.connect() as conn:
        uid = conn.execute(
            select(users.c.id).where(users.c.email == address, users.c.deleted_at.is_(None))
        ).scalar()
    if uid is None:
        raise ManageError([("email", Said("manage.err.no_account", address=address))])
    if any(m["user_id"] == uid for m in managers_of(store, fid)):
        raise ManageError([("email", Said("manage.err.already_manages", address=address, name=f.name))], status=409)
    add_manager(store, fid, uid, by=actor, role="co-manager")  # audited there
    return managers_of(store, fid)
