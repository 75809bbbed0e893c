"""An order's message thread (with attachments), and the notices every production step sends.

Notices go to the in-app inbox (a row per member, in the same transaction as the change
they announce) and by mail through `people.mail.deliver` (a queued job in a served app),
after the commit: a mail that cannot be sent never undoes the change (the answer counts the
mails that failed).

Attachments are checked by their bytes (`attachments.attachment_type`, in a worker process)
before `post_message` stores them; their size is checked before they are read.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from refaire import limits
from refaire.people import audit
from refaire.people._common import stamp
from refaire.people.actor import Actor
from refaire.production.access import ProductionError, UnknownRecord, party_of, require_member
from refaire.said import Said
from refaire.store import Store
from refaire.store.tables import (
    facility_managers,
    production_inbox,
    production_messages,
    production_orders,
    users,
)

Mail = tuple[str, str, str]  # (to, subject, text)
MAX_BODY = 5000


def people_of_facility(conn: Connection, facility_id: int | None) -> list[int]:
    if facility_id is None:
        return []
    return list(conn.execute(select(facility_managers.c.user_id).where(
        facility_managers.c.facility_id == facility_id)).scalars())  # fmt: skip


def notify(conn: Connection, user_ids: list[int], subject: str, body: str, link: str) -> list[Mail]:
    """Inbox rows for each member (inside the caller's transaction); the mails to send after."""
    mails: list[Mail] = []
    for uid in dict.fromkeys(u for u in user_ids if u is not None):
        conn.execute(insert(production_inbox).values(
            user_id=uid, subject=subject[:300], body=body, link=link, at=stamp()))  # fmt: skip
        email = conn.execute(select(users.c.email).where(
            users.c.id == uid, users.c.deleted_at.is_(None))).scalar()  # fmt: skip
        if email:
            mails.append((email, f"[Refaire] {subject}"[:300], f"{body}\n\n{link}\n"))
    return mails


def send_all(mails: list[Mail], store: Store | None = None) -> dict[str, int]:
    """Send after the commit (as queued jobs when `store`'s app runs with the queue: then
    counted as sent, and a later failure is the job's); failures are counted, never raised."""
    from refaire.people.mail import deliver

    sent = failed = 0
    for to, subject, text in mails:
        try:
            deliver(store, to, subject.replace("\n", " "), text)
            sent += 1
        except (OSError, ValueError, Exception):  # noqa: BLE001 - SMTP errors of any kind
            failed += 1
    return {"sent": sent, "failed": failed}


def inbox(store: Store, actor: Actor, limit: int = 50, offset: int = 0) -> dict[str, Any]:
    require_member(actor, Said("prod.what.inbox"))
    where = production_inbox.c.user_id == actor.user_id
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(production_inbox).where(where)).scalar()
        unread = conn.execute(select(func.count()).select_from(production_inbox).where(
            where, production_inbox.c.read_at.is_(None))).scalar()  # fmt: skip
        rows = conn.execute(select(production_inbox).where(where).order_by(
            production_inbox.c.id.desc()).limit(limit).offset(offset)).all()  # fmt: skip
    return {"total": total or 0, "unread": unread or 0, "limit": limit, "offset": offset,
            "items": [dict(r._mapping) for r in rows]}  # fmt: skip


def mark_read(store: Store, actor: Actor) -> dict[str, Any]:
    require_member(actor, Said("prod.what.inbox"))
    with store.engine.begin() as conn:
        n = conn.execute(update(production_inbox).where(
            production_inbox.c.user_id == actor.user_id, production_inbox.c.read_at.is_(None)
        ).values(read_at=stamp())).rowcount  # fmt: skip
    return {"marked": n}


def _order_for(conn: Connection, store: Store, actor: Actor, oid: int) -> tuple[dict, str]:
    row = conn.execute(select(production_orders).where(production_orders.c.id == oid)).first()
    order = dict(row._mapping) if row else None
    party = party_of(store, actor, order) if order else None
    if order is None or party is None:
        raise UnknownRecord(Said("err.no_order", id=oid))
    return order, party


def post_message(store: Store, actor: Actor, oid: int, body: str,
                 attachment: tuple[str, bytes, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """A message of a party on an order; `attachment` is (name, bytes, checked MIME type)."""
    require_member(actor, Said("prod.what.write_order"))
    body = (body or "").strip()
    problems = []
    if not body and attachment is None:
        problems.append(("body", Said("prod.err.empty_message")))
    if len(body) > MAX_BODY:
        problems.append(("body", Said("prod.err.body_long", max=MAX_BODY)))
    if attachment and len(attachment[1]) > limits.max_upload_bytes():
        problems.append(("file", Said("prod.err.over_limit", name=attachment[0])))
    if problems:
        raise ProductionError(problems)
    with store.engine.begin() as conn:
        order, party = _order_for(conn, store, actor, oid)
        values = {"order_id": oid, "author_id": actor.user_id, "party": party, "body": body,
                  "at": stamp()}  # fmt: skip
        if attachment:
            values.update(file_name=attachment[0][:200], file_type=attachment[2],
                          file_data=attachment[1])  # fmt: skip
        mid = conn.execute(insert(production_messages).values(**values)).inserted_primary_key[0]
        audit.record(conn, actor, "order.message", "order", str(oid), None,
                     {"message": mid, "file": values.get("file_name")})  # fmt: skip
        others = ([order["buyer_id"]] if party != "buyer" else
                  [order["maker_user_id"]] if order["maker_user_id"] else
                  people_of_facility(conn, order["facility_id"]))  # fmt: skip
        mails = notify(conn, others, f"Order {oid}: new message",
                       body[:500] or values.get("file_name", ""), f"/orders/{oid}")  # fmt: skip
    send_all(mails, store)
    return {"id": mid, "order_id": oid, "party": party, "file_name": values.get("file_name")}


def messages_of(conn: Connection, oid: int) -> list[dict[str, Any]]:
    rows = conn.execute(select(
        production_messages.c.id, production_messages.c.party, production_messages.c.body,
        production_messages.c.file_name, production_messages.c.file_type,
        production_messages.c.at, production_messages.c.author_id,
    ).where(production_messages.c.order_id == oid).order_by(production_messages.c.id)).all()  # fmt: skip
    return [dict(r._mapping) for r in rows]


def attachment(store: Store, actor: Actor, oid: int, mid: int) -> tuple[str, str, bytes]:
    with store.engine.connect() as conn:
        _order_for(conn, store, actor, oid)
        row = conn.execute(select(production_messages.c.file_name, production_messages.c.file_type,
                                  production_messages.c.file_data).where(
            production_messages.c.id == mid, production_messages.c.order_id == oid,
            production_messages.c.file_data.is_not(None))).first()  # fmt: skip
    if row is None:
        raise UnknownRecord(Said("err.no_attachment", id=mid, order=oid))
    return row.file_name, row.file_type, row.file_data
