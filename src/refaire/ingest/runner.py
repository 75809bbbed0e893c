"""An import run: sources in, records stored, one summary out.

A bad source never stops the run: it is counted as rejected with its located
problems and the next source is read. Records are saved in batches, each in its
own transaction, so what was stored before a failure stays stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import insert

from refaire.ingest.base import ReadResult, detect
from refaire.ingest.clean import clean_result
from refaire.ingest.parts import manifest_dir
from refaire.ingest.sources import Source, expand
from refaire.model import Design, Facility, Part, Problem
from refaire.parallel import Workers, relaxed_gc
from refaire.store import Store
from refaire.store.designs import (
    PreparedDesign,
    SaveCounts,
    designs_by_keys,
    flush_postings,
    prepare_design,
    save_designs,
)
from refaire.store.locking import writing
from refaire.store.tables import import_problems

Progress = Callable[[int, int, str], None]
BATCH = 1000
# Designs saved with their word-index changes queued that trigger applying the queue.
INDEX_FLUSH = 20_000


@dataclass
class ImportSummary:
    """Counts are of records: a file holding one record counts one, a list counts its entries.

    Every record read is accounted for once: ``imported + updated + merged + conflicts +
    skipped + rejected == read`` (`accounted`). `merged` counts the records that joined
    another of the same batch (facilities of one place, named in `merges` with both files;
    part manifests attached to their module; a row repeated in one file); `conflicts` the
    manifests claiming a stored design's identity from another source (kept aside, named in
    `problems`). `problems` excludes info notes.
    """

    imported: int = 0
    updated: int = 0
    skipped: int = 0
    rejected: int = 0
    designs: int = 0
    facilities: int = 0
    # claims on a stored design's identity from another source, kept, not applied
    conflicts: int = 0
    merged: int = 0
    read: int = 0
    # designs linked to a stored record of the same project from another source (same
    # repository or OSHWA UID); each is also counted imported or updated
    linked: int = 0
    problems: list[Problem] = field(default_factory=list)
    # facility records merged into another one: {record, into, evidence, record_source,
    # into_source}
    merges: list[dict[str, str]] = field(default_factory=list)

    COUNTS = ("imported", "updated", "skipped", "rejected", "designs", "facilities",
              "conflicts", "merged", "read", "linked")  # fmt: skip

    @property
    def accounted(self) -> bool:
        """Whether every record read has exactly one outcome."""
        outcomes = (
            self.imported + self.updated + self.merged + self.conflicts + self.skipped
        ) + self.rejected
        return outcomes == self.read

    def add(self, other: ImportSummary) -> None:
        """Fold another run's summary into this one (several uploads, one answer)."""
        for name in self.COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.problems.extend(other.problems)
        self.merges.extend(other.merges)

    def errors_first(self) -> list[Problem]:
        """Errors, then warnings, each in the order met: what was lost comes first."""
        return [p for p in self.problems if p.severity == "error"] + [
            p for p in self.problems if p.severity != "error"
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "imported": self.imported,
            "updated": self.updated,
            "merged": self.merged,
            "skipped": self.skipped,
            "rejected": self.rejected,
            "designs": self.designs,
            "facilities": self.facilities,
            "conflicts": self.conflicts,
            "linked": self.linked,
            "accounted": self.accounted,
            "errors": sum(p.severity == "error" for p in self.problems),
            "warnings": sum(p.severity == "warning" for p in self.problems),
            "problems": [
                {k: v for k, v in p.to_dict().items() if k != "line" or v is not None}
                for p in self.errors_first()
            ],
            "merges": list(self.merges),
        }


def read_source(name: str, data: bytes) -> ReadResult:
    """Detect the format of some bytes and read them with the matching reader."""
    reader = detect(name, data)
    if reader is None:
        return ReadResult(skipped=True, skip_reason="not a recognised manifest or facility list")
    try:
        result = reader.read(name, data)
        clean_result(name, data, result)
        return result
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
    summary.read += len(problems)
    return import_source_list(store, sources, summary, progress)


def import_bytes(store: Store, name: str, data: bytes) -> ImportSummary:
    """Import one uploaded document (the API's and the web's upload path)."""
    run = _Run(store, ImportSummary())
    run.take(name, read_source(name, data))
    return run.finish()


def import_source_list(
    store: Store,
    sources: list[Source],
    summary: ImportSummary | None = None,
    progress: Progress | None = None,
) -> ImportSummary:
    run = _Run(store, summary or ImportSummary())
    total = len(sources)
    with relaxed_gc():
        for i, (src, problem, result, prepared) in enumerate(_read_all(sources), 1):
            if problem is not None:
                run.summary.read += 1
                run.summary.rejected += 1
                run.summary.problems.append(problem)
            else:
                run.take(src.name, result, prepared)
            if progress:
                progress(i, total, src.name)
        return run.finish()


# Reading and normalising is CPU work that parallelises; below this many sources
# starting worker processes costs more than it saves.
PARALLEL_FROM = 400
CHUNK = 64


Read = tuple[Source, Problem | None, ReadResult | None, list[PreparedDesign]]


def _read_one(src: Source) -> Read:
    """Read, normalise, and prepare the store rows of one source (in a worker when parallel)."""
    data, problem = src.read()
    if problem is not None:
        return src, problem, None, []
    result = read_source(src.name, data)
    if src.path is not None:
        # Meshes beside a manifest on disk give its parts their measured geometry.
        from refaire.ingest.part_geometry import measure_result

        measure_result(result, src.path)
    prepared = [prepare_design(d) for d in result.designs]
    # The prepared rows hold everything the store needs: the design objects themselves
    # stay here (unpickling nested slotted dataclasses in the main process cost more
    # than reading them). Their problems travel with the result.
    for d in result.designs:
        result.problems.extend(d.problems)
    result.designs = []
    return src, None, result, prepared


def _read_chunk(chunk: list[Source]) -> list[Read]:
    return [_read_one(src) for src in chunk]


def _read_all(sources: list[Source]) -> Iterator[Read]:
    """Read every source, in order; in worker processes when there are many.

    The main process keeps saving batches while the workers read the next ones,
    so parsing and database writes overlap.
    """
    chunks = [sources[i : i + CHUNK] for i in range(0, len(sources), CHUNK)]
    with Workers(enabled=len(sources) >= PARALLEL_FROM) as workers:
        for results in workers.map(_read_chunk, chunks):
            yield from results


class _Run:
    """The state of one import: records read so far, saved in batches as they come."""

    def __init__(self, store: Store, summary: ImportSummary) -> None:
        self.store = store
        self.summary = summary
        # key → manifest source of every design read, to find the modules of part manifests
        self.design_sources: dict[str, str] = {}
        self.unsaved: list[PreparedDesign] = []
        self.keys: set[str] = set()
        self.facilities: list[Facility] = []
        self.parts: list[Part] = []
        # One writer thread: SQLite and psycopg release the GIL while they work, so
        # batches are written while the next ones are collected; one thread keeps order.
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="refaire-writer")
        self.pending: list[tuple[Future[SaveCounts], bool]] = []
        # The word index of the run's designs is queued with them and applied once
        # at the end (or every INDEX_FLUSH designs), not rewritten for every batch.
        self.queued = 0

    def take(
        self, name: str, result: ReadResult, prepared: list[PreparedDesign] | None = None
    ) -> None:
        if prepared is None:
            prepared = [prepare_design(d) for d in result.designs]
        if not _take(self.summary, name, result, len(prepared), self.facilities, self.parts):
            return
        for p in prepared:
            self.design_sources[p.key] = p.row["source"]
        self.unsaved += prepared
        if len(self.unsaved) >= BATCH:
            self._save(self.unsaved)
            self.unsaved = []

    def _save(self, batch: list[Design] | list[PreparedDesign], count: bool = True) -> None:
        self.pending.append((self.writer.submit(self._write, batch), count))

    def _write(self, batch: list[Design] | list[PreparedDesign]) -> SaveCounts:
        """Runs in the writer thread: one batch, and the word index when enough piled up."""
        counts = save_designs(self.store, batch, index=False)
        self.queued += counts.imported + counts.updated
        if self.queued >= INDEX_FLUSH:
            flush_postings(self.store)
            self.queued = 0
        return counts

    def _drain(self) -> None:
        for future, count in self.pending:
            counts = future.result()
            if count:
                self.summary.imported += counts.imported
                self.summary.updated += counts.updated
                self.summary.merged += counts.merged
            self.keys.update(counts.keys)
            _report_saved(self.summary, counts)
        self.pending = []

    def finish(self) -> ImportSummary:
        try:
            return self._finish()
        finally:
            self.writer.shutdown(wait=True)

    def _finish(self) -> ImportSummary:
        if self.unsaved:
            self._save(self.unsaved)
        self._drain()
        flush_postings(self.store)
        if self.parts:
            from refaire.ingest.parts import attach_parts

            # The modules that may own the parts: designs of this run in a part's
            # directory or above it, read back from the store (just saved).
            dirs = {d for p in self.parts if p.manifest for d in _self_and_parents(p.manifest)}
            owners = [k for k, src in self.design_sources.items() if manifest_dir(src) in dirs]
            modules = designs_by_keys(self.store, owners)
            # repr, not len: a part manifest merged into an inline part (its files, its
            # measured mesh) changes the design without adding a part.
            before = {id(d): repr(d.parts) for d in modules}
            orphans = attach_parts(modules, self.parts)
            self.summary.problems.extend(orphans)
            # A part manifest joins its module's record (merged); an orphan, warned, is
            # stored nowhere (skipped).
            self.summary.merged += len(self.parts) - len(orphans)
            self.summary.skipped += len(orphans)
            grown = [d for d in modules if repr(d.parts) != before[id(d)]]
            if grown:  # already counted when first saved; saved again with their parts
                self._save(grown, count=False)
                self._drain()
                flush_postings(self.store)
        self.summary.designs = len(self.keys)
        if self.facilities:
            from refaire.store.facilities import save_facilities

            counts = save_facilities(self.store, self.facilities)
            self.summary.imported += counts.imported
            self.summary.updated += counts.updated
            self.summary.facilities = counts.imported + counts.updated
            self.summary.merged += counts.merged
            _report_saved(self.summary, counts)
            self.summary.merges += counts.merges
        _record_problems(self.store, self.summary.problems)
        return self.summary


def _report_saved(summary: ImportSummary, counts: SaveCounts) -> None:
    """Records the store refused or kept aside become located problems of the run."""
    summary.linked += counts.linked
    for source, message in counts.failed:
        summary.rejected += 1
        summary.problems.append(Problem(source, "error", None, message))
    for c in counts.conflicts:
        summary.conflicts += 1
        summary.problems.append(
            Problem(
                c.source,
                "error",
                "key",
                f"claims the identity of design {c.design_id} ({c.key}) stored from "
                f"{c.stored_source}: not replaced, kept as conflict {c.id} "
                "(`refaire designs conflicts`)",
            )
        )
    for source, design_id in counts.unchanged:
        summary.skipped += 1
        summary.problems.append(
            Problem(source, "info", "key", f"same content as design {design_id}: not stored twice")
        )


def _self_and_parents(manifest: str) -> list[PurePosixPath]:
    here = manifest_dir(manifest)
    return [here, *here.parents]


def _take(
    summary: ImportSummary,
    name: str,
    result: ReadResult,
    designs: int,
    facilities: list[Facility],
    parts: list[Part],
) -> bool:
    """Count one read result into the summary; True when it gave records to store."""
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
        summary.read += 1
        summary.skipped += 1
        summary.problems.append(
            Problem(name, "info", None, f"skipped: {result.skip_reason or 'not for Refaire'}")
        )
        return False
    # The designs were prepared (and taken off `result`) in the reading worker.
    records = designs + len(result.facilities) + len(result.parts)
    if not records:
        # A list whose every entry was rejected counts its entries; any other file, one.
        summary.read += max(1, result.rejected)
        summary.rejected += max(1, result.rejected)
        if not any(p.severity == "error" for p in result.problems):
            summary.problems.append(Problem(name, "error", None, "no record could be read"))
        return False
    summary.read += records + result.rejected
    summary.rejected += result.rejected
    facilities.extend(result.facilities)
    parts.extend(result.parts)
    return True


def _record_problems(store: Store, problems: list[Problem]) -> None:
    """Keep the run's problems so the web can show what the last import rejected."""
    kept = [p for p in problems if p.severity != "info"]
    if not kept:
        return
    run_at = datetime.now(UTC).isoformat(timespec="seconds")
    rows = [
        {
            "run_at": run_at,
            "source": p.source.replace("\x00", "")[:2000],
            "severity": p.severity,
            "field": (p.field or None) and p.field.replace("\x00", "")[:300],
            "line": p.line,
            "message": p.message.replace("\x00", ""),
        }
        for p in kept
    ]
    with writing(store.engine) as conn:
        for i in range(0, len(rows), 1000):
            conn.execute(insert(import_problems), rows[i : i + 1000])
