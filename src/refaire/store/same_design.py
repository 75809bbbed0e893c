"""One design read from several sources: records linked, never merged (issue 12).

A LOSH list and the OSHWA certification list, or two manifests of one project, give
the same design under different identity keys (the key holds the name, OSHWA's holds
its UID). At import each record's identities — its normalised repository URL, its
OSHWA UID — are stored (`design_identities`); a record sharing one with a record of
another key is linked to the first stored record of that group (`design_same`), each
keeping its own data and provenance. Search shows one entry per group, the design page
and the API list the other sources (`also_from`).

This is not the identity conflict of `refaire.store.conflicts`: there another source
claims the SAME key, and the claim is held back; here both records are stored.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from refaire.ingest.identity import normalise_repo_url, repo_identity_problem
from refaire.store.bulk import insert_tuples
from refaire.store.tables import design_identities, design_same, designs

REASONS = {"repo": "same repository", "oshwa": "same OSHWA UID"}
_OSHWA_URL = re.compile(r"^https?://certification\.oshwa\.org/([a-z]{2}\d{6})\.html$", re.I)


def identities(row: dict[str, Any]) -> list[tuple[str, str]]:
    """(kind, value) pairs that name this design's project whatever the source.

    The repository is compared normalised (`normalise_repo_url`) and lower-cased
    (forges treat owner and project names case-insensitively); a bare host or a
    template URL names no project and gives none.
    """
    out: list[tuple[str, str]] = []
    repo = (row.get("repo") or "").strip()
    key = row.get("key") or ""
    if key.startswith("oshwa:"):
        out.append(("oshwa", key[len("oshwa:") :].upper()))
    m = _OSHWA_URL.match(repo)
    if m:
        out.append(("oshwa", m.group(1).upper()))
    elif repo.lower().startswith(("http://", "https://")) and repo_identity_problem(repo) is None:
        out.append(("repo", normalise_repo_url(repo).lower()[:1000]))
    return list(dict.fromkeys(out))


def link_saved(conn: Connection, rows: dict[int, dict[str, Any]]) -> int:
    """Store the identities of just-saved designs ({id: row}) and link them to the stored
    records sharing one; the number of new links."""
    ids = list(rows)
    for i in range(0, len(ids), 500):
        conn.execute(
            delete(design_identities).where(design_identities.c.design_id.in_(ids[i : i + 500]))
        )
    found = {rid: identities(row) for rid, row in rows.items()}
    insert_tuples(
        conn,
        design_identities,
        ("design_id", "kind", "value"),
        [(rid, k, v) for rid, pairs in found.items() for k, v in pairs],
    )
    made = 0
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for rid, pairs in found.items():
        for kind, value in pairs:
            query = (
                select(design_identities.c.design_id)
                .join(designs, designs.c.id == design_identities.c.design_id)
                .where(
                    design_identities.c.kind == kind,
                    design_identities.c.value == value,
                    design_identities.c.design_id != rid,
                )
            )
            if kind == "repo":
                # one repository often holds several designs, each with its manifest in
                # one format: only a record in ANOTHER format (a LOSH manifest and the
                # OSHWA list, an OKH v1 and a LOSH manifest) is the same design again
                query = query.where(designs.c.format != rows[rid].get("format"))
            others = [int(o) for (o,) in conn.execute(query)]
            if others:
                made += _link_group(conn, [rid, *others], REASONS[kind], now)
    return made


def _link_group(conn: Connection, members: list[int], reason: str, now: str) -> int:
    """Link every member (and the groups they already belong to) to the first stored."""
    primaries = dict(
        conn.execute(
            select(design_same.c.linked_design_id, design_same.c.design_id).where(
                design_same.c.linked_design_id.in_(members)
            )
        ).all()
    )
    heads = {primaries.get(m, m) for m in members}
    first = min(heads)
    made = 0
    for head in sorted(heads - {first}):
        # a whole group joins the earlier one: its members move under `first`
        moved = (
            conn.execute(
                select(design_same.c.linked_design_id).where(design_same.c.design_id == head)
            )
            .scalars()
            .all()
        )
        conn.execute(delete(design_same).where(design_same.c.design_id == head))
        for m in [head, *moved]:
            conn.execute(
                insert(design_same),
                {"design_id": first, "linked_design_id": m, "reason": reason, "linked_at": now},
            )
            made += m == head
    return made


def group_heads(conn: Connection) -> tuple[list[int], list[int]]:
    """(first stored, other) id pairs of every link, for search to fold groups."""
    rows = conn.execute(select(design_same.c.design_id, design_same.c.linked_design_id)).all()
    return [int(a) for a, _ in rows], [int(b) for _, b in rows]


def also_from(conn: Connection, design_id: int) -> list[dict[str, Any]]:
    """The other records of this design's group, first stored first, each with its own
    source, format, platform and why it is linked (stated by the import rule)."""
    from refaire.public_source import public_source

    head = conn.execute(
        select(design_same.c.design_id).where(design_same.c.linked_design_id == design_id)
    ).scalar()
    head = int(head) if head is not None else design_id
    links = dict(
        conn.execute(
            select(design_same.c.linked_design_id, design_same.c.reason).where(
                design_same.c.design_id == head
            )
        ).all()
    )
    if not links:
        return []
    members = [head, *links]
    reason_of_head = links.get(design_id)
    rows = conn.execute(
        select(
            designs.c.id,
            designs.c.key,
            designs.c.name,
            designs.c.source,
            designs.c.format,
            designs.c.platform,
            designs.c.imported_at,
        )
        .where(designs.c.id.in_(members))
        .order_by(designs.c.id)
    ).all()
    return [
        {
            "id": r.id,
            "key": r.key,
            "name": r.name,
            "source": public_source(r.source),
            "format": r.format,
            "platform": r.platform,
            "imported_at": r.imported_at,
            "first_stored": r.id == head,
            "reason": links.get(r.id) or reason_of_head,
        }
        for r in rows
        if r.id != design_id
    ]


def also_from_many(conn: Connection, heads: list[int]) -> dict[int, list[dict[str, Any]]]:
    """{first stored id: [short entries of its other records]} for a page of search results."""
    if not heads:
        return {}
    rows = conn.execute(
        select(
            design_same.c.design_id,
            design_same.c.reason,
            designs.c.id,
            designs.c.name,
            designs.c.source,
            designs.c.format,
            designs.c.platform,
        )
        .join(designs, designs.c.id == design_same.c.linked_design_id)
        .where(design_same.c.design_id.in_(heads))
        .order_by(designs.c.id)
    ).all()
    from refaire.public_source import public_source

    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(int(r.design_id), []).append(
            {
                "id": r.id,
                "name": r.name,
                "source": public_source(r.source),
                "format": r.format,
                "platform": r.platform,
                "reason": r.reason,
            }
        )
    return out
