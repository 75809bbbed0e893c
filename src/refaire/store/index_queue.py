"""The design word index's work queue: why a crash cannot leave designs unsearchable.

Rewriting the packed postings rows of the word index (`store.postings`) once per
import, not once per batch, is what makes large imports fast; but an import killed
between its design batches and that rewrite used to leave designs stored and never
found by search, and two imports rewriting the same term rows lost each other's
postings. Now each saved design also queues, in its own transaction, the terms it
had (to drop) and the terms it has (to add). Applying the queue is idempotent and
done under the store's write lock by whoever comes next: the import itself when it
ends, a concurrent import, or `open_store` after a crash. For a design queued
several times, the union of its old terms is dropped and its latest terms added,
which is right whichever of those changes the index had already seen.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, delete, func, select

from refaire.store.db import Store
from refaire.store.generations import bump
from refaire.store.locking import writing
from refaire.store.tables import design_index_queue as queue

# Queue rows applied per transaction: bounds the memory of one application and
# how long the write lock is held, at the cost of rewriting common terms' rows
# once per chunk.
CHUNK = 20_000


def enqueue(conn: Connection, changes: list[tuple[int, str, dict[str, int]]]) -> None:
    """Queue (design id, its previous terms space-separated, its new {term: weight})."""
    if not changes:
        return
    rows = [
        {
            "design_id": design_id,
            "old_terms": old,
            "new_terms": json.dumps(new, separators=(",", ":")),
        }
        for design_id, old, new in changes
    ]
    for i in range(0, len(rows), 1000):
        conn.execute(queue.insert(), rows[i : i + 1000])


def pending(store: Store) -> int:
    """How many design changes wait to be applied to the word index."""
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(queue)).scalar_one()


def apply(conn: Connection, limit: int = CHUNK) -> int:
    """Apply the oldest `limit` queued changes in the caller's (locked) transaction."""
    rows = conn.execute(
        select(queue.c.seq, queue.c.design_id, queue.c.old_terms, queue.c.new_terms)
        .order_by(queue.c.seq)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    old: dict[int, set[str]] = {}
    new: dict[int, str] = {}
    for _seq, design_id, old_terms, new_terms in rows:
        old.setdefault(design_id, set()).update(old_terms.split())
        new[design_id] = new_terms  # rows come in commit order: the last is current
    # imported when there is work: the postings writer loads numpy and the stemmers,
    # which `open_store` (it calls catch_up) should not pay for on every start
    from refaire.store.postings import PostingsWriter

    writer = PostingsWriter()
    for design_id, terms in new.items():
        writer.replace(design_id, sorted(old[design_id]), json.loads(terms))
    writer.flush(conn)
    conn.execute(delete(queue).where(queue.c.seq <= rows[-1].seq))
    bump(conn, "designs")
    return len(rows)


def catch_up(store: Store) -> int:
    """Apply everything queued, chunk by chunk; the number of changes applied."""
    done = 0
    while pending(store):
        with writing(store.engine) as conn:
            n = apply(conn)
        if not n:
            break
        done += n
    return done
