"""Value helpers shared by the OKH readers: placeholders, text, lists, sizes.

Everything here is pure (no vocabulary, no I/O) so the same rules apply to every
OKH dialect (v1 YAML, OKH-LOSH / 2.x TOML, JSON renderings).

Template placeholders (documented rule, derived from the templates in the corpus):
a value is a placeholder when it is

- a whole bracketed text such as ``[value]`` or ``[Project Title]`` (the OKH v1
  template; the v1 reader turns YAML's one-item flow list back into that text);
- or contains the marker ``FIXME`` (the German OKH 2.4 furniture template);
- or is ``xxx`` / ``xxx.<ext>``, ``TODO``, ``TBD`` (OKH-LOSH sample manifests, v1 stages);
- or carries the OKH-LOSH template's own examples: ``your-awesome-…``, ``/YOU/``,
  ``the-SPDX-ID``, ``get CPC-ID from here …``.

A placeholder is treated as absent and reported as a warning.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

_BRACKETED = re.compile(r"^\[[^\[\]]*\]$")
_FIXME = re.compile(r"\bFIXME\b", re.IGNORECASE)
_BARE = re.compile(r"^(x{3,}(\.\w+)?|todo|tbd|n/?a)$", re.IGNORECASE)
_TEMPLATE_MARKERS = ("your-awesome", "/you/", "the-spdx-id", "get cpc-id from here")


def is_placeholder(text: str) -> bool:
    """True when `text` is a template placeholder rather than a real value."""
    t = text.strip()
    if not t:
        return False
    low = t.lower()
    # Cheap tests guard the regexes: this runs on every text field of every manifest.
    if t[0] == "[" and _BRACKETED.match(t):
        return True
    if "fixme" in low and _FIXME.search(t):
        return True
    if low[0] in "xtn" and _BARE.match(t):
        return True
    return any(marker in low for marker in _TEMPLATE_MARKERS)


def scalar_text(value: Any) -> str | None:
    """A scalar as text (numbers and dates included); None for empty or structured values."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value)
    return text if text.strip() else None


# Keys under which list items that are tables carry their path or name, in order of
# preference: v1 `{path, title}`, 2.x images `{location}`, software `{release}`.
_ITEM_KEYS = ("path", "location", "url", "release", "web", "name", "title")


def text_items(value: Any) -> list[str]:
    """A value that may be one text, a list of texts, or tables with a path, as texts."""
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict):
            for k in _ITEM_KEYS:
                text = scalar_text(item.get(k))
                if text:
                    out.append(text)
                    break
        else:
            text = scalar_text(item)
            if text:
                out.append(text)
    return out


def dedupe(items: list[str]) -> list[str]:
    """Keep the first occurrence of each item, in order."""
    seen: set[str] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def number(value: Any) -> float | None:
    """A number from a TOML/YAML number or a numeric string ("250"); None otherwise."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            result = float(value)
        elif isinstance(value, str):
            result = float(value.strip().replace(",", "."))
        else:
            return None
    except (ValueError, OverflowError):  # not a number, or hundreds of digits
        return None
    # inf and nan are no size, weight or count
    return result if math.isfinite(result) else None


def fmt_number(x: float) -> str:
    """Shortest faithful text for a size: 560.0 -> "560", 22.5 -> "22.5"."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


# ---- sizes -------------------------------------------------------------------------

UNIT_MM = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": 25.4, "inch": 25.4, "inches": 25.4}

_NUM = r"(-?\d+(?:\.\d+)?)"
_CUBE = re.compile(
    r"cube\s*\(\s*(?:size\s*=\s*)?\[\s*" + _NUM + r"\s*,\s*" + _NUM + r"\s*,\s*" + _NUM + r"\s*\]",
    re.IGNORECASE,
)
_CUBE_SCALAR = re.compile(r"cube\s*\(\s*(?:size\s*=\s*)?" + _NUM, re.IGNORECASE)
_CYLINDER = re.compile(r"cylinder\s*\(([^)]*)\)?", re.IGNORECASE)
_ARG = re.compile(r"(\w+)\s*=\s*" + _NUM)


@dataclass(slots=True)
class ParsedSize:
    """Width, depth, height in the stated unit, and what had to be repaired to read them."""

    width: float
    depth: float
    height: float
    repaired: str | None = None


def parse_openscad(text: str) -> ParsedSize | None:
    """Outer size from an openSCAD primitive: ``cube(size = [w,d,h])``, ``cube(s)``, ``cylinder``.

    A cylinder's bounding box is 2r x 2r x h (r from ``r``, ``r1``/``r2`` or ``d``/2).
    A missing closing parenthesis (common in the OKH-LOSH samples) is tolerated and reported.
    """
    t = text.strip()
    m = _CUBE.search(t)
    if m:
        w, d, h = (float(g) for g in m.groups())
        rest = t[m.end() :]
        return ParsedSize(w, d, h, None if ")" in rest else "missing closing parenthesis")
    m = _CYLINDER.search(t)
    if m:
        args = {k.lower(): float(v) for k, v in _ARG.findall(m.group(1))}
        radius = max(
            [args[k] for k in ("r", "r1", "r2") if k in args]
            + [args[k] / 2 for k in ("d", "d1", "d2") if k in args],
            default=None,
        )
        if radius is None or "h" not in args:
            return None
        repaired = None if m.group(0).endswith(")") else "missing closing parenthesis"
        return ParsedSize(2 * radius, 2 * radius, args["h"], repaired)
    m = _CUBE_SCALAR.search(t)
    if m:
        s = float(m.group(1))
        return ParsedSize(s, s, s, None if ")" in t[m.end() :] else "missing closing parenthesis")
    return None


def openscad_cube(width: float, depth: float, height: float) -> str:
    """The openSCAD form written by the exporter (and read back by `parse_openscad`)."""
    return f"cube(size = [{fmt_number(width)},{fmt_number(depth)},{fmt_number(height)}])"
