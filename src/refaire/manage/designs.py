"""Designs by their authors: a member registers a design and becomes its maintainer; an
imported design can be claimed (a site admin approves: proving control of a repository by a
file placed in it needs the network, which Refaire does not use for this).

Registering reads the manifest with the importer's own readers (any OKH dialect), or turns a
short form into an OKH-LOSH manifest read the same way, so a registered design is normalised
exactly like an imported one. A design already in the registry is never replaced by a
registration: its maintainers update it, anyone else claims it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update

from refaire.manage.access import (
    ManageError,
    NotAllowed,
    UnknownItem,
    acts_as_admin,
    free_text,
    require_member,
)
from refaire.manage.stated import now_stamp
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.store import Store
from refaire.store.tables import design_claims, design_maintainers, designs

SCOPE = "write:designs"
MAX_MANIFEST = 2_000_000


def _check_member(actor: Actor, what: str) -> None:
    require_member(actor, what)
    if actor.user_id is None:
        raise ManageError([("", Said("manage.err.bootstrap_design"))])
    if not actor.has_scope(SCOPE):
        raise NotAllowed(Said("manage.err.scope_designs", scope=SCOPE))


def maintainers_of(store: Store, design_id: int) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(design_maintainers)
            .where(design_maintainers.c.design_id == design_id)
            .order_by(design_maintainers.c.added_at)
        ).all()
    return [dict(r._mapping) for r in rows]


def design_id(store: Store, ident: int | str) -> tuple[int, str]:
    from refaire.registry.designs import UnknownDesign
    from refaire.store.designs import get_design

    found = get_design(store, ident)
    if found is None:
        raise UnknownDesign(f"no design with id or key {ident!r}")
    return found[0], found[1].name


def form_manifest(fields: dict[str, Any]) -> str:
    """An OKH-LOSH manifest from the short form: name, function, licence, repo, files,
    and parts as lines 'name: process ids; material ids'."""
    from refaire.export.okh_toml import design_to_toml
    from refaire.model import Design, Part

    def listed(text: Any) -> list[str]:
        items = text if isinstance(text, list) else str(text or "").replace(",", "\n").split("\n")
        return [str(x).strip() for x in items if str(x).strip()]

    raw = fields.get("parts") or ""
    parts = []
    for line in raw if isinstance(raw, list) else str(raw).splitlines():
        name, _, rest = str(line).partition(":")
        processes, _, materials = rest.partition(";")
        if name.strip():
            parts.append(
                Part(name.strip(), processes=listed(processes), materials=listed(materials))
            )
    from refaire.model.design import Licence

    licence = str(fields.get("licence") or "").strip()
    design = Design(
        key="form",
        name=str(fields.get("name") or "").strip(),
        format="okh-losh",
        repo=str(fields.get("repo") or "").strip() or None,
        function=str(fields.get("function") or "").strip() or None,
        # only the expression is written; the reader classifies it as for any manifest
        licence=Licence(licence, "unknown") if licence else None,
        sources=listed(fields.get("files")),
        parts=parts,
    )
    return design_to_toml(design)


def register_design(store: Store, actor: Actor, name: str, data: bytes) -> dict[str, Any]:
    """Register the design(s) of a manifest; the actor becomes their maintainer.

    ManageError (422) when the file holds no design or a design without a name; 409 when a
    design with the same identity is already registered (claim it, or ask its maintainers).
    """
    from refaire.ingest.runner import read_source
    from refaire.people import audit
    from refaire.store.designs import get_design, save_designs

    _check_member(actor, "register a design")
    if len(data) > MAX_MANIFEST:
        raise ManageError([("file", Said("manage.err.manifest_size", most=f"{MAX_MANIFEST:,}"))], status=413)
    result = read_source(f"registered:{name}", data)
    errors = [p for p in result.problems if p.severity == "error"]
    if not result.designs:
        why = result.skip_reason or "; ".join(p.message for p in errors) or "no design found"
        raise ManageError([("file", f"{name}: {why}")])
    taken = [d for d in result.designs if get_design(store, d.key) is not None]
    if taken:
        raise ManageError(
            [("", f"{d.name!r} is already in the registry (key {d.key}): claim it, or ask its "
                  "maintainers") for d in taken],
            status=409,
        )  # fmt: skip
    save_designs(store, result.designs)
    saved = []
    with store.engine.begin() as conn:
        for d in result.designs:
            did = conn.execute(select(designs.c.id).where(designs.c.key == d.key)).scalar_one()
            conn.execute(
                insert(design_maintainers).values(
                    design_id=did, user_id=actor.user_id, via="registered", added_at=now_stamp()
                )
            )
            audit.record(conn, actor, "design.register", "design", str(did), None,
                         {"key": d.key, "name": d.name})  # fmt: skip
            saved.append({"id": did, "key": d.key, "name": d.name})
    problems = [p.to_dict() for p in result.problems]
    return {"designs": saved, "problems": problems}


def claim_design(
    store: Store, actor: Actor, ident: int | str, message: str | None = None
) -> dict[str, Any]:
    """Ask to maintain an imported design; a site admin approves or rejects."""
    from refaire.people import audit

    _check_member(actor, "claim a design")
    did, name = design_id(store, ident)
    if any(m["user_id"] == actor.user_id for m in maintainers_of(store, did)):
        raise ManageError([("", Said("manage.err.already_maintain", name=name))], status=409)
    with store.engine.begin() as conn:
        pending = conn.execute(
            select(design_claims.c.id).where(
                design_claims.c.design_id == did,
                design_claims.c.user_id == actor.user_id,
                design_claims.c.status == "pending",
            )
        ).scalar()
        if pending is not None:
            raise ManageError([("", Said("manage.err.pending_design_claim", name=name))], status=409)
        cid = conn.execute(
            insert(design_claims)
            .values(design_id=did, user_id=actor.user_id, status="pending",
                    message=free_text(message, 2000), created_at=now_stamp())
            .returning(design_claims.c.id)
        ).scalar_one()  # fmt: skip
        audit.record(conn, actor, "design.claim", "design_claim", str(cid), None, {"design": did})
    return get_design_claim(store, cid)


def get_design_claim(store: Store, cid: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(
            select(design_claims, designs.c.name)
            .join(designs, designs.c.id == design_claims.c.design_id)
            .where(design_claims.c.id == cid)
        ).first()
    if row is None:
        raise UnknownItem(Said("err.no_design_claim", id=cid))
    return dict(row._mapping)


def list_design_claims(
    store: Store, actor: Actor, *, status: str | None = "pending", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Design claims, newest first, for site admins."""
    require_member(actor, "see claims")
    if not acts_as_admin(actor):
        raise NotAllowed(Said("manage.err.admins_see_design_claims"))
    where = [design_claims.c.status == status] if status else []
    with store.engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(design_claims).where(*where)
        ).scalar_one()
        rows = conn.execute(
            select(design_claims, designs.c.name)
            .join(designs, designs.c.id == design_claims.c.design_id)
            .where(*where)
            .order_by(design_claims.c.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return {"total": total, "limit": limit, "offset": offset,
            "items": [dict(r._mapping) for r in rows]}  # fmt: skip


def decide_design_claim(store: Store, actor: Actor, cid: int, approve: bool) -> dict[str, Any]:
    """An admin approves (the claimant becomes a maintainer) or rejects a design claim."""
    from refaire.people import audit

    require_member(actor, "decide on claims")
    if not acts_as_admin(actor):
        raise NotAllowed(Said("manage.err.admins_decide_design_claims"))
    claim = get_design_claim(store, cid)
    if claim["status"] != "pending":
        raise ManageError([("", Said("manage.err.design_claim_decided", id=cid, status=claim["status"]))], status=409)
    status = "approved" if approve else "rejected"
    with store.engine.begin() as conn:
        conn.execute(
            update(design_claims)
            .where(design_claims.c.id == cid)
            .values(status=status, decided_at=now_stamp(), decided_by=actor.label)
        )
        if approve:
            conn.execute(
                insert(design_maintainers).values(
                    design_id=claim["design_id"], user_id=claim["user_id"], via="claim",
                    added_at=now_stamp(),
                )
            )  # fmt: skip
        audit.record(conn, actor, f"design.claim.{'approve' if approve else 'reject'}",
                     "design_claim", str(cid), {"status": "pending"}, {"status": status})  # fmt: skip
    return get_design_claim(store, cid)
