"""An in-memory facet index of the designs, for counting facets at 100,000 designs.

Counting facets in SQL means grouping every facet row of every matching design:
tens of milliseconds per query once a word matches thousands of designs. Here
the facet rows are loaded once into numpy arrays (design id, facet, value code),
so filtering is a boolean mask and counting is one `bincount`. The index records
the store's design generation (`refaire.store.generations`) and is brought up to
date when any write moved it; a process keeps one index per database URL.

Up to date, not rebuilt, when the writes since only added designs (an import of new
records: the generation "designs-rewritten" did not move): the new designs' facet rows
are appended, so the first search after an import of 2,000 designs into 100,000 reads
2,000 designs' rows, not every row again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, select, text

from refaire.store.db import Store
from refaire.store.generations import DESIGNS_REWRITTEN, current_fast
from refaire.store.tables import design_facets, designs


@dataclass
class FacetIndex:
    generation: int
    rewritten: int  # the "designs-rewritten" generation it was built at
    size: int  # max design id + 1: arrays are indexed by design id
    present: np.ndarray  # bool[size]: a design with this id exists
    name_rank: np.ndarray  # int32[size]: position of the design in name order
    row_design: np.ndarray  # int32[rows]: design id of each facet row
    row_facet: np.ndarray  # int16[rows]: index into `facets`
    row_value: np.ndarray  # int32[rows]: index into `values`
    facets: list[str]
    values: list[str]
    offsets: np.ndarray  # int64[size + 1]: rows of design i are offsets[i]:offsets[i + 1]

    def mask_for(self, facet: str, wanted: list[str]) -> np.ndarray:
        """bool[size]: designs having at least one of `wanted` for `facet`."""
        mask = np.zeros(self.size, dtype=bool)
        if facet not in self.facets:
            return mask
        f = self.facets.index(facet)
        codes = [self.values.index(v) for v in wanted if v in self._value_set]
        if not codes:
            return mask
        rows = (self.row_facet == f) & np.isin(self.row_value, codes)
        mask[self.row_design[rows]] = True
        return mask

    def counts(self, selected: np.ndarray) -> dict[str, list[tuple[str, int]]]:
        """{facet: [(value, designs among `selected`)]}, most frequent first."""
        ids = np.flatnonzero(selected)
        if len(ids) * 4 < self.size:
            # few designs: gather their rows through the per-design offsets
            lengths = self.offsets[ids + 1] - self.offsets[ids]
            ends = np.cumsum(lengths)
            rows = np.arange(ends[-1] if len(ends) else 0) + np.repeat(
                self.offsets[ids] - (ends - lengths), lengths
            )
        else:
            rows = selected[self.row_design]
        pair = self.row_facet[rows].astype(np.int64) * len(self.values) + self.row_value[rows]
        found = np.bincount(pair, minlength=len(self.facets) * len(self.values))
        out: dict[str, list[tuple[str, int]]] = {f: [] for f in self.facets}
        for code in np.flatnonzero(found):
            f, v = divmod(int(code), len(self.values))
            out[self.facets[f]].append((self.values[v], int(found[code])))
        for f in out:
            out[f].sort(key=lambda fv: (-fv[1], fv[0]))
        return out

    def __post_init__(self) -> None:
        self._value_set = set(self.values)


_CACHE: dict[str, FacetIndex] = {}
_LOCK = threading.Lock()


def facet_index(store: Store) -> FacetIndex:
    """The current index for this store, brought up to date when designs were written since."""
    generation = current_fast(store, "designs")
    cached = _CACHE.get(store.url)
    if cached is not None and cached.generation == generation:
        return cached
    with _LOCK:
        cached = _CACHE.get(store.url)
        if cached is None or cached.generation != generation:
            # read after "designs": a rewrite landing between the two reads moves both,
            # and the next call sees the rewrite
            rewritten = current_fast(store, DESIGNS_REWRITTEN)
            # 0: never written (a database re-created at this URL shares that): no trust
            if cached is not None and rewritten and cached.rewritten == rewritten:
                cached = _CACHE[store.url] = _extend(store, cached, generation)
            else:
                cached = _CACHE[store.url] = _build(store, generation, rewritten)
    return cached


# One row per (facet, value) with its design ids as text: splitting that text in C costs
# a fraction of fetching one Python row per facet row (half a million at 100,000 designs,
# seconds on the first search of every process).
_GROUPED = {
    "postgresql": "string_agg(CAST(design_id AS TEXT), ',')",
    "sqlite": "group_concat(design_id, ',')",
}


def _ordered_ids(conn: Connection) -> list[int]:
    return list(
        conn.execute(select(designs.c.id).order_by(designs.c.name_sort, designs.c.id)).scalars()
    )


def _groups(conn: Connection, above: int = 0, upto: int | None = None) -> list[Any]:
    """(facet, value, "id,id,…") of the facet rows of designs with `above` < id <= `upto`."""
    grouped = _GROUPED.get(conn.dialect.name)
    bounds = {"above": above, "upto": upto if upto is not None else np.iinfo(np.int64).max}
    if grouped is not None:
        return conn.execute(
            text(
                f"SELECT facet, value, {grouped} FROM {design_facets.name}"
                " WHERE design_id > :above AND design_id <= :upto GROUP BY facet, value"
            ),
            bounds,
        ).all()
    # another database: one row per facet row, slower but plain SQL
    per_row: dict[tuple[str, str], list[str]] = {}
    did_col = design_facets.c.design_id
    for did, facet, value in conn.execute(
        select(did_col, design_facets.c.facet, design_facets.c.value).where(
            did_col > bounds["above"], did_col <= bounds["upto"]
        )
    ):
        per_row.setdefault((facet, value), []).append(str(did))
    return [(f, v, ",".join(ids)) for (f, v), ids in per_row.items()]


def _ranks(ordered: list[int]) -> tuple[int, np.ndarray, np.ndarray]:
    """(size, present, name_rank) of the designs in name order."""
    ids = np.asarray(ordered, dtype=np.int64)
    size = int(ids.max()) + 1 if len(ids) else 1
    present = np.zeros(size, dtype=bool)
    name_rank = np.full(size, np.iinfo(np.int32).max, dtype=np.int32)
    present[ids] = True
    name_rank[ids] = np.arange(len(ids), dtype=np.int32)
    return size, present, name_rank


def _build(store: Store, generation: int, rewritten: int = 0) -> FacetIndex:
    with store.engine.connect() as conn:
        ordered = _ordered_ids(conn)
        # the designs read above, and only them: one added since has no rank here
        groups = _groups(conn, 0, max(ordered, default=0))
    size, present, name_rank = _ranks(ordered)
    return _assemble(generation, rewritten, size, present, name_rank, groups, {}, {}, None)


def _extend(store: Store, old: FacetIndex, generation: int) -> FacetIndex:
    """`old` with the designs added since: their rows appended, every name rank anew."""
    with store.engine.connect() as conn:
        ordered = _ordered_ids(conn)
        groups = _groups(conn, old.size - 1, max(ordered, default=0))
    size, present, name_rank = _ranks(ordered)
    if size < old.size or not np.array_equal(present[: old.size], old.present):
        # a design below the old highest id appeared (on PostgreSQL, a transaction that
        # took its id earlier committed later), or one went: built anew, never guessed
        return _build(store, generation, old.rewritten)
    facets = {f: i for i, f in enumerate(old.facets)}
    values = {v: i for i, v in enumerate(old.values)}
    return _assemble(
        generation, old.rewritten, size, present, name_rank, groups, facets, values, old
    )


def _assemble(
    generation: int,
    rewritten: int,
    size: int,
    present: np.ndarray,
    name_rank: np.ndarray,
    groups: list[Any],
    facets: dict[str, int],
    values: dict[str, int],
    old: FacetIndex | None,
) -> FacetIndex:
    """The index from grouped rows, after `old`'s rows (whose designs all come before)."""
    parts_design, parts_facet, parts_value = [], [], []
    for facet, value, joined in groups:
        members = np.fromstring(joined, dtype=np.int32, sep=",")  # text mode: parsed in C
        parts_design.append(members)
        parts_facet.append(np.full(len(members), facets.setdefault(facet, len(facets)), np.int16))
        parts_value.append(np.full(len(members), values.setdefault(value, len(values)), np.int32))
    row_design = np.concatenate(parts_design) if parts_design else np.empty(0, np.int32)
    row_facet = np.concatenate(parts_facet) if parts_design else np.empty(0, np.int16)
    row_value = np.concatenate(parts_value) if parts_design else np.empty(0, np.int32)
    # rows grouped by design, so one design's rows are a slice
    order = np.argsort(row_design, kind="stable")
    row_design, row_facet, row_value = row_design[order], row_facet[order], row_value[order]
    if old is not None:  # its designs all come before the new ones: the rows stay grouped
        row_design = np.concatenate((old.row_design, row_design))
        row_facet = np.concatenate((old.row_facet, row_facet))
        row_value = np.concatenate((old.row_value, row_value))
    offsets = np.searchsorted(row_design, np.arange(size + 1)).astype(np.int64)
    return FacetIndex(
        generation=generation,
        rewritten=rewritten,
        size=size,
        present=present,
        name_rank=name_rank,
        row_design=row_design,
        row_facet=row_facet,
        row_value=row_value,
        facets=list(facets),
        values=list(values),
        offsets=offsets,
    )


def forget(store: Store) -> None:
    """Drop this store's index: the next search loads it, as after a server start."""
    with _LOCK:
        _CACHE.pop(store.url, None)
