"""Pull a peer's outbox from its cursor and store what it says, safely.

Each page: fetched through the SSRF guard with a size cap, its RFC 9421 signature checked
against the key pinned at `peers add`, its cursors checked to go strictly forward. A page
that fails any check stops the pull, is logged in the peer's history, and nothing of it is
stored. Each activity of a good page is applied in its own savepoint (one refused record
never loses the rest) and only ever touches records whose origin is this peer: their local
keys are `fed:<peer id>:<origin id>`, a namespace no import or local edit writes. A
manager's stated facility fields survive an Update (`keep_manager_fields`). A Delete is a
tombstone: a design is kept and marked withdrawn with the date; a facility leaves the
registry, its last record kept in `federation_origins` with the date.
"""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Connection, bindparam, delete, insert, select, update
from sqlalchemy.exc import DBAPIError

from refaire.crawl.guard import Refused
from refaire.federation.keys import load_public
from refaire.federation.peers import client as peer_client
from refaire.federation.peers import fetch, now_iso, peer_row
from refaire.federation.signing import BadSignature, verify
from refaire.manage.stated import MANAGER_FORMAT, keep_manager_fields
from refaire.model.design import Design
from refaire.model.facility import Facility
from refaire.store import Store
from refaire.store.designs import save_designs
from refaire.store.facilities import _row, _write_children, replace_facility
from refaire.store.generations import bump
from refaire.store.locking import writing
from refaire.store.tables import (
    designs,
    facilities,
    federation_origins,
    peer_history,
    peers,
)

ACTIONS = {"Create", "Update", "Delete"}
KIND_OF = {"Design": "design", "Facility": "facility"}


class Refusal(ValueError):
    """One activity not applied; the message says why, for the peer's history."""


def local_key(peer_id: int, origin_id: str) -> str:
    return f"fed:{peer_id}:{origin_id}"[:1000]


def _check(peer: Any, item: Any) -> tuple[str, str, str, dict[str, Any] | None]:
    """(action, kind, origin id, record or None) of a well-formed activity of this peer."""
    if not isinstance(item, dict) or item.get("type") not in ACTIONS:
        raise Refusal("not a Create, Update or Delete activity")
    if item.get("actor") != peer.actor_id:
        raise Refusal(f"activity by {item.get('actor')!r}, not by this peer")
    obj = item.get("object")
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        raise Refusal("the activity has no object id")
    oid = obj["id"]
    if not oid.startswith(peer.url + "/"):
        raise Refusal(f"the peer claims a record of another instance: {oid}")
    kind = KIND_OF.get(obj.get("formerType") if obj.get("type") == "Tombstone" else obj.get("type"))
    if kind is None:
        raise Refusal(f"unknown object type {obj.get('type')!r}")
    if item["type"] == "Delete":
        return "Delete", kind, oid, None
    if obj.get("type") == "Tombstone":
        return "Skip", kind, oid, None  # gone at the peer since; its Delete follows
    if obj.get("attributedTo") not in (None, peer.actor_id):
        raise Refusal(f"the record is attributed to {obj.get('attributedTo')!r}")
    if not isinstance(obj.get("record"), dict):
        raise Refusal("the object carries no record")
    return item["type"], kind, oid, obj["record"]


def _origin(conn: Connection, peer_id: int, kind: str, oid: str) -> Any:
    return conn.execute(
        select(federation_origins)
        .where(federation_origins.c.peer_id == peer_id)
        .where(federation_origins.c.kind == kind)
        .where(federation_origins.c.origin_id == oid)
    ).first()


def _set_origin(conn: Connection, peer_id: int, kind: str, oid: str, record_id: int | None,
                record: dict[str, Any] | None, deleted_at: str | None) -> None:  # fmt: skip
    values = {"record_id": record_id, "updated_at": now_iso(), "deleted_at": deleted_at,
              "record": record, "local_key": local_key(peer_id, oid)}  # fmt: skip
    found = _origin(conn, peer_id, kind, oid)
    if found is None:
        conn.execute(insert(federation_origins).values(
            peer_id=peer_id, kind=kind, origin_id=oid, **values))  # fmt: skip
    else:
        conn.execute(update(federation_origins).where(federation_origins.c.id == found.id)
                     .values(**values))  # fmt: skip


def _facility(conn: Connection, peer: Any, oid: str, record: dict[str, Any]) -> str:
    incoming = Facility.from_dict(record)
    incoming.key = local_key(peer.id, oid)
    # What the peer's own managers stated is the peer's statement, not a manager's here:
    # renamed, so `keep_manager_fields` protects only what a manager here stated.
    extra = dict(incoming.extra)
    if "manager" in extra:
        extra["peer_manager"] = extra.pop("manager")
    incoming.extra = {**extra, "origin": {"instance": peer.name, "id": oid}}
    for s in incoming.sources:
        if s.format == MANAGER_FORMAT:
            s.format = "peer-manager"
    row = conn.execute(
        select(facilities.c.id, facilities.c.record).where(facilities.c.key == incoming.key)
    ).first()
    if row is None:
        fid = conn.execute(
            insert(facilities).returning(facilities.c.id), [_row(incoming, now_iso())]
        ).scalar_one()
        _write_children(conn, fid, incoming, incoming.key)
        bump(conn, "facilities")
        action = "created"
    else:
        fid = row.id
        stored = Facility.from_dict(row.record)
        replace_facility(conn, fid, keep_manager_fields(stored, incoming, incoming))
        action = "updated"
    _set_origin(conn, peer.id, "facility", oid, fid, None, None)
    return action


def _delete(conn: Connection, peer: Any, kind: str, oid: str, when: str) -> bool:
    key = local_key(peer.id, oid)
    table = designs if kind == "design" else facilities
    row = conn.execute(select(table.c.id, table.c.record).where(table.c.key == key)).first()
    if row is None:
        return False
    if kind == "design":
        conn.execute(update(designs).where(designs.c.id == row.id).values(withdrawn_at=when))
    else:
        conn.execute(delete(facilities).where(facilities.c.id == row.id))  # children cascade
        bump(conn, "facilities")
    _set_origin(conn, peer.id, kind, oid, row.id, row.record, when)
    return True


def _design(peer: Any, oid: str, record: dict[str, Any]) -> Design:
    d = Design.from_dict(record)
    d.key = local_key(peer.id, oid)
    if d.provenance is not None:
        d.provenance.source = oid
    return d


def _apply_page(store: Store, peer: Any, items: list[Any], counts: dict[str, int],
                errors: list[dict[str, str]]) -> None:  # fmt: skip
    checked: list[tuple[str, str, str, dict[str, Any] | None]] = []
    for item in items:
        try:
            checked.append(_check(peer, item))
        except Refusal as exc:
            oid = item.get("object", {}).get("id") if isinstance(item, dict) else None
            errors.append({"item": str(oid or "?")[:300], "message": str(exc)})
    # designs through the registry's own writer (per-record savepoints, index queue)
    wanted = [(oid, rec) for act, kind, oid, rec in checked
              if kind == "design" and rec is not None and act in ("Create", "Update")]  # fmt: skip
    if wanted:
        _designs(store, peer, wanted, counts, errors)
    when = now_iso()
    with writing(store.engine) as conn:
        for act, kind, oid, rec in checked:
            if act == "Skip" or (kind == "design" and act != "Delete"):
                continue
            try:
                with conn.begin_nested():
                    if act == "Delete":
                        counts["deleted"] += _delete(conn, peer, kind, oid, when)
                    elif rec is not None:
                        counts[_facility(conn, peer, oid, rec)] += 1
            except (DBAPIError, ValueError, TypeError, KeyError) as exc:
                errors.append({"item": oid[:300], "message": f"not stored: {exc}"[:500]})


def _designs(store: Store, peer: Any, wanted: list[tuple[str, dict[str, Any]]],
             counts: dict[str, int], errors: list[dict[str, str]]) -> None:  # fmt: skip
    """A page's designs saved in one batch, then their origins written in bulk."""
    keys = {local_key(peer.id, oid): oid for oid, _ in wanted}
    with store.engine.connect() as conn:
        known = set(conn.execute(select(designs.c.key).where(designs.c.key.in_(keys))).scalars())
    try:
        saved = save_designs(store, [_design(peer, oid, rec) for oid, rec in wanted])
    except (ValueError, TypeError, KeyError) as exc:  # a record the model cannot take
        errors.append({"item": wanted[0][0][:300], "message": f"page of designs not stored: {exc}"})
        return
    for source, message in saved.failed:
        errors.append({"item": source[:300], "message": message})
    stored = set(saved.keys)
    now = now_iso()
    with writing(store.engine) as conn:
        ids = dict(conn.execute(
            select(designs.c.key, designs.c.id).where(designs.c.key.in_(stored & set(keys)))
        ).all())  # fmt: skip
        existing = dict(conn.execute(
            select(federation_origins.c.origin_id, federation_origins.c.id)
            .where(federation_origins.c.peer_id == peer.id)
            .where(federation_origins.c.kind == "design")
            .where(federation_origins.c.origin_id.in_([keys[k] for k in ids]))
        ).all())  # fmt: skip
        fresh, moved = [], []
        for key, rid in ids.items():
            oid = keys[key]
            counts["updated" if key in known else "created"] += 1
            values = {"record_id": rid, "updated_at": now, "deleted_at": None, "record": None,
                      "local_key": key}  # fmt: skip
            if oid in existing:
                moved.append({"row": existing[oid], **values})
            else:
                fresh.append({"peer_id": peer.id, "kind": "design", "origin_id": oid, **values})
        if ids:  # a design the peer withdrew and published again is back
            conn.execute(
                update(designs)
                .where(designs.c.id.in_(list(ids.values())))
                .where(designs.c.withdrawn_at.is_not(None))
                .values(withdrawn_at=None)
            )
        if fresh:
            conn.execute(insert(federation_origins), fresh)
        if moved:
            conn.execute(
                update(federation_origins)
                .where(federation_origins.c.id == bindparam("row"))
                .values({c: bindparam(c) for c in ("record_id", "updated_at", "deleted_at",
                                                   "record", "local_key")}),
                moved,
            )  # fmt: skip


def _url(peer: Any, cursor: int) -> str:
    # the page size is the outbox's default (its largest): the URL a page is signed for
    # stays the plain cursor one
    return f"{peer.url}/federation/outbox?after={cursor}"


def _page(peer: Any, cursor: int, http: httpx.Client) -> tuple[list[Any], int, bool]:
    """The items of one verified page after `cursor`, its last cursor, and whether more
    follow."""
    url = _url(peer, cursor)
    try:
        answer = fetch(url, using=http)
    except (Refused, httpx.HTTPError) as exc:
        raise Refusal(f"cannot fetch {url}: {exc}") from None
    if answer.status_code != 200:
        raise Refusal(f"{url} answered HTTP {answer.status_code}")
    try:
        verify("GET", url, dict(answer.headers), answer.content, load_public(peer.public_pem),
               f"{peer.actor_id}#main-key")  # fmt: skip
    except BadSignature as exc:
        raise Refusal(f"{url}: {exc}; nothing of this page stored") from None
    try:
        doc = json.loads(answer.content)
        items = doc["orderedItems"]
        assert isinstance(items, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        raise Refusal(f"{url}: not an OrderedCollectionPage") from None
    last = cursor
    for item in items:
        seq = item.get("cursor") if isinstance(item, dict) else None
        if not isinstance(seq, int) or seq <= last:
            raise Refusal(f"{url}: cursor {seq!r} after {last} goes backwards; page refused")
        last = seq
    return items, last, bool(doc.get("next")) and last > cursor


def pull_peer(store: Store, ident: int | str, max_pages: int | None = None) -> dict[str, Any]:
    """Pull everything new from a peer; its history entry (also stored)."""
    with store.engine.connect() as conn:
        peer = peer_row(conn, ident)
    started = now_iso()
    counts = {"created": 0, "updated": 0, "deleted": 0}
    errors: list[dict[str, str]] = []
    cursor, pages, ok = peer.cursor, 0, True
    # The next page is fetched and verified while this one is stored: the peer's work
    # (reading, signing) and the network overlap ours. Nothing of a page is stored before
    # its own signature and cursors are checked, and pages are stored in order.
    with peer_client() as http, ThreadPoolExecutor(1, "refaire-pull") as ahead:
        pending: Future[tuple[list[Any], int, bool]] | None = ahead.submit(
            _page, peer, cursor, http
        )
        while pending is not None:
            try:
                items, last, more = pending.result()
            except Refusal as exc:
                errors.append({"item": _url(peer, cursor), "message": str(exc)})
                ok = False
                break
            go_on = more and (max_pages is None or pages + 1 < max_pages)
            pending = ahead.submit(_page, peer, last, http) if go_on else None
            _apply_page(store, peer, items, counts, errors)
            with writing(store.engine) as conn:
                conn.execute(update(peers).where(peers.c.id == peer.id).values(cursor=last))
            cursor, pages = last, pages + 1
    entry = {
        "started_at": started, "finished_at": now_iso(), "ok": ok, "pages": pages, **counts,
        "cursor_from": peer.cursor, "cursor_to": cursor, "errors": errors[:200],
    }  # fmt: skip
    with writing(store.engine) as conn:
        conn.execute(insert(peer_history).values(peer_id=peer.id, **entry))
        conn.execute(update(peers).where(peers.c.id == peer.id).values(
            last_pulled_at=datetime.now(UTC).isoformat(timespec="seconds")))  # fmt: skip
    return {"peer": peer.name, **entry}
