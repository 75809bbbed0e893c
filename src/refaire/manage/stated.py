"""What a facility's manager states wins over the public sources, and survives re-imports.

A field the manager edits gets one `FieldSource(field, "manager:<who>@<when>", "manager")`
in the record's provenance, and `extra["manager"]` remembers it:

- `fields`: {field: {"by": actor label, "at": ISO time}} — what the manager owns;
- `imported`: {field: {"value": ..., "sources": [...]}} — what the public sources say of a
  field the manager owns, kept beside the manager's value as provenance;
- `removed`: [{"kind", "id"}] — capabilities the manager removed, which a re-import of the
  source must not bring back.

The store calls `keep_manager_fields` when a re-import meets a stored record, so the import
path (refaire.ingest.facility_merge) needs no rule of its own. This module reads and writes
records only: no store, no actor lookup.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from refaire.model import Facility, FieldSource

MANAGER_FORMAT = "manager"
SOURCE_PREFIX = "manager:"


def now_stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def get_field(f: Facility, name: str) -> Any:
    """A record field by name; `extra.<key>` reaches into `extra`."""
    if name.startswith("extra."):
        return f.extra.get(name[6:])
    return getattr(f, name)


def set_field(f: Facility, name: str, value: Any) -> None:
    if name.startswith("extra."):
        if value is None:
            f.extra.pop(name[6:], None)
        else:
            f.extra[name[6:]] = value
    else:
        setattr(f, name, value)


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a field value (equipment and capabilities are dataclasses)."""
    from refaire.model._plain import plain

    return plain(copy.deepcopy(value))


def state(f: Facility) -> dict[str, Any]:
    """The manager block of a record, created empty when absent."""
    block = f.extra.setdefault("manager", {})
    block.setdefault("fields", {})
    block.setdefault("imported", {})
    block.setdefault("removed", [])
    return block


def mark_stated(f: Facility, name: str, by: str, previous: Any, at: str | None = None) -> None:
    """Record that the manager `by` states field `name` (already set on `f`) as of `at`.

    On the manager's first edit of a field, `previous` (its value before) and the sources
    that gave it move to `imported`: the public value stays visible as provenance.
    """
    at = at or now_stamp()
    block = state(f)
    if name not in block["fields"]:
        old = [s for s in f.sources if s.field == name and s.format != MANAGER_FORMAT]
        if old and previous not in (None, "", [], {}):
            block["imported"][name] = {
                "value": _plain(previous),
                "sources": [{"source": s.source, "format": s.format} for s in old],
            }
    block["fields"][name] = {"by": by, "at": at}
    f.sources = [s for s in f.sources if s.field != name]
    f.sources.append(FieldSource(name, f"{SOURCE_PREFIX}{by}@{at}", MANAGER_FORMAT))


def without_removed(f: Facility) -> None:
    """Drop the capabilities the manager removed from the facility's own lists."""
    removed = {(r["kind"], r["id"]) for r in (f.extra.get("manager") or {}).get("removed", [])}
    if not removed:
        return
    f.processes = [c for c in f.processes if ("process", c.id) not in removed]
    f.materials = [c for c in f.materials if ("material", c.id) not in removed]


def keep_manager_fields(stored: Facility, incoming: Facility, merged: Facility) -> Facility:
    """`merged` (the re-imported record) with every field the manager owns put back.

    The incoming value of such a field is kept under `extra.manager.imported` with its
    sources, so the page can show "the public source says …" beside the manager's value.
    """
    block = (stored.extra.get("manager") or {}) if stored.extra else {}
    owned = block.get("fields") or {}
    if not owned and not block.get("removed"):
        return merged
    imported = copy.deepcopy(block.get("imported") or {})
    for name in owned:
        theirs = get_field(incoming, name)
        if theirs not in (None, "", [], {}):
            sources = [
                {"source": s.source, "format": s.format}
                for s in incoming.sources
                if s.field == name and s.format != MANAGER_FORMAT
            ] or [{"source": incoming.key, "format": incoming.key.split(":", 1)[0]}]
            imported[name] = {"value": _plain(theirs), "sources": sources}
        set_field(merged, name, copy.deepcopy(get_field(stored, name)))
    merged.sources = [s for s in merged.sources if s.field not in owned] + [
        copy.deepcopy(s) for s in stored.sources if s.format == MANAGER_FORMAT
    ]
    merged.extra["manager"] = {
        "fields": copy.deepcopy(owned),
        "imported": imported,
        "removed": copy.deepcopy(block.get("removed") or []),
    }
    if "latitude" in owned:
        # A location the manager stated stays confirmed: the source's pair, doubtful or a
        # town centre, does not take it back off "near me" answers.
        merged.location_status = stored.location_status
        merged.location_origin = "stated"
        merged.extra.pop("doubtful_location", None)
        merged.extra.pop("located_by_town", None)
    without_removed(merged)
    return merged
