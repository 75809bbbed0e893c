"""The audit trail: who changed what, when, from what to what.

Every write the app makes calls `record` inside its own transaction, so an entry exists
exactly when the change does. The table is append-only (database triggers refuse UPDATE
and DELETE, see migration 0006). Entries name the actor by `Actor.label` and never copy a
person's e-mail or name, so deleting an account leaves no personal data behind here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, event, func, insert, select

from refaire.people import actor_cache
from refaire.people._common import clean, stamp
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.store.db import Store
from refaire.store.tables import audit_log


def record(
    conn: Connection,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """Append one entry, inside the caller's transaction `conn`.

    Also clears the in-process memory of credentials (`actor_cache`), now and once the
    transaction commits, so a revoked token or a changed role takes effect at once.
    """
    actor_cache.forget_all()
    event.listen(conn, "commit", _forget_on_commit, once=True)
    conn.execute(
        insert(audit_log).values(
            at=stamp(),
            actor=actor.label,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            before=before,
            after=after,
        )
    )


def _forget_on_commit(_conn: Connection) -> None:
    actor_cache.forget_all()


def record_write(
    store: Store,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """`record` in a transaction of its own, after a service that commits by itself (an
    import, a mesh upload): the entry follows the change instead of sharing its commit."""
    with store.engine.begin() as conn:
        record(conn, actor, action, target_type, target_id, before, after)


def list_entries(
    store: Store,
    *,
    target_type: str | None = None,
    target_id: str | None = None,
    actor: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Entries, newest first, optionally for one target (type, or type and id) or actor."""
    where = []
    target_type, target_id, actor = (
        None if v is None else clean(v) for v in (target_type, target_id, actor)
    )
    if target_type is not None:
        where.append(audit_log.c.target_type == target_type)
    if target_id is not None:
        where.append(audit_log.c.target_id == str(target_id))
    if actor is not None:
        where.append(audit_log.c.actor == actor)
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(audit_log).where(*where)).scalar()
        rows = conn.execute(
            select(audit_log)
            .where(*where)
            .order_by(audit_log.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return {
        "total": total or 0,
        "limit": limit,
        "offset": offset,
        "items": [dict(r._mapping) for r in rows],
    }


def parse_target(text: str) -> tuple[str, str | None]:
    """`facility:12` → ("facility", "12"); `facility` → ("facility", None)."""
    kind, _, ident = text.partition(":")
    if not kind.strip():
        raise ValueError(Said("people.err.audit_target", value=text))
    return kind.strip(), (ident.strip() or None)
