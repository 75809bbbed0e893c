"""Readiness levels: OTRL (technology) and ODRL (documentation), from any spelling seen.

Canonical values are `OTRL-n` and `ODRL-n` / `ODRL-3*` as in OKH-LOSH. Each normaliser
returns the level and the rule that changed it (None when the input was already canonical),
so that importers can record a `Note`. Legacy level names and the OKH v1
`development-stage` table are data (`data/readiness.json`), with the reasons for each choice.
"""

from __future__ import annotations

import re
from functools import cache

from refaire.vocab._common import fold, load_json, public, ui_lang

_V1_RULE = "v1-development-stage"
# Letters O, T/D, R, L in any order typed by hand, then the level: "OTLR-5", "otrl4", "ODRL 3*".
_CODE = re.compile(r"^(o?)([tdlr]{3})[\s\-_.:]*(\d)\s*(\*?)$")


@cache
def _kind(kind: str) -> dict:
    data = load_json("readiness.json")[kind]
    return {**data, "legacy": public(data["legacy"])}


def _normalise(text: str, kind: str) -> tuple[str | None, str | None]:
    spec = _kind(kind)
    prefix: str = spec["prefix"]
    value = (text or "").strip()
    if not value:
        return None, None
    level = value.removeprefix(prefix + "-")
    if value.startswith(prefix + "-") and level in spec["levels"]:
        return value, None
    folded = fold(value)
    key = re.sub(r"[^a-z0-9]", "", folded)
    legacy = spec["legacy"].get(key)
    if legacy:
        return legacy, "legacy-losh"
    match = _CODE.match(folded)
    if not match:
        return None, None
    has_o, letters, number, star = match.groups()
    wanted = prefix.lower()[1:]  # "trl" / "drl"
    if sorted(letters) != sorted(wanted):
        return None, None
    rule = "format" if letters == wanted and has_o else "typo"
    candidate = f"{number}{star}"
    if candidate in spec["levels"]:
        return f"{prefix}-{candidate}", rule
    legacy = spec["legacy"].get(f"{prefix.lower()}{candidate}")
    if legacy:
        return legacy, f"{rule}+legacy-losh" if rule != "format" else "legacy-losh"
    return None, None


def normalise_technology_readiness(text: str) -> tuple[str | None, str | None]:
    """(`OTRL-n`, rule) for a technology readiness value; rule is None if already canonical.

    Rules: "format" (case, spacing), "typo" (e.g. `OTLR-5`), "legacy-losh" (`Ideation`,
    `TechnicalDesign`…). (None, None) when the value is not a readiness level.
    """
    return _normalise(text, "technology")


def normalise_documentation_readiness(text: str) -> tuple[str | None, str | None]:
    """(`ODRL-n` or `ODRL-3*`, rule) for a documentation readiness value (`Started`, `Full`…)."""
    return _normalise(text, "documentation")


@cache
def _stage_patterns() -> tuple[list[re.Pattern[str]], list[tuple[re.Pattern[str], str]]]:
    data = load_json("readiness.json")["development_stage"]
    placeholders = [re.compile(p) for p in data["placeholders"]]
    patterns = [(re.compile(r"(?<![a-z])(?:" + p + ")"), level) for p, level in data["patterns"]]
    return placeholders, patterns


def readiness_from_development_stage(text: str) -> tuple[str | None, str]:
    """An OTRL level for OKH v1 `development-stage` free text ("prototype", "product"…)."""
    value = fold((text or "").strip())
    placeholders, patterns = _stage_patterns()
    if not value or any(p.search(value) for p in placeholders):
        return None, _V1_RULE
    canonical, _rule = normalise_technology_readiness(text)
    if canonical:
        return canonical, _V1_RULE
    for pattern, level in patterns:
        if pattern.search(value):
            return level, _V1_RULE
    return None, _V1_RULE


def readiness_label(level: str, lang: str = "en") -> str:
    """A short French or English description of an OTRL/ODRL level (the level itself if unknown)."""
    ui = ui_lang(lang)
    for kind, normalise in (
        ("technology", normalise_technology_readiness),
        ("documentation", normalise_documentation_readiness),
    ):
        canonical, _rule = normalise(level)
        if canonical:
            label = _kind(kind)["labels"].get(canonical)
            if label:
                return label[ui]
    return level
