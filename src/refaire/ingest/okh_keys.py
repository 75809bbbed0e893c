"""One key-alias table for every OKH dialect, and the flattening of the legacy form.

Readers parse bytes (YAML, TOML, JSON) into a dict; `canonicalise` turns that dict
into a *canonical record*: the same keys whatever the dialect, so that one mapping
(`okh_normalise`) builds the `Design`. Key spelling is folded first (camelCase and
snake_case to kebab-case: ``documentationLanguage`` -> ``documentation-language``),
then looked up in `ALIASES` (v1 names, 2.x names, legacy names, typos seen in the data).

The legacy sectioned form (``[MOSH]`` with ``functional-metadata`` /
``production-metadata`` sub-tables, and one ``[POSHn]`` table per part) is flattened
into the same record: MOSH keys at the top, each POSH table as a ``part``.
"""

from __future__ import annotations

import re
from typing import Any

# canonical key <- kebab-case spellings found in specs and in the corpus.
_ALIAS_GROUPS: dict[str, tuple[str, ...]] = {
    "okhv": ("okhv", "okh-manifest-version"),
    "name": ("name", "title"),
    "repo": ("repo", "project-link", "repository"),
    "documentation-home": ("documentation-home",),
    "version": ("version",),
    "license": ("license", "licence", "spdx-license"),
    "documentation-license": ("documentation-license",),
    "software-license": ("software-license",),
    "licensor": ("licensor",),
    "organisation": ("organisation", "organization"),
    "function": ("function",),
    "description": ("description",),
    "intended-use": ("intended-use",),
    "keywords": ("keywords", "keyword"),
    "documentation-language": ("documentation-language", "language"),
    "manifest-language": ("manifest-language",),
    "technology-readiness-level": (
        "technology-readiness-level",
        "open-technology-readiness-level",
    ),
    "documentation-readiness-level": (
        "documentation-readiness-level",
        "open-documentation-readiness-level",
    ),
    "development-stage": ("development-stage",),
    "trl": ("trl", "nasa-trl", "technology-readiness"),
    "cpc-patent-class": ("cpc-patent-class", "patent-class", "cpc"),
    "tsdc": ("tsdc", "tsdc-id"),
    "image": ("image", "images"),
    "readme": ("readme",),
    "bom": ("bom",),
    "manufacturing-instructions": ("manufacturing-instructions", "making-instructions"),
    "user-manual": ("user-manual", "operating-instructions"),
    "source": ("source", "design-files"),
    "export": ("export", "manufacturing-files"),
    "outer-dimensions": ("outer-dimensions", "outer-dimension", "outer-dimensions-mm"),
    "outer-dimensions-unit": ("outer-dimension-dim", "outer-dimensions-unit"),
    "fork-of": ("fork-of",),
    "derivative-of": ("derivative-of",),
    "variant-of": ("variant-of",),
    "categories": ("categories", "category"),
    "date-created": ("date-created",),
    "date-updated": ("date-updated",),
    "timestamp": ("timestamp",),
    "part": ("part", "parts"),
    "sub": ("sub",),
    "mass": ("mass",),
    # design-level requirements: OKH/OHM lists of processes, OKH v1 tool lists
    "manufacturing-processes": ("manufacturing-processes",),
    "tool-list": ("tool-list", "tools", "tool-lists"),
    "schematics": ("schematics", "schematic"),
    "software": ("software",),
    # part-level keys (also accepted at top level: a stand-alone part manifest)
    "material": ("material", "materials"),
    "process": ("manufacturing-process", "printing-process", "process"),
    "quantity": ("quantity",),
    "manifest": ("manifest",),
}

ALIASES: dict[str, str] = {
    alias: canonical for canonical, group in _ALIAS_GROUPS.items() for alias in group
}

# Keys whose values are lists in the canonical record: several spellings merge.
LIST_KEYS = frozenset(
    {
        "image",
        "keywords",
        "manufacturing-instructions",
        "source",
        "export",
        "tsdc",
        "cpc-patent-class",
        "material",
        "process",
        "categories",
        "part",
        "sub",
    }
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_LEGACY_PART = re.compile(r"^POSH\d*$")


def fold_key(key: str) -> str:
    """``documentationLanguage`` / ``documentation_language`` -> ``documentation-language``."""
    if key.startswith("_"):  # internal markers added by `canonicalise` itself
        return key
    return _CAMEL.sub("-", key.strip()).replace("_", "-").lower()


def canonical_key(key: str) -> str:
    """The canonical name of a manifest key; unknown keys come back folded."""
    folded = fold_key(key)
    return ALIASES.get(folded, folded)


def _merge(record: dict[str, Any], key: str, value: Any) -> None:
    if key not in record:
        record[key] = value
    elif key in LIST_KEYS:
        old = record[key] if isinstance(record[key], list) else [record[key]]
        new = value if isinstance(value, list) else [value]
        record[key] = old + new
    # for scalars the first spelling wins: the spec spelling is usually listed first


def canonicalise_table(raw: dict[str, Any]) -> dict[str, Any]:
    """Rename the keys of one table (a module or a part) to canonical keys."""
    record: dict[str, Any] = {}
    for key, value in raw.items():
        if not isinstance(key, str):
            continue
        canon = canonical_key(key)
        if canon == "part" and isinstance(value, list | dict):
            items = value if isinstance(value, list) else [value]
            value = [canonicalise_table(p) for p in items if isinstance(p, dict)]
        _merge(record, canon, value)
    return record


def is_legacy(raw: dict[str, Any]) -> bool:
    """The sectioned ``[MOSH]`` / ``[POSHn]`` form of the early OKH-LOSH drafts."""
    return isinstance(raw.get("MOSH"), dict)


def _flatten_sections(table: dict[str, Any]) -> dict[str, Any]:
    """Merge legacy ``*-metadata`` sub-tables into their parent table."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict) and fold_key(key).endswith("-metadata"):
            flat.update(value)
        else:
            flat[key] = value
    return flat


def canonicalise(raw: dict[str, Any]) -> dict[str, Any]:
    """A parsed manifest (any dialect) as a canonical record; ``part`` is a list of records."""
    if is_legacy(raw):
        module = _flatten_sections(raw["MOSH"])
        parts = []
        for k, v in raw.items():
            if isinstance(k, str) and _LEGACY_PART.match(k) and isinstance(v, dict):
                part = _flatten_sections(v)
                # legacy parts have no name: the section name stands in (noted later)
                part["_section"] = k
                parts.append(part)
        record = canonicalise_table(module)
        if parts:
            record["part"] = record.get("part", []) + [canonicalise_table(p) for p in parts]
        record["_legacy"] = True
        return record
    return canonicalise_table(raw)
