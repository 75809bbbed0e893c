"""What people see of the queue: one `job_log` row per job, in the store it works on.

Huey keeps the queue itself (and forgets a job once done); this log keeps each job's
state, attempts and last error so that `refaire jobs list`, `/api/jobs` and the admin
page can show failed jobs with their error, whatever process ran them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from refaire.store import Store
from refaire.store.tables import job_log

STATES = ("queued", "running", "retrying", "done", "failed")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_enqueued(store: Store, job_id: str, name: str, label: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            insert(job_log).values(
                id=job_id, name=name[:80], label=label[:500], state="queued", attempts=0,
                enqueued_at=_now(),
            )
        )  # fmt: skip


def mark_running(store: Store, job_id: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            update(job_log)
            .where(job_log.c.id == job_id)
            .values(state="running", attempts=job_log.c.attempts + 1, started_at=_now())
        )


def mark_retrying(store: Store, job_id: str, error: str, retries_left: int) -> None:
    with store.engine.begin() as conn:
        conn.execute(
            update(job_log)
            .where(job_log.c.id == job_id)
            .values(state="retrying", error=f"{error} ({retries_left} retries left)"[:4000])
        )


def mark_requeued(store: Store, job_id: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(update(job_log).where(job_log.c.id == job_id).values(state="queued"))


def mark_finished(store: Store, job_id: str, state: str, error: str | None) -> None:
    values: dict[str, Any] = {"state": state, "finished_at": _now()}
    if error is not None or state == "failed":
        values["error"] = (error or "failed")[:4000]
    with store.engine.begin() as conn:
        conn.execute(update(job_log).where(job_log.c.id == job_id).values(**values))


def has_waiting(store: Store, name: str) -> bool:
    """Whether a job of this name is queued and not started yet."""
    with store.engine.connect() as conn:
        found = conn.execute(
            select(job_log.c.id)
            .where(job_log.c.name == name)
            .where(job_log.c.state == "queued")
            .limit(1)
        ).first()
    return found is not None


def _row(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "label": row.label,
        "state": row.state,
        "attempts": row.attempts,
        "error": row.error,
        "enqueued_at": row.enqueued_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
    }


def list_jobs(
    store: Store, state: str | None = None, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Newest first; `state` one of STATES (ValueError otherwise)."""
    if state is not None and state not in STATES:
        raise ValueError(f"state must be one of {', '.join(STATES)}, not {state!r}")
    query = select(job_log)
    count = select(func.count()).select_from(job_log)
    if state is not None:
        query = query.where(job_log.c.state == state)
        count = count.where(job_log.c.state == state)
    query = query.order_by(job_log.c.enqueued_at.desc(), job_log.c.id).limit(limit).offset(offset)
    with store.engine.connect() as conn:
        total = conn.execute(count).scalar_one()
        items = [_row(r) for r in conn.execute(query)]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


def get_job(store: Store, job_id: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(select(job_log).where(job_log.c.id == job_id)).first()
    if row is None:
        raise UnknownJob(job_id)
    return _row(row)


class UnknownJob(LookupError):
    pass
