"""Searching designs: full-text words, facet filters, facet counts, pagination."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, literal, select

from refaire.store.db import Store
from refaire.store.designs import FACETS
from refaire.store.search import match_subquery
from refaire.store.tables import design_facets, design_terms, designs

MAX_LIMIT = 200
FACET_VALUES_SHOWN = 30


def _candidates(q: str | None, filters: dict[str, list[str]]) -> Select:
    """SELECT id, score of every design matching the words and the facet filters."""
    matched = match_subquery(design_terms, "design_id", q)
    if matched is None:
        base = select(designs.c.id.label("id"), literal(0).label("score"))
        id_col = designs.c.id
    else:
        sub = matched.subquery()
        base = select(sub.c.id.label("id"), sub.c.score.label("score"))
        id_col = sub.c.id
    for facet, values in filters.items():
        if not values:
            continue
        base = base.where(
            id_col.in_(
                select(design_facets.c.design_id).where(
                    design_facets.c.facet == facet, design_facets.c.value.in_(values)
                )
            )
        )
    return base


def search_designs(
    store: Store,
    q: str | None = None,
    filters: dict[str, list[str]] | None = None,
    limit: int = 20,
    offset: int = 0,
    with_facets: bool = True,
) -> dict[str, Any]:
    """Designs matching `q` and `filters` ({facet: [values]}), best first, with facet counts.

    Unknown facet names are refused with a ValueError naming the known ones.
    """
    filters = {k: [v for v in vs if v] for k, vs in (filters or {}).items() if vs}
    unknown = sorted(set(filters) - set(FACETS))
    if unknown:
        raise ValueError(f"unknown facet {unknown[0]!r}; facets are: {', '.join(FACETS)}")
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    cand = _candidates(q, filters).subquery()
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(cand)).scalar_one()
        rows = conn.execute(
            select(designs.c.id, designs.c.name, designs.c.record, cand.c.score)
            .join(cand, cand.c.id == designs.c.id)
            .order_by(cand.c.score.desc(), designs.c.name_sort, designs.c.id)
            .limit(limit)
            .offset(offset)
        ).all()
        facets: dict[str, list[dict[str, Any]]] = {f: [] for f in FACETS}
        if with_facets and total:
            counts = conn.execute(
                select(design_facets.c.facet, design_facets.c.value, func.count().label("n"))
                .where(design_facets.c.design_id.in_(select(cand.c.id)))
                .group_by(design_facets.c.facet, design_facets.c.value)
            ).all()
            for facet, value, n in sorted(counts, key=lambda r: (-r.n, r.value)):
                if len(facets[facet]) < FACET_VALUES_SHOWN:
                    facets[facet].append(
                        {"value": value, "count": n, "selected": value in filters.get(facet, [])}
                    )
    return {
        "q": q or "",
        "filters": filters,
        "total": total,
        "limit": limit,
        "offset": offset,
        "items": [summary_item(r.id, r.record) for r in rows],
        "facets": facets,
    }


def summary_item(design_id: int, record: dict[str, Any]) -> dict[str, Any]:
    """The short form of a design used in lists (API items, web rows, CLI tables)."""
    licence = record.get("licence") or {}
    return {
        "id": design_id,
        "key": record.get("key"),
        "name": record.get("name"),
        "function": (record.get("function") or record.get("description") or "")[:300],
        "licence": licence.get("expression"),
        "openness": licence.get("openness"),
        "technology_readiness": record.get("technology_readiness"),
        "sectors": record.get("sectors") or [],
        "languages": record.get("languages") or [],
        "platform": record.get("platform"),
        "format": record.get("format"),
        "repo": record.get("repo"),
        "parts": len(record.get("parts") or []),
        "image": (record.get("images") or [None])[0],
    }
