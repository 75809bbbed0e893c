"""Uploads measured by queued jobs: the stored files, the job that measures them, the result.

Why a queue and not only the process pool: the request that sent a file need not stay open
while it is measured (`POST /api/measurements` answers 202 with the URL to poll), the job
survives a restart of the server (the files are in the store, the job in the queue's
storage), and measurements from every server process share the consumers' bounded number
of pool workers, which run at a lower CPU priority (`jobs.pool`).

A measurement row holds the files until its job has measured them, then only the result.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
from sqlalchemy import delete, func, insert, select, update

from refaire import limits
from refaire.store import Store
from refaire.store.tables import job_log as job_log_table
from refaire.store.tables import measurement_files, measurements

from .pool import JobsBusy

PURPOSES = ("measure", "part-meshes")
POLL_S = 0.05
POLL_MAX_S = 1.0


class UnknownMeasurement(LookupError):
    pass


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def pending(store: Store) -> int:
    """Measurements of the last hour whose job has not finished. Older ones do not count: a
    job lost with its queue's storage must not refuse every upload for ever."""
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    count = select(func.count()).select_from(measurements)
    count = count.where(measurements.c.result.is_(None), measurements.c.created_at >= since)
    with store.engine.connect() as conn:
        return conn.execute(count).scalar_one()


def max_pending() -> int:
    """Back-pressure: as many waiting measurements as the pool allows waiting jobs."""
    return 5 * limits.job_workers()


def submit_measurement(
    store: Store, purpose: str, files: list[tuple[str, bytes]], design: str | None = None
) -> str:
    """Store the files and queue their job; the measurement's id. JobsBusy when too many wait
    (the caller answers 503 and the person tries again), ValueError for an unknown purpose."""
    from refaire.jobs.queue import submit
    from refaire.jobs.tasks import measure

    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}, not {purpose!r}")
    waiting = pending(store)
    if waiting >= max_pending():
        raise JobsBusy(f"the server is busy measuring {waiting} uploads: try again in a minute")
    ident = secrets.token_hex(16)
    names = [name[:500] for name, _ in files]
    with store.engine.begin() as conn:
        conn.execute(insert(measurements).values(
            id=ident, purpose=purpose, design=design, file_names=json.dumps(names),
            created_at=_now()))  # fmt: skip
        if files:
            conn.execute(insert(measurement_files), [
                {"measurement_id": ident, "position": k, "name": name, "data": data}
                for k, (name, data) in enumerate(zip(names, (d for _, d in files), strict=True))
            ])  # fmt: skip
    what = "meshes for design " + (design or "") if purpose == "part-meshes" else "measure"
    job = submit(store, measure, ident, label=f"{what}: {', '.join(names)}"[:500])
    with store.engine.begin() as conn:
        conn.execute(update(measurements).where(measurements.c.id == ident).values(job_id=job))
    return ident


def load(store: Store, ident: str) -> dict[str, Any]:
    """The job's view of a measurement: purpose, design and files (name, bytes)."""
    with store.engine.connect() as conn:
        row = conn.execute(select(measurements).where(measurements.c.id == ident)).first()
        if row is None:
            raise UnknownMeasurement(ident)
        files = conn.execute(
            select(measurement_files.c.name, measurement_files.c.data)
            .where(measurement_files.c.measurement_id == ident)
            .order_by(measurement_files.c.position)
        ).all()
    return {"purpose": row.purpose, "design": row.design, "result": row.result,
            "files": [(f.name, bytes(f.data)) for f in files]}  # fmt: skip


def finish(store: Store, ident: str, result: Any) -> None:
    """Keep the result, drop the files (they are not needed once measured)."""
    with store.engine.begin() as conn:
        conn.execute(
            update(measurements)
            .where(measurements.c.id == ident)
            .values(result=json.dumps(result, default=str))
        )
        conn.execute(delete(measurement_files).where(measurement_files.c.measurement_id == ident))


def get_measurement(store: Store, ident: str) -> dict[str, Any]:
    """What a person sees: the job's state and error, the file names, the result when done."""
    query = (
        select(measurements, job_log_table.c.state, job_log_table.c.error)
        .select_from(
            measurements.outerjoin(job_log_table, job_log_table.c.id == measurements.c.job_id)
        )  # fmt: skip
        .where(measurements.c.id == ident)
    )
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise UnknownMeasurement(ident)
    return {
        "id": row.id,
        "purpose": row.purpose,
        "design": row.design,
        "files": json.loads(row.file_names),
        "state": row.state or "queued",
        "error": row.error,
        "created_at": row.created_at,
        "result": json.loads(row.result) if row.result is not None else None,
    }


async def wait_result(store: Store, ident: str, seconds: float) -> dict[str, Any] | None:
    """The measurement once its result is there, else None after `seconds`. The event loop
    only sleeps between short reads, made in a thread."""
    deadline = anyio.current_time() + seconds
    pause = POLL_S
    while True:
        found = await anyio.to_thread.run_sync(get_measurement, store, ident)
        if found["result"] is not None:
            return found
        if anyio.current_time() >= deadline:
            return None
        await anyio.sleep(pause)
        # Longer pauses for longer jobs: many waiting requests must not become many reads a
        # second competing with the server's other requests.
        pause = min(pause * 1.5, POLL_MAX_S)


def wait_seconds(files: int) -> float:
    """How long a request waits for its measurement before answering with the job's URL:
    the pool's time limit per file, plus a margin for the jobs queued before it."""
    return limits.job_seconds() * max(1, files) + 30.0
