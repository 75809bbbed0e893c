"""Full-text matching over an inverted term table, shared by designs and facilities.

Every query word matches indexed terms by prefix ("sol" finds "solar"); all words
must match (AND); the score is the sum of each word's best field weight. Prefix
ranges (`term >= w AND term < w + "{"`) use the (term, id, weight) index on both
SQLite and PostgreSQL, which is what keeps a query fast at 100,000 records.
"""

from __future__ import annotations

from sqlalchemy import Select, Table, func, literal, select, union_all

from refaire.text import words

# Terms are made of [0-9a-z] only, and "{" sorts right after "z".
_PREFIX_END = "{"


def query_words(q: str | None) -> list[str]:
    seen: list[str] = []
    for w in words(q):
        if w not in seen:
            seen.append(w)
    return seen[:8]


def match_subquery(terms: Table, id_column: str, q: str | None) -> Select | None:
    """SELECT id, score of the records whose terms match every word of `q`, or None if no words."""
    ws = query_words(q)
    if not ws:
        return None
    ident = terms.c[id_column]
    per_word = [
        select(ident.label("rid"), func.max(terms.c.weight).label("w"), literal(i).label("k"))
        .where(terms.c.term >= w, terms.c.term < w + _PREFIX_END)
        .group_by(ident)
        for i, w in enumerate(ws)
    ]
    if len(per_word) == 1:
        only = per_word[0].subquery()
        return select(only.c.rid.label("id"), only.c.w.label("score"))
    hits = union_all(*per_word).subquery()
    return (
        select(hits.c.rid.label("id"), func.sum(hits.c.w).label("score"))
        .group_by(hits.c.rid)
        .having(func.count() == len(ws))
    )
