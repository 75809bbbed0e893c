"""The watch of weak signals: articles, events and project news, tagged for the observatory.

A signal has a title, a URL (http or https), a publication date (YYYY-MM-DD), an optional
summary and tags of three kinds: sectors (observatory sector ids, `refaire vocab`'s CPC
sections and classes), practices (`PRACTICES`) and actors (free text: organisations,
people, projects). Input is checked before anything is stored; every mistake is reported
at once as (field, message) pairs, which the API returns as a 422 and the CLI and the
web form show next to the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, insert, select

from refaire.observatory.dedupe import normalise_title
from refaire.observatory.practices import PRACTICES
from refaire.people.actor import Actor
from refaire.said import Said
from refaire.store.db import Store
from refaire.store.tables import signal_tags, signals

MAX_LIMIT = 500


class SignalError(ValueError):
    """Bad signal input: `errors` lists (field, message) for every mistake found, in
    English; `texts(lang)` words them in a page's language."""

    def __init__(self, errors: list[tuple[str, str | Said]]) -> None:
        self.said = errors
        self.errors = [(f, str(m)) for f, m in errors]
        super().__init__("; ".join(f"{f}: {m}" for f, m in self.errors))

    def texts(self, lang: str) -> list[tuple[str, str]]:
        return [(f, m.text(lang) if isinstance(m, Said) else m) for f, m in self.said]

    def to_list(self) -> list[dict[str, str]]:
        return [{"field": f, "message": m} for f, m in self.errors]


def _items(value: Iterable[str] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return list(dict.fromkeys(v.strip() for v in value if v and v.strip()))


def check_sector(sector: str) -> str:
    """The canonical sector id, or SignalError naming the known ones."""
    from refaire.vocab.sectors import known_sectors

    value = sector.strip().upper()
    if value not in known_sectors():
        raise SignalError(
            [
                (
                    "sectors",
                    Said(
                        "signal.error.sector",
                        {"given": repr(sector), "known": ", ".join(known_sectors())},
                    ),
                )
            ]
        )
    return value


def validate(
    title: str | None,
    url: str | None,
    published: str | None,
    summary: str | None = None,
    sectors: Iterable[str] | str | None = None,
    practices: Iterable[str] | str | None = None,
    actors: Iterable[str] | str | None = None,
) -> dict[str, Any]:
    """A clean signal, or SignalError with every (field, message) found wrong."""
    errors: list[tuple[str, str | Said]] = []
    title = (title or "").strip()
    if not title:
        errors.append(("title", Said("signal.error.title_required")))
    elif len(title) > 500:
        errors.append(("title", Said("signal.error.too_long", {"most": 500, "n": len(title)})))
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        errors.append(("url", Said("signal.error.url", {"given": repr(url)})))
    elif len(url) > 2000:
        errors.append(("url", Said("signal.error.too_long", {"most": 2000, "n": len(url)})))
    text = (published or "").strip()
    try:
        day = dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        errors.append(("published", Said("signal.error.date", {"given": repr(text)})))
    summary = (summary or "").strip() or None
    if summary and len(summary) > 5000:
        errors.append(("summary", Said("signal.error.too_long", {"most": 5000, "n": len(summary)})))
    clean_sectors = []
    for s in _items(sectors):
        try:
            clean_sectors.append(check_sector(s))
        except SignalError as exc:
            errors.extend(exc.said)
    clean_practices = []
    for p in _items(practices):
        if p.lower() not in PRACTICES:
            known = ", ".join(PRACTICES)
            errors.append(
                ("practices", Said("signal.error.practice", {"given": repr(p), "known": known}))
            )
        else:
            clean_practices.append(p.lower())
    clean_actors = [a[:300] for a in _items(actors)]
    if errors:
        raise SignalError(errors)
    return {
        "title": title,
        "url": url,
        "published": day.isoformat() if day else "",
        "summary": summary,
        "sectors": list(dict.fromkeys(clean_sectors)),
        "practices": list(dict.fromkeys(clean_practices)),
        "actors": clean_actors,
    }


def add_signal(store: Store, *, actor: Actor | None = None, **fields: Any) -> dict[str, Any]:
    """Validate and store a signal; returns it with its id (SignalError on bad input).
    With `actor`, the audit trail records who added it, in the same transaction."""
    clean = validate(**fields)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with store.engine.begin() as conn:
        sid = conn.execute(
            insert(signals).returning(signals.c.id),
            {
                "title": clean["title"],
                "url": clean["url"],
                "published": clean["published"],
                "summary": clean["summary"],
                "created_at": now,
                "norm_title": normalise_title(clean["title"])[:500],
            },
        ).scalar_one()
        tags = [
            {"signal_id": sid, "kind": kind, "value": v}
            for kind, key in (("sector", "sectors"), ("practice", "practices"), ("actor", "actors"))
            for v in clean[key]
        ]
        if tags:
            conn.execute(insert(signal_tags), tags)
        if actor is not None:
            from refaire.people import audit

            audit.record(conn, actor, "signal.add", "signal", str(sid), None, clean)
    return {"id": sid, **clean, "created_at": now}


def list_signals(
    store: Store,
    sector: str | None = None,
    tag: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    """Signals newest first, filtered by sector id and/or any tag (practice, actor, sector)."""
    query = select(signals)
    if sector:
        sid = check_sector(sector)
        query = query.where(
            signals.c.id.in_(
                select(signal_tags.c.signal_id).where(
                    signal_tags.c.kind == "sector", signal_tags.c.value == sid
                )
            )
        )
    if tag and tag.strip():
        query = query.where(
            signals.c.id.in_(
                select(signal_tags.c.signal_id).where(
                    func.lower(signal_tags.c.value) == tag.strip().lower()
                )
            )
        )
    limit = max(1, min(limit, MAX_LIMIT))
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        rows = (
            conn.execute(
                query.order_by(signals.c.published.desc(), signals.c.id.desc())
                .limit(limit)
                .offset(offset)
            )
            .mappings()
            .all()
        )
        ids = [r["id"] for r in rows]
        tags = _tags_of(conn, ids)
    items = [{**_public(r), **tags[r["id"]]} for r in rows]
    return {"total": total, "limit": limit, "offset": offset, "items": items}


ORIGINS = ("confirmed", "stated", "inferred")  # strongest first


def _public(row: Any) -> dict[str, Any]:
    out = dict(row)
    out.pop("norm_title", None)
    return out


def _tags_of(conn: Any, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per signal: sectors/practices/actors (values) and `tags` with origin and confidence,
    confirmed first, then stated, then inferred by confidence (the weaker never first)."""
    out: dict[int, dict[str, Any]] = {
        i: {"sectors": [], "practices": [], "actors": [], "tags": []} for i in ids
    }
    if not ids:
        return out
    rows = conn.execute(
        select(
            signal_tags.c.signal_id, signal_tags.c.kind, signal_tags.c.value,
            signal_tags.c.origin, signal_tags.c.confidence,
        ).where(signal_tags.c.signal_id.in_(ids))
    ).all()  # fmt: skip
    rows.sort(
        key=lambda r: (ORIGINS.index(r.origin) if r.origin in ORIGINS else 9, -(r.confidence or 1))
    )
    for r in rows:
        out[r.signal_id][r.kind + "s"].append(r.value)
        out[r.signal_id]["tags"].append(
            {"kind": r.kind, "value": r.value, "origin": r.origin, "confidence": r.confidence}
        )
    return out


class UnknownSignal(LookupError):
    pass


def get_signal(store: Store, signal_id: int) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(select(signals).where(signals.c.id == signal_id)).mappings().first()
        if row is None:
            raise UnknownSignal(signal_id)
        return {**_public(row), **_tags_of(conn, [signal_id])[signal_id]}


def tag_signal(
    store: Store,
    signal_id: int,
    actor: Actor,
    sectors: Iterable[str] | str | None = None,
    practices: Iterable[str] | str | None = None,
    actors: Iterable[str] | str | None = None,
    confirm: bool = False,
) -> dict[str, Any]:
    """An analyst's word on a signal's tags: for each kind given, its tags become exactly
    those values, confirmed (the inferred ones not listed are dropped: a correction);
    `confirm` marks every remaining inferred or stated tag confirmed. Audited."""
    given: dict[str, list[str]] = {}
    errors: list[tuple[str, str]] = []
    if sectors is not None and _items(sectors):
        vals = []
        for s in _items(sectors):
            try:
                vals.append(check_sector(s))
            except SignalError as exc:
                errors.extend(exc.errors)
        given["sector"] = list(dict.fromkeys(vals))
    if practices is not None and _items(practices):
        vals = []
        for p in _items(practices):
            if p.lower() not in PRACTICES:
                errors.append(
                    ("practices", f"unknown practice {p!r}; known: {', '.join(PRACTICES)}")
                )
            else:
                vals.append(p.lower())
        given["practice"] = list(dict.fromkeys(vals))
    if actors is not None and _items(actors):
        given["actor"] = [a[:300] for a in _items(actors)]
    if errors:
        raise SignalError(errors)
    if not given and not confirm:
        raise SignalError([("tags", "give sectors, practices or actors, or confirm the tags")])
    before = get_signal(store, signal_id)["tags"]
    with store.engine.begin() as conn:
        for kind, values in given.items():
            conn.execute(
                signal_tags.delete().where(
                    signal_tags.c.signal_id == signal_id, signal_tags.c.kind == kind
                )
            )
            if values:
                conn.execute(
                    insert(signal_tags),
                    [
                        {"signal_id": signal_id, "kind": kind, "value": v,
                         "origin": "confirmed", "confidence": None}
                        for v in values
                    ],
                )  # fmt: skip
        if confirm:
            conn.execute(
                signal_tags.update()
                .where(signal_tags.c.signal_id == signal_id)
                .values(origin="confirmed", confidence=None)
            )
        after = _tags_of(conn, [signal_id])[signal_id]["tags"]
        from refaire.people import audit

        audit.record(
            conn, actor, "signal.tag", "signal", str(signal_id), {"tags": before}, {"tags": after}
        )
    return get_signal(store, signal_id)
