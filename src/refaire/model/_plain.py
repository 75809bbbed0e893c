"""Dataclasses to plain JSON-ready values, several times faster than `dataclasses.asdict`.

`asdict` deep-copies every leaf and looks fields up on every call; the import path
converts thousands of designs per second, so field names are cached per class.
Tuples become lists, as they would in JSON anyway.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from typing import Any

_FIELDS: dict[type, tuple[str, ...]] = {}
_NOT_DATACLASS: set[type] = set()
_SCALARS = (str, int, float, bool, type(None))
# Exact types tested inline: most leaves are scalars, and a call per leaf is most of the cost.
_LEAF = frozenset(_SCALARS)


def plain(value: Any) -> Any:
    kind = type(value)
    if kind in _LEAF or isinstance(value, _SCALARS):
        return value
    names = _FIELDS.get(kind)
    if names is None and kind not in _NOT_DATACLASS:
        if is_dataclass(value):
            names = _FIELDS[kind] = tuple(f.name for f in fields(value))
        else:
            _NOT_DATACLASS.add(kind)  # lists and dicts: asked once, not at every value
    if names is not None:
        out = {}
        for n in names:
            v = getattr(value, n)
            out[n] = v if type(v) in _LEAF else plain(v)
        return out
    if kind is list or isinstance(value, list | tuple):
        return [v if type(v) in _LEAF else plain(v) for v in value]
    if isinstance(value, dict):
        return {k: v if type(v) in _LEAF else plain(v) for k, v in value.items()}
    return value
