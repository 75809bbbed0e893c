"""Read one source end to end (detect the format, then read): for tests and the import runner."""

from __future__ import annotations

from pathlib import Path

from refaire.ingest.base import ReadResult, detect
from refaire.model import Problem


def read_bytes(source: str, data: bytes) -> ReadResult:
    """Detect the format of `data` and read it; unclaimed bytes are skipped with a reason."""
    reader = detect(source, data)
    if reader is None:
        return ReadResult(skipped=True, skip_reason="not a recognised manifest")
    return reader.read(source, data)


def read_path(path: Path) -> ReadResult:
    """`read_bytes` on a file; an unreadable file is an error, not an exception."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return ReadResult(problems=[Problem(str(path), "error", None, f"cannot read: {exc}")])
    return read_bytes(str(path), data)
