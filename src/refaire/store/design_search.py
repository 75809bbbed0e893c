"""Searching designs: full-text words, facet filters, facet counts, pagination."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from sqlalchemy import Connection

from refaire.pictures import summary_pictures
from refaire.store.db import Store
from refaire.store.designs import FACETS
from refaire.store.facet_index import facet_index
from refaire.store.postings import match_postings
from refaire.store.same_design import also_from_many, group_heads
from refaire.store.tables import designs

MAX_LIMIT = 200
FACET_VALUES_SHOWN = 30


def search_designs(
    store: Store,
    q: str | None = None,
    filters: dict[str, list[str]] | None = None,
    limit: int = 20,
    offset: int = 0,
    with_facets: bool = True,
) -> dict[str, Any]:
    """Designs matching `q` and `filters` ({facet: [values]}), best first, with facet counts.

    Words are matched in SQL on the term index; facet filters, counts and the
    ordering (score, then name) run on the in-memory facet index
    (`refaire.store.facet_index`). Unknown facet names are refused with a
    ValueError naming the known ones.
    """
    filters = {k: [v for v in vs if v] for k, vs in (filters or {}).items() if vs}
    unknown = sorted(set(filters) - set(FACETS))
    if unknown:
        raise ValueError(f"unknown facet {unknown[0]!r}; facets are: {', '.join(FACETS)}")
    limit = max(1, min(int(limit), MAX_LIMIT))
    offset = max(0, int(offset))
    index = facet_index(store)
    with store.engine.connect() as conn:
        matched = match_postings(conn, q)
        if matched is None:
            ids = np.flatnonzero(index.present)
            score = np.zeros(len(ids), dtype=np.int64)
        else:
            ids, score = matched
            # a design written after the index was built waits for the next rebuild
            known = ids < index.size
            ids, score = ids[known], score[known]
        selected = np.zeros(index.size, dtype=bool)
        selected[ids] = True
        selected &= index.present
        for facet, values in filters.items():
            selected &= index.mask_for(facet, values)
        # one entry per design read from several sources: a linked record is folded into
        # the first stored one when both match, so totals and facet counts count groups
        heads, others = group_heads(conn)
        if heads:
            h, o = np.asarray(heads), np.asarray(others)
            inside = (h < index.size) & (o < index.size)
            h, o = h[inside], o[inside]
            folded = o[selected[h] & selected[o]]
            selected[folded] = False
        keep = selected[ids]
        ids, score = ids[keep], score[keep]
        order = np.lexsort((ids, index.name_rank[ids], -score))
        page = [int(i) for i in ids[order[offset : offset + limit]]]
        records = _records(conn, page)
        also = also_from_many(conn, page) if heads else {}
    facets: dict[str, list[dict[str, Any]]] = {f: [] for f in FACETS}
    if with_facets and len(ids):
        for facet, pairs in index.counts(selected).items():
            if facet in facets:
                facets[facet] = [
                    {"value": v, "count": n, "selected": v in filters.get(facet, [])}
                    for v, n in pairs[:FACET_VALUES_SHOWN]
                ]
    return {
        "q": q or "",
        "filters": filters,
        "total": len(ids),
        "limit": limit,
        "offset": offset,
        "grouped": "designs read from several sources count once",
        "items": [
            {**summary_item(i, records[i]), "also_from": also.get(i, [])}
            for i in page
            if i in records
        ],
        "facets": facets,
    }


def _records(conn: Connection, ids: list[int]) -> dict[int, dict[str, Any]]:
    """{id: record} of a page of designs, on the driver: the expanding IN of a built
    statement cost as much to compile as the rows cost to read."""
    if not ids:
        return {}
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    rows = conn.exec_driver_sql(
        f"SELECT id, record FROM {designs.name} WHERE id IN ({', '.join([mark] * len(ids))})",
        tuple(ids),
    )
    return {int(i): json.loads(r) for i, r in rows}


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
        **summary_pictures(design_id, record),
    }
