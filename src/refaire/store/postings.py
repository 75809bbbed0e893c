"""The word index of designs: one row per term holding its postings as packed arrays.

A common word of a 100,000-design registry is in tens of thousands of designs;
reading that many (term, design) rows costs more than the whole search may.
Here a term's postings are one row: sorted design ids (int32) and their field
weights (uint8), so a query reads a few rows and numpy does the rest.

Writes are accumulated in a `PostingsWriter` and applied per term: the stored
arrays of every touched term are read once, the designs being rewritten are
removed from them, the new postings merged in, and the row written back. The
import runner flushes one writer per run, so a term's row is rewritten once per
import, not once per batch.
"""

from __future__ import annotations

from array import array
from collections import defaultdict

import numpy as np
from sqlalchemy import Connection, delete, select

from refaire.store.bulk import insert_tuples
from refaire.store.search import _PREFIX_END
from refaire.store.tables import design_postings
from refaire.text_expand import query_groups

CHUNK = 500


class PostingsWriter:
    """Pending changes to the term rows: designs to drop and (design, weight) to add."""

    def __init__(self) -> None:
        self.added: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.touched: set[str] = set()
        self.rewritten: set[int] = set()
        self.pending_terms: dict[int, list[str]] = {}
        self.pending = 0

    def replace(self, design_id: int, old_terms: list[str], new_terms: dict[str, int]) -> None:
        """Design `design_id` had `old_terms`, now has `new_terms` ({term: weight})."""
        earlier = self.pending_terms.pop(design_id, None)
        if earlier is not None:  # saved twice before a flush: the last version wins
            for term in earlier:
                self.added[term] = [(d, w) for d, w in self.added[term] if d != design_id]
                self.pending -= 1
        self.pending_terms[design_id] = list(new_terms)
        self.rewritten.add(design_id)
        self.touched.update(old_terms)
        self.touched.update(new_terms)
        added = self.added
        for term, weight in new_terms.items():
            added[term].append((design_id, weight if weight < 256 else 255))  # one byte
        self.pending += len(new_terms)

    def size(self) -> int:
        """How many postings wait to be written."""
        return self.pending

    def flush(self, conn: Connection) -> None:
        terms = sorted(self.touched)
        drop = np.fromiter(self.rewritten, dtype=np.int32, count=len(self.rewritten))
        drop.sort()
        for i in range(0, len(terms), CHUNK):
            chunk = terms[i : i + CHUNK]
            stored = {
                t: (np.frombuffer(ids, dtype=np.int32), np.frombuffer(ws, dtype=np.uint8))
                for t, ids, ws in conn.execute(
                    select(
                        design_postings.c.term, design_postings.c.ids, design_postings.c.weights
                    ).where(design_postings.c.term.in_(chunk))
                )
            }
            rows = []
            for term in chunk:
                new = self.added.get(term)
                if term not in stored and new:
                    # A term new to the store (most terms of a first import): plain
                    # Python is cheaper than numpy for a handful of postings.
                    new.sort()
                    packed = array("i", [d for d, _w in new]).tobytes()
                    rows.append((term, packed, bytes([w for _d, w in new])))
                    continue
                ids, ws = stored.get(term, (np.empty(0, np.int32), np.empty(0, np.uint8)))
                if len(drop) and len(ids):
                    keep = ~np.isin(ids, drop, assume_unique=True)
                    ids, ws = ids[keep], ws[keep]
                if new:
                    pairs = np.array(new, dtype=np.int64)
                    ids = np.concatenate([ids, pairs[:, 0].astype(np.int32)])
                    ws = np.concatenate([ws, pairs[:, 1].astype(np.uint8)])
                    order = np.argsort(ids, kind="stable")
                    ids, ws = ids[order], ws[order]
                if len(ids):
                    rows.append((term, ids.tobytes(), ws.tobytes()))
            if stored:  # terms new to the store have no row to delete
                conn.execute(
                    delete(design_postings).where(design_postings.c.term.in_(list(stored)))
                )
            insert_tuples(conn, design_postings, ("term", "ids", "weights"), rows)
        self.added.clear()
        self.touched.clear()
        self.rewritten.clear()
        self.pending_terms.clear()
        self.pending = 0


def _prefix_hits(conn: Connection, w: str) -> tuple[np.ndarray, np.ndarray]:
    """(design ids, best weight) of the designs having a term that starts with `w`."""
    # Plain SQL on the driver: building and compiling the statement cost more than the
    # index range it reads, several times per search.
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    rows = conn.exec_driver_sql(
        f"SELECT ids, weights FROM {design_postings.name} WHERE term >= {mark} AND term < {mark}",
        (w, w + _PREFIX_END),
    ).all()
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    ids = np.concatenate([np.frombuffer(r[0], dtype=np.int32) for r in rows]).astype(np.int64)
    ws = np.concatenate([np.frombuffer(r[1], dtype=np.uint8) for r in rows]).astype(np.int64)
    return _best_per_id(ids, ws) if len(rows) > 1 else (ids, ws)


def _best_per_id(ids: np.ndarray, ws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The same design under several terms or alternatives: keep its best weight, ids sorted."""
    order = np.lexsort((ws, ids))
    ids, ws = ids[order], ws[order]
    last = np.r_[ids[1:] != ids[:-1], True]
    return ids[last], ws[last]


def _all_of(
    hits: list[tuple[np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Designs in every one of `hits`, with the sum of their weights."""
    ids, scores = hits[0]
    for more_ids, more_ws in hits[1:]:
        common, mine, theirs = np.intersect1d(
            ids, more_ids, assume_unique=True, return_indices=True
        )
        ids, scores = common, scores[mine] + more_ws[theirs]
    return ids, scores


def match_postings(conn: Connection, q: str | None) -> tuple[np.ndarray, np.ndarray] | None:
    """(design ids, scores) of the designs matching every word of `q` by prefix.

    Each word is expanded (`refaire.text_expand`): its stems and translations are
    alternatives, and a design matches the word through any of them, scoring its best
    field weight (an alternative of several words scores their mean), a little less through
    a stem or translation than through the word as typed. The words' scores add up. None when `q` has no words.
    """
    groups = query_groups(q)
    if not groups:
        return None
    cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    per_group: list[tuple[np.ndarray, np.ndarray]] = []
    for group in groups:
        found_ids: list[np.ndarray] = []
        found_ws: list[np.ndarray] = []
        for rank, alternative in enumerate(group):
            for w in alternative:
                if w not in cache:
                    cache[w] = _prefix_hits(conn, w)
            ids, scores = _all_of([cache[w] for w in alternative])
            found_ids.append(ids)
            # the word as typed outranks its stems and translations at the same field weight
            found_ws.append(2 * (scores // len(alternative)) - (rank > 0))
        ids = np.concatenate(found_ids)
        if not len(ids):
            return np.empty(0, np.int64), np.empty(0, np.int64)
        per_group.append(_best_per_id(ids, np.concatenate(found_ws)))
    return _all_of(per_group)
