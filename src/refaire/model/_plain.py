"""Dataclasses to plain JSON-ready values, several times faster than `dataclasses.asdict`.

`asdict` deep-copies every leaf and looks fields up on every call; the import path
converts thousands of designs per second, so field names are cached per class.
Tuples become lists, as they would in JSON anyway.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

_FIELDS: dict[type, tuple[str, ...]] = {}
_SCALARS = (str, int, float, bool, type(None))


def plain(value: Any) -> Any:
    if isinstance(value, _SCALARS):
        return value
    kind = type(value)
    names = _FIELDS.get(kind)
    if names is None and is_dataclass(value):
        names = _FIELDS[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        return {n: plain(getattr(value, n)) for n in names}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
