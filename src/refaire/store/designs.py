"""Storing, reading and searching designs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from refaire.model import Design
from refaire.store.bulk import insert_tuples
from refaire.store.db import Store
from refaire.store.generations import bump
from refaire.store.ids import row_id
from refaire.store.paging import rows_by_id
from refaire.store.postings import PostingsWriter
from refaire.store.tables import design_facets, design_links, designs
from refaire.text import fold, weighted_terms

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


def prepare_design(d: Design) -> PreparedDesign:
    prov = d.provenance
    record = d.to_dict()
    # The original text is stored once, in its own column.
    if record.get("provenance"):
        record["provenance"].pop("text", None)
    row = {
        "key": d.key,
        "name": d.name[:500],
        "name_sort": fold(d.name)[:500],
        "format": d.format,
        "version": (d.version or None) and d.version[:200],
        "repo": (d.repo or None) and d.repo[:1000],
        "licence": d.licence.expression[:300] if d.licence else None,
        "openness": d.licence.openness if d.licence else None,
        "technology_readiness": d.technology_readiness,
        "documentation_readiness": d.documentation_readiness,
        "platform": d.platform,
        "source": prov.source[:2000] if prov else "",
        "checksum": prov.checksum if prov else "",
        "imported_at": prov.imported_at if prov else "",
        "record": json.dumps(record, ensure_ascii=False, separators=(",", ":")),
        "manifest_text": prov.text if prov else "",
    }
    terms = design_terms_of(d)
    row["terms"] = " ".join(terms)
    return PreparedDesign(
        key=d.key,
        row=row,
        facets=[(f, v[:300]) for f, v in design_facet_values(d)],
        terms=terms,
        links=[(ln.kind, ln.target[:2000]) for ln in d.links],
    )


@dataclass
class SaveCounts:
    imported: int = 0
    updated: int = 0
    keys: list[str] = field(default_factory=list)


def save_designs(
    store: Store,
    items: Iterable[Design | PreparedDesign],
    postings: PostingsWriter | None = None,
) -> SaveCounts:
    """Insert new designs and update known ones (same key), in one transaction.

    Child rows (facets, links) are rewritten in bulk for the whole batch, so a
    batch costs a handful of statements, not a few per design. The word index is
    updated here too, unless the caller passes its own `postings` writer to flush
    once after many batches (`flush_postings`), as the import runner does.
    """
    batch: dict[str, PreparedDesign] = {}
    for item in items:  # a key seen twice in a batch: the last one wins
        p = item if isinstance(item, PreparedDesign) else prepare_design(item)
        batch[p.key] = p
    counts = SaveCounts(keys=list(batch))
    if not batch:
        return counts
    writer = postings if postings is not None else PostingsWriter()
    with store.engine.begin() as conn:
        existing: dict[str, tuple[int, str]] = {}
        keys = list(batch)
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            for rid, key, terms in conn.execute(
                select(designs.c.id, designs.c.key, designs.c.terms).where(designs.c.key.in_(chunk))
            ):
                existing[key] = (rid, terms)
        rows_new = [p.row for k, p in batch.items() if k not in existing]
        ids: dict[str, int] = {k: rid for k, (rid, _t) in existing.items()}
        if rows_new:
            # executemany, then the new ids by key: an INSERT … RETURNING that must keep
            # the rows' order is run one row at a time on SQLite.
            conn.execute(insert(designs), rows_new)
            new_keys = [row["key"] for row in rows_new]
            for i in range(0, len(new_keys), 500):
                found = conn.execute(
                    select(designs.c.key, designs.c.id).where(
                        designs.c.key.in_(new_keys[i : i + 500])
                    )
                )
                ids.update((key, rid) for key, rid in found)
        for key, (rid, _terms) in existing.items():
            conn.execute(update(designs).where(designs.c.id == rid).values(**batch[key].row))
        if existing:
            _delete_children(conn, list(ids[k] for k in existing))
        _insert_children(conn, batch, ids)
        for key, p in batch.items():
            old = existing[key][1].split() if key in existing else []
            writer.replace(ids[key], old, p.terms)
        if postings is None:
            writer.flush(conn)
        bump(conn, "designs")
        counts.imported = len(rows_new)
        counts.updated = len(existing)
    return counts


def flush_postings(store: Store, postings: PostingsWriter) -> None:
    """Apply a writer's pending word-index changes (after `save_designs(..., postings=)`)."""
    with store.engine.begin() as conn:
        postings.flush(conn)
        bump(conn, "designs")


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
