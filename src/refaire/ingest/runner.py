"""An import run: sources in, records stored, one summary out.

A bad source never stops the run: it is counted as rejected with its located
problems and the next source is read. Records are saved in batches, each in its
own transaction, so what was stored before a failure stays stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from refaire.ingest.base import ReadResult, detect
from refaire.ingest.sources import Source, expand
from refaire.model import Design, Facility, Part, Problem
from refaire.store import Store
from refaire.store.tables import import_problems

Progress = Callable[[int, int, str], None]
BATCH = 1000


@dataclass
class ImportSummary:
    """Counts are of records (designs and facilities); `problems` excludes info notes."""

    imported: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    designs: int = 0
    facilities: int = 0
    problems: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "designs": self.designs,
            "facilities": self.facilities,
            "problems": [
                {k: v for k, v in p.to_dict().items() if k != "line" or v is not None}
                for p in self.problems
            ],
        }


def read_source(name: str, data: bytes) -> ReadResult:
    """Detect the format of some bytes and read them with the matching reader."""
    reader = detect(name, data)
    if reader is None:
        return ReadResult(skipped=True, skip_reason="not a recognised manifest or facility list")
    try:
        return reader.read(name, data)
    except Exception as exc:  # a reader bug must not end the batch; say where it happened
        return ReadResult(
            problems=[
                Problem(
                    name,
                    "error",
                    None,
                    f"reader {reader.format} failed: {type(exc).__name__}: {exc}",
                )
            ]
        )


def import_sources(
    store: Store, inputs: list[str], progress: Progress | None = None
) -> ImportSummary:
    """Import files, directories and URLs into the store."""
    sources, problems = expand(inputs)
    summary = ImportSummary(problems=list(problems))
    summary.rejected += len(problems)
    return import_source_list(store, sources, summary, progress)


def import_bytes(store: Store, name: str, data: bytes) -> ImportSummary:
    """Import one uploaded document (the API's and the web's upload path)."""
    summary = ImportSummary()
    designs: list[Design] = []
    facilities: list[Facility] = []
    parts: list[Part] = []
    _take(summary, name, read_source(name, data), designs, facilities, parts)
    _finish(store, summary, designs, facilities, parts)
    return summary


def import_source_list(
    store: Store,
    sources: list[Source],
    summary: ImportSummary | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    summary = summary or ImportSummary()
    designs: list[Design] = []
    facilities: list[Facility] = []
    parts: list[Part] = []
    total = len(sources)
    for i, src in enumerate(sources, 1):
        data, problem = src.read()
        if problem is not None:
            summary.rejected += 1
            summary.problems.append(problem)
        else:
            _take(summary, src.name, read_source(src.name, data), designs, facilities, parts)
        if progress:
            progress(i, total, src.name)
    _finish(store, summary, designs, facilities, parts)
    return summary


def _take(
    summary: ImportSummary,
    name: str,
    result: ReadResult,
    designs: list[Design],
    facilities: list[Facility],
    parts: list[Part],
) -> None:
    # Readers may report a record's problem both on the record and on the result.
    found = list(result.problems)
    for record in [*result.designs, *result.facilities]:
        found.extend(record.problems)
    seen: set[tuple] = set()
    for p in found:
        ident = (p.source, p.severity, p.field, p.message, p.line)
        if p.severity != "info" and ident not in seen:
            seen.add(ident)
            summary.problems.append(p)
    if result.skipped:
        summary.skipped += 1
        summary.problems.append(
            Problem(name, "info", None, f"skipped: {result.skip_reason or 'not for Refaire'}")
        )
        return
    if not (result.designs or result.facilities or result.parts):
        summary.rejected += 1
        if not any(p.severity == "error" for p in result.problems):
            summary.problems.append(Problem(name, "error", None, "no record could be read"))
        return
    designs.extend(result.designs)
    facilities.extend(result.facilities)
    parts.extend(result.parts)


def _finish(
    store: Store,
    summary: ImportSummary,
    designs: list[Design],
    facilities: list[Facility],
    parts: list[Part],
) -> None:
    if parts:
        from refaire.ingest.parts import attach_parts

        summary.problems.extend(attach_parts(designs, parts))
    if designs:
        from refaire.store.designs import save_designs

        for i in range(0, len(designs), BATCH):
            counts = save_designs(store, designs[i : i + BATCH])
            summary.imported += counts.imported
            summary.updated += counts.updated
        summary.designs = len({d.key for d in designs})
    if facilities:
        from refaire.store.facilities import save_facilities

        counts = save_facilities(store, facilities)
        summary.imported += counts.imported
        summary.updated += counts.updated
        summary.facilities = counts.imported + counts.updated
    _record_problems(store, summary.problems)


def _record_problems(store: Store, problems: list[Problem]) -> None:
    """Keep the run's problems so the web can show what the last import rejected."""
    kept = [p for p in problems if p.severity != "info"]
    if not kept:
        return
    run_at = datetime.now(UTC).isoformat(timespec="seconds")
    rows = [
        {
            "run_at": run_at,
            "source": p.source[:2000],
            "severity": p.severity,
            "field": (p.field or None) and p.field[:300],
            "line": p.line,
            "message": p.message,
        }
        for p in kept
    ]
    with store.engine.begin() as conn:
        for i in range(0, len(rows), 1000):
            conn.execute(insert(import_problems), rows[i : i + 1000])
