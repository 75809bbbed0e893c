"""The outbox's sync compares stamps in the database (SQLite and PostgreSQL): the same
changes as reading every record in Python, and the same stamps as before (an upgraded
instance must not publish its whole registry again)."""

from __future__ import annotations

import hashlib

from sqlalchemy import Text, delete, select, type_coerce, update

from refaire.federation.outbox import sync
from refaire.model.design import Design, Provenance
from refaire.store.designs import save_designs
from refaire.store.tables import designs, federation_changes, federation_dirty, federation_published


def _design(key: str, version: str = "1.0") -> Design:
    return Design(key=key, name=f"Lamp {key}", format="okh-losh", version=version,
                  function="A lamp", provenance=Provenance(
                      source=f"https://example.org/{key}.toml", format="okh-losh",
                      checksum=f"{key}-{version}", imported_at="2026-12-01T00:00:00+00:00"))  # fmt: skip


def _actions(store, after: int) -> list[tuple[str, str]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(federation_changes.c.key, federation_changes.c.action)
            .where(federation_changes.c.seq > after)
            .order_by(federation_changes.c.seq)
        ).all()
    return [(r.key, r.action) for r in rows]


def _last(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(federation_changes.c.seq).order_by(
            federation_changes.c.seq.desc()).limit(1)).scalar() or 0  # fmt: skip


def test_sync_finds_creates_updates_withdrawals_and_deletions(any_store) -> None:
    save_designs(any_store, [_design("a"), _design("b"), _design("c"), _design("fed:1:x")])
    assert sync(any_store) == 3  # the peer's record (fed:) is never published
    assert sorted(_actions(any_store, 0)) == [("a", "Create"), ("b", "Create"), ("c", "Create")]
    mark = _last(any_store)
    assert sync(any_store) == 0 and _actions(any_store, mark) == []  # nothing changed

    save_designs(any_store, [_design("a", "2.0")])
    with any_store.engine.begin() as conn:
        conn.execute(update(designs).where(designs.c.key == "b").values(withdrawn_at="2026-12-01"))
        conn.execute(delete(designs).where(designs.c.key == "c"))
    assert sync(any_store) == 3
    assert sorted(_actions(any_store, mark)) == [("a", "Update"), ("b", "Delete"), ("c", "Delete")]
    mark = _last(any_store)
    assert sync(any_store) == 0

    # back from withdrawal: published again as a Create
    with any_store.engine.begin() as conn:
        conn.execute(update(designs).where(designs.c.key == "b").values(withdrawn_at=None))
    assert sync(any_store) == 1 and _actions(any_store, mark) == [("b", "Create")]


def test_stamps_are_the_sha256_of_the_stored_text(any_store) -> None:
    save_designs(any_store, [_design("a")])
    sync(any_store)
    with any_store.engine.connect() as conn:
        text = conn.execute(
            select(type_coerce(designs.c.record, Text)).where(designs.c.key == "a")
        ).scalar_one()
        stamp = conn.execute(
            select(federation_published.c.stamp).where(federation_published.c.key == "a")
        ).scalar_one()
    assert stamp == hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + "|"


def _marks(store) -> list[tuple[str, int]]:
    with store.engine.connect() as conn:
        return sorted(
            (r.kind, r.record_id)
            for r in conn.execute(select(federation_dirty.c.kind, federation_dirty.c.record_id))
        )


def test_writes_are_marked_by_the_database_and_a_sync_compares_only_those(any_store) -> None:
    save_designs(any_store, [_design("a"), _design("b")])
    with any_store.engine.connect() as conn:
        ids = dict(conn.execute(select(designs.c.key, designs.c.id)).all())
    assert {("design", ids["a"]), ("design", ids["b"])} <= set(_marks(any_store))
    assert sync(any_store) == 2
    assert _marks(any_store) == []  # cleared: the next pull hashes nothing

    # a write that no Refaire writer made is still marked, so still published
    with any_store.engine.begin() as conn:
        conn.execute(update(designs).where(designs.c.key == "a").values(name="Renamed by SQL"))
    assert _marks(any_store) == []  # the name alone is not part of the stamp
    with any_store.engine.begin() as conn:
        conn.execute(update(designs).where(designs.c.key == "a").values(withdrawn_at="2026-12-01"))
    assert _marks(any_store) == [("design", ids["a"])]
    mark = _last(any_store)
    assert sync(any_store) == 1 and _actions(any_store, mark) == [("a", "Delete")]


def test_a_published_record_whose_mark_was_lost_is_not_compared_again(any_store) -> None:
    """What the marks leave out is not scanned: proof that a sync reads marks, not the
    registry (the mark of `b` is removed by hand, so its change goes unseen)."""
    save_designs(any_store, [_design("a"), _design("b")])
    sync(any_store)
    with any_store.engine.begin() as conn:
        conn.execute(update(designs).where(designs.c.key == "b").values(withdrawn_at="2026-12-01"))
        conn.execute(delete(federation_dirty))
    assert sync(any_store) == 0
