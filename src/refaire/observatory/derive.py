"""Per-design values the read side needs, derived once per stored version of a design.

Parsing every JSON record on each dashboard would cost seconds at 100,000 designs, so
the fields the figures need are derived once into `design_observations` (completeness,
readiness levels, dated year) and `design_observation_tags` (sectors with the confidence
of inferred ones, country, categories, actors). The same pass keeps the matching
engine's requirements of the design (`design_observations.requirements`), so that its
index is rebuilt from them rather than by resolving every design's text again after
each restart. Designs saved through `store.designs.save_designs` (imports, uploads,
edits) are derived as they are written (`observe`, in the import's reading workers;
`write_observations`, in the same transaction), so that the first dashboard or coverage
after an import has nothing left to derive. `refresh` remains for every other writer: it
finds the designs whose row is missing or older than the design (checksum or import time
differ) and derives only those: one pass over their records. Deleted designs take their
rows with them (cascade).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Text, delete, select, type_coerce
from sqlalchemy.exc import IntegrityError

from refaire.observatory.completeness import component_mask, score
from refaire.parallel import Workers, relaxed_gc
from refaire.store.bulk import insert_tuples
from refaire.store.db import Store
from refaire.store.tables import design_observation_tags, design_observations, designs

CHUNK = 10000
# Below this many stale designs, starting worker processes costs more than it saves.
PARALLEL_FROM = 5000
TEXTS_PER_TASK = 500
_OBS_COLUMNS = (
    "completeness", "components", "otrl", "odrl", "year", "date_kind", "cpc_declared",
    "requirements",
)  # fmt: skip
_LEVEL = re.compile(r"^O[TD]RL-(\d)")
_CONFIDENCE = re.compile(r"^(\S+) \(confidence ([0-9.]+)\)$")
_YEAR = re.compile(r"^(\d{4})")


def _level(value: str | None) -> int | None:
    m = _LEVEL.match(value or "")
    return int(m.group(1)) if m else None


def _dated(record: dict[str, Any]) -> tuple[int | None, str | None]:
    """(year, kind): kind "created", "certified" (OSHWA) or "updated" when only that is known."""
    certified = any(
        n.get("field") == "created" and n.get("rule") == "oshwa-certified"
        for n in record.get("notes") or []
    )
    for key, kind in (("created", "certified" if certified else "created"), ("updated", "updated")):
        m = _YEAR.match(str(record.get(key) or ""))
        if m and 1970 <= int(m.group(1)) <= 2100:
            return int(m.group(1)), kind
    return None, None


def derive(record: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str, float | None]]]:
    """(observation columns, tags) of one design record (`Design.to_dict()` as stored)."""
    mask = component_mask(record)
    year, date_kind = _dated(record)
    declared = bool(record.get("cpc"))
    inferred: dict[str, float] = {}
    country = None
    for note in record.get("notes") or []:
        if note.get("field") == "sectors" and note.get("rule") == "inferred":
            m = _CONFIDENCE.match(note.get("value") or "")
            if m:
                inferred[m.group(1)] = float(m.group(2))
        elif note.get("field") == "country" and len(note.get("value") or "") == 2:
            country = note["value"].upper()
    tags: list[tuple[str, str, float | None]] = []
    for sector in dict.fromkeys(record.get("sectors") or []):
        # a sector without an inference note came from a CPC class: certain
        tags.append(("sector", sector, None if declared else inferred.get(sector)))
    if country:
        tags.append(("country", country, None))
    for category in dict.fromkeys(record.get("categories") or []):
        tags.append(("category", str(category)[:300], None))
    actors = [record.get("licensor"), record.get("organisation")]
    for actor in dict.fromkeys(a.strip() for t in actors if t for a in str(t).split(";")):
        if actor:
            tags.append(("actor", actor[:300], None))
    row = {
        "completeness": score(mask),
        "components": mask,
        "otrl": _level(record.get("technology_readiness")),
        "odrl": _level(record.get("documentation_readiness")),
        "year": year,
        "date_kind": date_kind,
        "cpc_declared": int(declared),
    }
    return row, tags


def stale_ids(conn: Connection) -> list[int]:
    """Designs with no derived row, or one derived from another version of the design."""
    o = design_observations
    query = (
        select(designs.c.id)
        .select_from(designs.outerjoin(o, o.c.design_id == designs.c.id))
        .where(
            (o.c.design_id.is_(None))
            | (o.c.checksum != designs.c.checksum)
            | (o.c.imported_at != designs.c.imported_at)
            | (o.c.requirements.is_(None))
        )
    )
    return [i for (i,) in conn.execute(query)]


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def refresh(store: Store) -> int:
    """Derive the missing or outdated rows; returns how many designs were derived.

    Many stale designs (after a large import) are derived in worker processes, as a
    pipeline: while the workers derive some records, this process reads the next ones
    and writes the rows of those already derived, a chunk per transaction.
    """
    # One refresh at a time per store in this process: a second caller waits, then finds
    # nothing left to derive, rather than deriving the same designs again.
    with _lock_for(store.url):
        return _refresh(store)


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock_for(url: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(url, threading.Lock())


def _refresh(store: Store) -> int:
    with store.engine.connect() as conn:
        ids = stale_ids(conn)
    chunks = list(_chunks(ids))
    with relaxed_gc(), Workers(enabled=len(ids) >= PARALLEL_FROM) as workers:
        done: dict[int, list[_Row]] = {}
        expected: dict[int, int] = {}
        for index, batch in workers.map(derive_batch, _batches(store, chunks, expected)):
            done.setdefault(index, []).extend(batch)
            if len(done[index]) == expected[index]:
                try:
                    _write_chunk(store, chunks[index], done.pop(index))
                except IntegrityError:
                    # another request derived the same designs meanwhile: theirs are as good
                    continue
    return len(ids)


# (design id, checksum, imported_at, observation values, tags)
_Row = tuple[int, str, str, tuple[Any, ...], list[tuple[str, str, float | None]]]
_Batch = tuple[int, list[tuple[int, str, str, str]]]


def _batches(store: Store, chunks: list[list[int]], expected: dict[int, int]) -> Iterator[_Batch]:
    """(chunk index, [(id, checksum, imported_at, record text)]) in batches for the workers;
    `expected` learns how many designs each chunk holds as it is read."""
    for index, chunk in enumerate(chunks):
        lo, hi = min(chunk), max(chunk)
        # Ids are unique: a chunk spanning exactly its length is the whole range, read as
        # such (the common case after an import) rather than through thousands of bound
        # parameters.
        contiguous = hi - lo + 1 == len(chunk)
        in_chunk = designs.c.id.between(lo, hi) if contiguous else designs.c.id.in_(chunk)
        query = select(
            designs.c.id,
            designs.c.checksum,
            designs.c.imported_at,
            type_coerce(designs.c.record, Text),  # decoded where it is derived
        ).where(in_chunk)
        with store.engine.connect() as conn:
            stored = [tuple(r) for r in conn.execute(query)]
        expected[index] = len(stored)
        for i in range(0, len(stored), TEXTS_PER_TASK):
            yield index, stored[i : i + TEXTS_PER_TASK]


def derive_batch(batch: _Batch) -> tuple[int, list[_Row]]:
    """The derived rows of a batch of stored records (run in worker processes).

    Identical record texts (mirrors, re-listed projects) are derived once.
    """
    index, stored = batch
    memo: dict[str, tuple[tuple[Any, ...], list[tuple[str, str, float | None]]]] = {}
    out: list[_Row] = []
    for did, checksum, imported_at, text in stored:
        hit = memo.get(text)
        if hit is None:
            record = json.loads(text)
            row, found = derive(record)
            row["requirements"] = requirements_json(record)
            hit = memo[text] = (tuple(row[c] for c in _OBS_COLUMNS), found)
        out.append((did, checksum, imported_at, *hit))
    return index, out


# (observation values in `_OBS_COLUMNS` order, tags) of one design
Observation = tuple[tuple[Any, ...], list[tuple[str, str, float | None]]]


def observe(record: dict[str, Any], design: Any) -> Observation:
    """What `derive_batch` would store for this design, from the record about to be stored.

    `design` is the `Design` the record was made from: its requirements are read from it
    directly rather than from a copy rebuilt out of the record (the same values; a test
    compares them).
    """
    from refaire.match.requirements import requirements_of

    row, tags = derive(record)
    row["requirements"] = json.dumps(requirements_of(design).to_dict(), separators=(",", ":"))
    return tuple(row[c] for c in _OBS_COLUMNS), tags


def write_observations(
    conn: Connection, rows: list[tuple[int, str, str, Observation]], replaced: list[int]
) -> None:
    """Store (design id, checksum, imported_at, observation) rows in the caller's transaction.

    `replaced` are the ids of designs rewritten by this write: their old rows go first.
    """
    o, t = design_observations, design_observation_tags
    for i in range(0, len(replaced), 500):
        chunk = replaced[i : i + 500]
        for table in (t, o):
            conn.execute(delete(table).where(table.c.design_id.in_(chunk)))
    obs = [(did, checksum, at, *values) for did, checksum, at, (values, _tags) in rows]
    tags = [(did, k, v, c) for did, _c, _a, (_v, found) in rows for k, v, c in found]
    insert_tuples(conn, o, ("design_id", "checksum", "imported_at", *_OBS_COLUMNS), obs)
    insert_tuples(conn, t, ("design_id", "kind", "value", "confidence"), tags)


def requirements_json(record: dict[str, Any]) -> str:
    """The matching engine's requirements of a stored design record, as JSON."""
    from refaire.match.requirements import requirements_of
    from refaire.model import Design

    return json.dumps(requirements_of(Design.from_dict(record)).to_dict(), separators=(",", ":"))


def _write_chunk(store: Store, chunk: list[int], derived: list[_Row]) -> None:
    lo, hi = min(chunk), max(chunk)
    o, t = design_observations, design_observation_tags
    rows = [(did, checksum, at, *values) for did, checksum, at, values, _tags in derived]
    tags = [(did, k, v, c) for did, _c, _a, _v, found in derived for k, v, c in found]
    with store.engine.begin() as conn:
        for table in (t, o):
            # Designs derived for the first time have nothing to replace: skip the delete.
            present = conn.execute(
                select(table.c.design_id).where(table.c.design_id.between(lo, hi)).limit(1)
            ).first()
            if present is not None:
                conn.execute(delete(table).where(table.c.design_id.in_(chunk)))
        insert_tuples(conn, o, ("design_id", "checksum", "imported_at", *_OBS_COLUMNS), rows)
        insert_tuples(conn, t, ("design_id", "kind", "value", "confidence"), tags)
