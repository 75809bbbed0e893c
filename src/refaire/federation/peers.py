"""The instances this one follows. `add_peer` reads the peer's actor document and pins its
public key there and then: trust on first use. A later change of key is not followed (pulls
signed with another key are refused); an admin removes and adds the peer again."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import delete, func, insert, select

from refaire.crawl.fetch import USER_AGENT
from refaire.crawl.guard import Refused, check_url
from refaire.crawl.tls import tls_context
from refaire.federation.keys import load_public
from refaire.people.actor import Actor
from refaire.people.audit import record
from refaire.said import Said
from refaire.store import Store
from refaire.store.tables import federation_origins, peer_history, peers

MAX_BYTES = 20_000_000  # one outbox page of 1000 records fits well under this
# the read timeout leaves room for a peer's first outbox page, which publishes its whole
# registry first (a few seconds for 100,000 records)
TIMEOUT = httpx.Timeout(60.0, connect=5.0)


class PeerError(ValueError):
    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {m}" for f, m in errors))
        self.errors = list(errors)  # (field, message), as `contract.errors.problem` takes them


class UnknownPeer(LookupError):
    def __init__(self, ident: int | str) -> None:
        super().__init__(f"no peer {ident!r}; `refaire peers list` shows them")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def client() -> httpx.Client:
    """A client for one peer's requests: a pull reuses it (one keep-alive connection, one
    TLS context, instead of a new client per page)."""
    headers = {"User-Agent": USER_AGENT}
    return httpx.Client(
        timeout=TIMEOUT, follow_redirects=False, headers=headers, verify=tls_context()
    )


def fetch(url: str, accept: str = "application/activity+json",
          using: httpx.Client | None = None) -> httpx.Response:  # fmt: skip
    """GET `url` through the crawler's SSRF guard, no redirects, body size capped while
    reading (a gigabyte answer stops at the cap). Raises Refused or httpx errors."""
    check_url(url)
    if using is None:
        with client() as own:
            return fetch(url, accept, own)
    with using.stream("GET", url, headers={"Accept": accept}) as answer:
        chunks, size = [], 0
        for chunk in answer.iter_bytes():
            size += len(chunk)
            if size > MAX_BYTES:
                raise Refused(f"the answer is larger than {MAX_BYTES} bytes")
            chunks.append(chunk)
        answer._content = b"".join(chunks)  # noqa: SLF001 (body read under our cap)
        return answer


def _base(url: str) -> str:
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PeerError([("url", Said("peers.err.url"))])
    return url


def add_peer(store: Store, url: str, name: str | None, by: Actor) -> dict[str, Any]:
    """Follow the instance at `url`: read its actor, pin its public key, store it."""
    base = _base(url)
    try:
        answer = fetch(f"{base}/federation/actor")
    except (Refused, httpx.HTTPError) as exc:
        raise PeerError([("url", Said("peers.err.unreadable", url=f"{base}/federation/actor", problem=str(exc)))]) from None
    if answer.status_code != 200:
        raise PeerError([("url", Said("peers.err.http", url=f"{base}/federation/actor", status=answer.status_code))])
    try:
        doc = answer.json()
        actor_id = str(doc["id"])
        pem = str(doc["publicKey"]["publicKeyPem"])
        load_public(pem)
    except (ValueError, KeyError, TypeError) as exc:
        raise PeerError([("url", Said("peers.err.not_actor", problem=str(exc)))]) from None
    if actor_id != f"{base}/federation/actor":
        raise PeerError([("url", Said("peers.err.actor_id", actor=actor_id))])
    name = (name or str(doc.get("name") or urlsplit(base).netloc)).strip()[:100]
    if not re.fullmatch(r"[\w.:@-]{1,100}", name):
        raise PeerError([("name", Said("peers.err.name"))])
    with store.engine.begin() as conn:
        taken = conn.execute(
            select(peers.c.id).where((peers.c.name == name) | (peers.c.url == base))
        ).first()
        if taken:
            raise PeerError([("url", Said("peers.err.followed"))])
        values = {"name": name, "url": base, "actor_id": actor_id, "public_pem": pem,
                  "added_by": by.label, "added_at": now_iso()}  # fmt: skip
        pid = conn.execute(insert(peers).values(**values)).inserted_primary_key[0]
        record(conn, by, "peer.add", "peer", str(pid), None, {"url": base, "name": name})
    return peer_detail(store, pid)


def peer_row(conn: Any, ident: int | str) -> Any:
    col = peers.c.id if isinstance(ident, int) or str(ident).isdigit() else peers.c.name
    value = int(ident) if col is peers.c.id else ident
    row = conn.execute(select(peers).where(col == value)).first()
    if row is None:
        raise UnknownPeer(ident)
    return row


def _peer_dict(row: Any, records: int, tombstones: int) -> dict[str, Any]:
    return {
        "id": row.id, "name": row.name, "url": row.url, "actor_id": row.actor_id,
        "public_key_pem": row.public_pem, "key_pinned": "trust on first use, at " + row.added_at,
        "cursor": row.cursor, "added_by": row.added_by, "added_at": row.added_at,
        "last_pulled_at": row.last_pulled_at, "records": records, "tombstones": tombstones,
    }  # fmt: skip


def _counts(conn: Any, pid: int) -> tuple[int, int]:
    got = conn.execute(
        select(func.count(), func.count(federation_origins.c.deleted_at)).where(
            federation_origins.c.peer_id == pid
        )
    ).one()
    return got[0] - got[1], got[1]


def history_dict(row: Any) -> dict[str, Any]:
    keys = ("started_at", "finished_at", "ok", "pages", "created", "updated", "deleted",
            "cursor_from", "cursor_to", "errors")  # fmt: skip
    return {k: getattr(row, k) for k in keys}


def peer_detail(store: Store, ident: int | str, history: int = 20) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = peer_row(conn, ident)
        out = _peer_dict(row, *_counts(conn, row.id))
        out["history"] = [
            history_dict(h)
            for h in conn.execute(
                select(peer_history).where(peer_history.c.peer_id == row.id)
                .order_by(peer_history.c.id.desc()).limit(history)
            )
        ]  # fmt: skip
    return out


def list_peers(store: Store) -> dict[str, Any]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(peers).order_by(peers.c.id)).all()
        items = [_peer_dict(r, *_counts(conn, r.id)) for r in rows]
    return {"total": len(items), "items": items}


def remove_peer(store: Store, ident: int | str, by: Actor) -> None:
    """Stop following. The records it brought stay (their key still names the peer); its
    origin map, tombstones and history go."""
    with store.engine.begin() as conn:
        row = peer_row(conn, ident)
        conn.execute(delete(peer_history).where(peer_history.c.peer_id == row.id))
        conn.execute(delete(federation_origins).where(federation_origins.c.peer_id == row.id))
        conn.execute(delete(peers).where(peers.c.id == row.id))
        record(conn, by, "peer.remove", "peer", str(row.id), {"url": row.url}, None)
