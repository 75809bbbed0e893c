"""A small TOML writer: enough for OKH manifests, with correct string escaping.

Hand-rolled because ``tomli_w`` is not a dependency of Refaire. Supports strings,
booleans, integers, finite floats, lists of those, tables and arrays of tables.
Strings are always written as basic strings with escapes (never multi-line forms),
so any text, including control characters, round-trips through `tomllib`.
"""

from __future__ import annotations

import math
import re
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_ESCAPES = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else toml_string(key)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML cannot hold {value!r} here")
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _is_table(v: Any) -> bool:
    return isinstance(v, dict)


def _is_table_array(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)


def _emit(table: dict[str, Any], path: list[str], lines: list[str]) -> None:
    """Scalars first, then sub-tables, then arrays of tables (TOML's ordering rule)."""
    for key, value in table.items():
        if value is None or _is_table(value) or _is_table_array(value):
            continue
        lines.append(f"{toml_key(key)} = {toml_value(value)}")
    for key, value in table.items():
        if _is_table(value):
            sub = [*path, toml_key(key)]
            lines.append("")
            lines.append(f"[{'.'.join(sub)}]")
            _emit(value, sub, lines)
    for key, value in table.items():
        if _is_table_array(value):
            sub = [*path, toml_key(key)]
            for item in value:
                lines.append("")
                lines.append(f"[[{'.'.join(sub)}]]")
                _emit(item, sub, lines)


def dumps(document: dict[str, Any]) -> str:
    """A TOML document for `document`; keys whose value is None are left out."""
    lines: list[str] = []
    _emit(document, [], lines)
    return "\n".join(lines).strip("\n") + "\n"
