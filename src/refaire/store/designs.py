"""Storing, reading and searching designs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from refaire.ingest.identity import bounded_key
from refaire.model import Design
from refaire.store.bulk import insert_tuples
from refaire.store.conflicts import Conflict, record_conflict
from refaire.store.db import Store
from refaire.store.generations import DESIGNS_REWRITTEN, bump, current
from refaire.store.ids import row_id
from refaire.store.index_queue import apply as apply_index
from refaire.store.index_queue import catch_up, enqueue
from refaire.store.locking import writing
from refaire.store.paging import rows_by_id
from refaire.store.same_design import link_saved
from refaire.store.tables import design_facets, design_links, designs
from refaire.text import fold, weighted_terms

if TYPE_CHECKING:
    from refaire.observatory.derive import Observation


def observe(record: dict[str, Any], design: Design) -> Observation | None:
    """The observatory's derivation of one design (imported on first write: reading a
    design, as `refaire designs show` does, never loads the observatory)."""
    from refaire.observatory.derive import observe as derive_one

    return derive_one(record, design)


FACETS = ("openness", "sector", "readiness", "language", "platform", "format")


def design_facet_values(d: Design) -> list[tuple[str, str]]:
    """(facet, value) pairs a design is counted under; multi-valued facets give several."""
    pairs: list[tuple[str, str]] = []
    if d.licence:
        pairs.append(("openness", d.licence.openness))
    for s in dict.fromkeys(d.sectors):
        pairs.append(("sector", s))
    if d.technology_readiness:
        pairs.append(("readiness", d.technology_readiness))
    for lang in dict.fromkeys(tag.split("-")[0].lower() for tag in d.languages):
        pairs.append(("language", lang))
    if d.platform:
        pairs.append(("platform", d.platform))
    pairs.append(("format", d.format))
    return pairs


def design_terms_of(d: Design) -> dict[str, int]:
    return weighted_terms(
        [
            (d.name, 3),
            (" ".join(d.keywords), 2),
            (" ".join(d.categories), 2),
            (d.function, 1),
            (d.description, 1),
            (d.intended_use, 1),
            (d.organisation, 1),
            (d.licensor, 1),
            (" ".join(p.name for p in d.parts), 1),
        ]
    )


@dataclass(slots=True)
class PreparedDesign:
    """A design turned into the rows that store it: computed once, anywhere.

    The import runner prepares designs in its worker processes, so that the process
    writing to the database only writes.
    """

    key: str
    row: dict[str, Any]
    facets: list[tuple[str, str]]
    terms: dict[str, int]
    links: list[tuple[str, str]]
    # The observatory's and the matching engine's derived values, stored with the design
    # so that no first visitor waits for them; None when deriving failed (the observatory
    # derives it later, and reports the failure there).
    observation: Observation | None = None


def prepare_design(d: Design) -> PreparedDesign:
    prov = d.provenance
    record = d.to_dict()
    # The original text is stored once, in its own column.
    if record.get("provenance"):
        record["provenance"].pop("text", None)
    row = {
        "key": bounded_key(d.key),
        "name": d.name[:500],
        "name_sort": fold(d.name)[:500],
        "format": d.format[:40],
        "version": (d.version or None) and d.version[:200],
        "repo": (d.repo or None) and d.repo[:1000],
        "licence": d.licence.expression[:300] if d.licence else None,
        "openness": d.licence.openness if d.licence else None,
        "technology_readiness": (d.technology_readiness or None) and d.technology_readiness[:20],
        "documentation_readiness": (d.documentation_readiness or None)
        and d.documentation_readiness[:20],
        "platform": (d.platform or None) and d.platform[:100],
        "source": prov.source[:2000] if prov else "",
        "checksum": prov.checksum if prov else "",
        "imported_at": prov.imported_at if prov else "",
        "record": json.dumps(record, ensure_ascii=False, separators=(",", ":")),
        "manifest_text": prov.text if prov else "",
    }
    # PostgreSQL refuses NUL in text; readers clean it, this is for every other writer.
    for name, value in row.items():
        if isinstance(value, str) and "\x00" in value:
            row[name] = value.replace("\x00", "")
    terms = design_terms_of(d)
    row["terms"] = " ".join(terms)
    try:
        observation: Observation | None = observe(record, d)
    except Exception:  # a derivation bug must not cost the record its place in the store
        observation = None
    return PreparedDesign(
        key=row["key"],
        row=row,
        facets=[(f, v[:300]) for f, v in design_facet_values(d)],
        terms=terms,
        links=[(ln.kind, ln.target[:2000]) for ln in d.links],
        observation=observation,
    )


@dataclass
class SaveCounts:
    imported: int = 0
    updated: int = 0
    keys: list[str] = field(default_factory=list)
    # (source, message) of records the database refused: the rest of the batch is stored.
    failed: list[tuple[str, str]] = field(default_factory=list)
    # Claims on a stored design's identity from another source, kept as conflicts.
    conflicts: list[Conflict] = field(default_factory=list)
    # (source, stored design id): the same content as a design stored from elsewhere.
    unchanged: list[tuple[str, int]] = field(default_factory=list)
    # Facility records merged into another place: {record, into, evidence}.
    merges: list[dict[str, str]] = field(default_factory=list)
    # Records of the batch that joined another one of it, not stored on their own (a row
    # repeated in one file: the later wins; a facility merged with another of the batch).
    merged: int = 0
    # Links made between records of one design from several sources (`store.same_design`).
    linked: int = 0

    def merge(self, other: SaveCounts) -> None:
        self.imported += other.imported
        self.updated += other.updated
        self.keys += other.keys
        self.failed += other.failed
        self.conflicts += other.conflicts
        self.unchanged += other.unchanged
        self.merges += other.merges
        self.merged += other.merged
        self.linked += other.linked


def save_designs(
    store: Store,
    items: Iterable[Design | PreparedDesign],
    index: bool = True,
    takeover: set[str] | None = None,
) -> SaveCounts:
    """Insert new designs and update known ones (same key and source), in one transaction.

    Child rows (facets, links) are rewritten in bulk for the whole batch, so a
    batch costs a handful of statements, not a few per design. If the database
    refuses the batch, each design is saved again in its own savepoint, so one bad
    record is reported in `failed` and the others are stored.

    A design whose key is stored from another source (another manifest claiming the
    same repository and name) does not replace it: it is kept in `design_conflicts`
    and listed in `conflicts`, unless its key is in `takeover` (a maintainer chose
    to replace). The word-index changes are queued with the designs; `index=False`
    leaves them queued for the caller to apply once (`flush_postings`), as the import
    runner does after many batches.
    """
    batch: dict[str, PreparedDesign] = {}
    later: list[PreparedDesign] = []
    repeated = 0
    for item in items:
        p = item if isinstance(item, PreparedDesign) else prepare_design(item)
        seen = batch.get(p.key)
        if seen is not None and seen.row["source"] != p.row["source"]:
            later.append(p)  # a second claim on one identity: judged once the first is stored
        else:
            repeated += seen is not None
            batch[p.key] = p  # the same source twice in a batch: the last version wins
    counts = SaveCounts()
    if batch:
        with writing(store.engine) as conn:
            try:
                with conn.begin_nested():
                    _save_batch(conn, batch, takeover or set(), counts)
            except DBAPIError:
                counts = SaveCounts()
                for key, p in batch.items():
                    one = SaveCounts()
                    try:
                        with conn.begin_nested():
                            _save_batch(conn, {key: p}, takeover or set(), one)
                    except DBAPIError as exc:
                        counts.failed.append((p.row["source"], db_message(exc)))
                    else:
                        counts.merge(one)
            if index:
                apply_index(conn, limit=None)
            bump(conn, "designs")
            if counts.updated or not current(conn, DESIGNS_REWRITTEN):
                # stored designs changed, not only new ones added: caches that take in
                # the new designs alone (the facet index) must be built again. Also given
                # on a store's first write: a token no other database at this URL had.
                bump(conn, DESIGNS_REWRITTEN)
    counts.merged += repeated
    if later:
        counts.merge(save_designs(store, later, index=index, takeover=takeover))
    return counts


def db_message(exc: DBAPIError) -> str:
    """The database's own reason, without the statement and its (maybe huge) parameters."""
    orig = exc.orig if exc.orig is not None else exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    return f"not stored: the database refused it ({first[:300]})"


def _save_batch(
    conn: Connection, batch: dict[str, PreparedDesign], takeover: set[str], counts: SaveCounts
) -> None:
    existing: dict[str, tuple[int, str, str, str]] = {}
    keys = list(batch)
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        for rid, key, terms, source, checksum in conn.execute(
            select(
                designs.c.id, designs.c.key, designs.c.terms, designs.c.source, designs.c.checksum
            ).where(designs.c.key.in_(chunk))
        ):
            existing[key] = (rid, terms, source, checksum)
    for key, (rid, _terms, source, checksum) in list(existing.items()):
        p = batch[key]
        if source == p.row["source"] or key in takeover:
            continue
        del existing[key]
        del batch[key]
        if checksum and checksum == p.row["checksum"]:
            counts.unchanged.append((p.row["source"], rid))
        else:
            counts.conflicts.append(record_conflict(conn, rid, source, p))
    if not batch:
        return
    rows_new = [p.row for k, p in batch.items() if k not in existing]
    ids: dict[str, int] = {k: v[0] for k, v in existing.items()}
    if rows_new:
        # executemany, then the new ids by key: an INSERT … RETURNING that must keep
        # the rows' order is run one row at a time on SQLite.
        conn.execute(insert(designs), rows_new)
        new_keys = [row["key"] for row in rows_new]
        for i in range(0, len(new_keys), 500):
            found = conn.execute(
                select(designs.c.key, designs.c.id).where(designs.c.key.in_(new_keys[i : i + 500]))
            )
            ids.update((key, rid) for key, rid in found)
    for key, (rid, *_rest) in existing.items():
        conn.execute(update(designs).where(designs.c.id == rid).values(**batch[key].row))
    if existing:
        _delete_children(conn, list(ids[k] for k in existing))
    _insert_children(conn, batch, ids)
    from refaire.observatory.derive import write_observations

    write_observations(
        conn,
        [
            (ids[key], p.row["checksum"], p.row["imported_at"], p.observation)
            for key, p in batch.items()
            if p.observation is not None
        ],
        [ids[k] for k in existing],
    )
    enqueue(
        conn,
        [
            (ids[key], existing[key][1] if key in existing else "", p.terms)
            for key, p in batch.items()
        ],
    )
    # records of one project from other sources (same repository, same OSHWA UID): linked
    counts.linked += link_saved(conn, {ids[key]: p.row for key, p in batch.items()})
    counts.imported += len(rows_new)
    counts.updated += len(existing)
    counts.keys += list(batch)


def flush_postings(store: Store) -> None:
    """Apply the word-index changes queued by `save_designs(..., index=False)`."""
    catch_up(store)


def _delete_children(conn: Connection, ids: list[int]) -> None:
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        for table in (design_facets, design_links):
            conn.execute(delete(table).where(table.c.design_id.in_(chunk)))


def _insert_children(
    conn: Connection, batch: dict[str, PreparedDesign], ids: dict[str, int]
) -> None:
    facet_rows, link_rows = [], []
    for key, p in batch.items():
        rid = ids[key]
        facet_rows += [(rid, f, v) for f, v in p.facets]
        link_rows += [(rid, kind, target) for kind, target in p.links]
    insert_tuples(conn, design_facets, ("design_id", "facet", "value"), facet_rows)
    insert_tuples(conn, design_links, ("design_id", "kind", "target"), link_rows)


def _design_from_row(record: dict[str, Any], manifest_text: str) -> Design:
    d = Design.from_dict(record)
    if d.provenance is not None:
        d.provenance.text = manifest_text
    return d


def get_design(store: Store, ident: int | str) -> tuple[int, Design] | None:
    """A design by numeric id or by key, with its id; None when unknown."""
    rid = row_id(ident)
    cond = designs.c.id == rid if rid is not None else designs.c.key == str(ident)
    with store.engine.connect() as conn:
        row = conn.execute(
            select(designs.c.id, designs.c.record, designs.c.manifest_text).where(cond)
        ).first()
    if row is None:
        return None
    return row.id, _design_from_row(row.record, row.manifest_text)


def designs_by_keys(store: Store, keys: list[str], batch: int = 500) -> list[Design]:
    """The stored designs with these keys (unknown keys are left out), in key order given."""
    found: dict[str, Design] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(keys), batch):
            stmt = select(designs.c.key, designs.c.record, designs.c.manifest_text).where(
                designs.c.key.in_(keys[start : start + batch])
            )
            for row in conn.execute(stmt):
                found[row.key] = _design_from_row(row.record, row.manifest_text)
    return [found[k] for k in keys if k in found]


def iter_designs(store: Store, batch: int = 500) -> Iterator[tuple[int, Design]]:
    """Every stored design in id order, read in batches so memory stays flat."""
    query = select(designs.c.id, designs.c.record, designs.c.manifest_text)
    for row in rows_by_id(store, query, designs.c.id, batch):
        yield row.id, _design_from_row(row.record, row.manifest_text)


def count_designs(store: Store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(designs)).scalar_one()


def lineage(store: Store, design_id: int, d: Design) -> dict[str, list[dict[str, Any]]]:
    """Designs this one derives from (resolved when stored) and designs that derive from it."""
    targets = [ln.target for ln in d.links]
    out: dict[str, list[dict[str, Any]]] = {"parents": [], "children": []}
    with store.engine.connect() as conn:
        known = {}
        if targets:
            for rid, name, repo in conn.execute(
                select(designs.c.id, designs.c.name, designs.c.repo).where(
                    designs.c.repo.in_(targets)
                )
            ):
                known[repo] = {"id": rid, "name": name}
        for ln in d.links:
            out["parents"].append(
                {"kind": ln.kind, "target": ln.target, "design": known.get(ln.target)}
            )
        if d.repo:
            rows = conn.execute(
                select(designs.c.id, designs.c.name, design_links.c.kind)
                .join(design_links, design_links.c.design_id == designs.c.id)
                .where(design_links.c.target == d.repo)
                .order_by(designs.c.name_sort)
                .limit(200)
            )
            out["children"] = [{"id": r.id, "name": r.name, "kind": r.kind} for r in rows]
    return out


def design_withdrawn_at(store: Store, design_id: int) -> str | None:
    """When a crawled source withdrew this design (its document gone), or None.

    Set by the crawler (`crawl.sources`); read here so that showing a design does not
    load the crawler and its HTTP client."""
    with store.engine.connect() as conn:
        return conn.execute(
            select(designs.c.withdrawn_at).where(designs.c.id == design_id)
        ).scalar()
