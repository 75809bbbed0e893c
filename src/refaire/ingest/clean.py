"""Text a database can store: NUL characters removed, names bounded, each change reported.

PostgreSQL refuses a NUL character in text, and a column refuses a value longer
than it was declared; either used to fail the whole batch the record was in. Every
reader's result passes through `clean_result`, so a record is stored without the
NULs (escaped as ``\\u0000`` in JSON or TOML, or raw in a CSV) and with its name cut
to what the store keeps, and the import summary says which field of which record
was changed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from refaire.ingest.base import ReadResult
from refaire.model import Problem

NAME_MAX = 500
# What a NUL looks like in the bytes of the formats read: raw, or escaped in YAML,
# JSON, TOML. Sources without any of these (nearly all) skip the walk.
_NUL_MARKS = (b"\x00", b"\\0", b"\\u0000", b"\\x00", b"\\U00000000")


def might_hold_nul(data: bytes) -> bool:
    return any(mark in data for mark in _NUL_MARKS)


def clean_result(source: str, data: bytes, result: ReadResult) -> None:
    """Remove NULs from every record of `result` and bound names, adding warnings."""
    nul = might_hold_nul(data)
    for kind, records in (("design", result.designs), ("facility", result.facilities)):
        for record in records:
            if nul:
                for path in strip_nul(record):
                    record.problems.append(
                        Problem(source, "warning", path, "NUL characters removed")
                    )
            name = getattr(record, "name", None)
            if isinstance(name, str) and len(name) > NAME_MAX:
                record.name = name[:NAME_MAX]
                record.problems.append(
                    Problem(
                        source,
                        "warning",
                        "name",
                        f"{kind} name of {len(name):,} characters cut to {NAME_MAX}",
                    )
                )
    if nul:
        for part in result.parts:
            for path in strip_nul(part):
                result.problems.append(Problem(source, "warning", path, "NUL characters removed"))
        for p in result.problems:
            p.message = p.message.replace("\x00", "\\0")
            p.field = p.field and p.field.replace("\x00", "")


def strip_nul(obj: Any, path: str = "") -> list[str]:
    """Remove NULs from the strings of a record in place; the field paths changed."""
    changed: list[str] = []
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            if f.name == "problems":
                continue
            here = f"{path}.{f.name}" if path else f.name
            value = getattr(obj, f.name)
            if isinstance(value, str):
                if "\x00" in value:
                    setattr(obj, f.name, value.replace("\x00", ""))
                    changed.append(here)
            else:
                changed += strip_nul(value, here)
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            if isinstance(value, str):
                if "\x00" in value:
                    obj[i] = value.replace("\x00", "")
                    changed.append(f"{path}[{i}]")
            else:
                changed += strip_nul(value, f"{path}[{i}]")
    elif isinstance(obj, dict):
        for key in list(obj):
            value = obj[key]
            new_key = key.replace("\x00", "") if isinstance(key, str) else key
            if isinstance(value, str) and "\x00" in value:
                value = value.replace("\x00", "")
                changed.append(f"{path}.{new_key}")
            elif not isinstance(value, str):
                changed += strip_nul(value, f"{path}.{new_key}")
            if new_key != key:
                del obj[key]
                changed.append(f"{path}.{new_key}")
            obj[new_key] = value
    return changed
