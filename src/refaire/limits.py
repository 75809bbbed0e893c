"""What one request may cost the server: body size and time, heavy-job time and workers.

One place for limits that were copied into three modules (the 50 MB upload cap of the
API, the quote page and the CLI). Each is read from the environment when it is asked
for, so that a deployment sets it without code and a test can change it:

- REFAIRE_MAX_UPLOAD_MB (50): largest request body and largest file, in MiB.
- REFAIRE_BODY_TIMEOUT_S (30): a request body that stalls this long between two chunks
  gets 408, so a slow client cannot hold a connection open for ever.
- REFAIRE_JOB_SECONDS (20): a measurement running longer is killed with its worker.
- REFAIRE_JOB_WORKERS (2): worker processes for measurements; more jobs wait their turn.

`UPLOAD_MAX_TRIANGLES` bounds the memory of one measurement: measuring costs about 250
bytes per triangle (the triangles, their edges and the sort that pairs them), so a
million triangles stay near 250 MB whatever the file's format or cunning.
"""

from __future__ import annotations

import os

UPLOAD_MAX_TRIANGLES = 1_000_000


def _number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, not {raw!r}") from None
    if not value > 0:
        raise ValueError(f"{name} must be positive, not {raw!r}")
    return value


def max_upload_bytes() -> int:
    return int(_number("REFAIRE_MAX_UPLOAD_MB", 50) * 2**20)


def body_timeout_seconds() -> float:
    return _number("REFAIRE_BODY_TIMEOUT_S", 30)


def job_seconds() -> float:
    return _number("REFAIRE_JOB_SECONDS", 20)


def job_workers() -> int:
    return max(1, int(_number("REFAIRE_JOB_WORKERS", 2)))
