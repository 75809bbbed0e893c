"""Licence normalisation: manifest text → SPDX expression, openness class and plain summary.

Manifests in the wild write licences as SPDX ids, as SPDX names, or as something in between
(`LicenseRef-CC BY-SA-4.0`, `CERN OHL v1.2`, `GNU GPL v3.0`). Every term is reduced to a
lookup key (see `_key`) and matched against the SPDX list, its names, a small alias table
and deprecated-id replacements (data in `data/spdx-licences.json` and `data/licences.json`).
A term that matches nothing is kept exactly as given, and still classified by family
(`LicenseRef-CERN` → CERN OHL family → weak copyleft, see `licences.json`).

Compound expressions keep their structure. Openness of `A OR B` is the most open option
(the user may choose it), of `A AND B` the least open part (all terms apply).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from refaire.model.design import Licence, Openness
from refaire.vocab._common import fold, load_json, public, ui_lang

_RANK: dict[str, int] = {"non-free": 0, "strong-copyleft": 1, "weak-copyleft": 2, "permissive": 3}
_DROP_WORDS = re.compile(r"\b(?:licen[cs]e[sd]?|version|the|international|intl)\b")
_STRICT_OPS = re.compile(r"(\(|\)|\bAND\b|\bOR\b|\bWITH\b)")
_LENIENT_OPS = re.compile(r"(\(|\)|\band\b|\bor\b|\bwith\b)", re.IGNORECASE)
# A comma or semicolon between ids lists licences that all apply, hence AND.
_LIST_SEPARATOR = re.compile(r"\s*[,;]\s*")


def _key(text: str) -> str:
    s = fold(text).strip()
    s = re.sub(r"^licen[cs]eref-", "", s)
    s = _DROP_WORDS.sub(" ", s)
    s = re.sub(r"v(?=\d)", "", s)
    return re.sub(r"[^a-z0-9+]", "", s)


@dataclass(frozen=True, slots=True)
class _Index:
    ids: dict[str, str]  # key of id or name → SPDX id
    short: dict[str, str]  # key of an id without its trailing ".0" → SPDX id
    names: dict[str, str]  # SPDX id → name


@cache
def _index() -> _Index:
    rows = load_json("spdx-licences.json")["licenses"]
    # Current ids first, so that a name shared with a deprecated id resolves to the current one.
    rows = sorted(rows, key=lambda r: r[2])
    ids: dict[str, str] = {}
    short: dict[str, str] = {}
    names: dict[str, str] = {}
    for spdx_id, name, _deprecated, _osi in rows:
        names[spdx_id] = name
        ids.setdefault(_key(spdx_id), spdx_id)
    for spdx_id, name, _deprecated, _osi in rows:
        ids.setdefault(_key(name), spdx_id)
        if spdx_id.endswith(".0"):
            short.setdefault(_key(spdx_id)[:-1], spdx_id)
    return _Index(ids=ids, short=short, names=names)


@cache
def _tables() -> dict:
    data = load_json("licences.json")
    return {
        "openness": data["openness_by_id"],
        "replacements": public(data["replacements"]),
        "aliases": public(data["aliases"]),
        "families": [(re.compile(f["match"]), f["openness"], f["name"]) for f in data["families"]],
        "features": [
            (re.compile(f["match"]), f["allows"], f["requires"]) for f in data["features"]
        ],
        "by_openness": data["features_by_openness"],
        "labels": data["openness_labels"],
        "sentences": data["sentences"],
    }


@dataclass(frozen=True, slots=True)
class _Result:
    expression: str
    openness: Openness
    name: str | None
    allows: tuple[str, ...]
    requires: tuple[str, ...]
    resolved: int  # leaves matched to an SPDX id
    unresolved: int  # leaves kept as given


def _lookup_id(term: str) -> str | None:
    idx, tables = _index(), _tables()
    key = _key(term)
    if not key:
        return None
    candidates = [key]
    if key.startswith("gnu"):
        candidates.append(key[3:])
    if key.startswith("by"):  # "BY-SA 4.0" leaves out the "CC"
        candidates.append("cc" + key)
    for k in candidates:
        found = idx.ids.get(k) or tables["aliases"].get(k) or idx.short.get(k)
        if found:
            return found
    return None


def _or_later(spdx_id: str) -> str:
    names = _index().names
    if spdx_id.endswith("-only") and spdx_id[:-5] + "-or-later" in names:
        return spdx_id[:-5] + "-or-later"
    if spdx_id + "-or-later" in names:
        return spdx_id + "-or-later"
    return spdx_id if spdx_id.endswith("-or-later") else spdx_id + "+"


def _family(key: str) -> tuple[Openness, str | None] | None:
    for pattern, openness, name in _tables()["families"]:
        if pattern.search(key):
            return openness, name
    return None


def _features(key: str, openness: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    for pattern, allows, requires in _tables()["features"]:
        if pattern.search(key):
            return tuple(allows), tuple(requires)
    default = _tables()["by_openness"][openness]
    return tuple(default["allows"]), tuple(default["requires"])


def _leaf(raw: str) -> _Result:
    term = raw.strip().strip("\"'")
    plus = term.endswith("+") and len(term) > 1
    spdx_id = _lookup_id(term)
    if spdx_id is None and plus:
        base = _lookup_id(term[:-1])
        spdx_id = _or_later(_tables()["replacements"].get(base, base)) if base else None
    if spdx_id is None:
        key = _key(term)
        openness, name = _family(key) or ("unknown", None)
        allows, requires = _features(key, openness)
        return _Result(term, openness, name, allows, requires, 0, 1)
    spdx_id = _tables()["replacements"].get(spdx_id, spdx_id)
    base_id, _, exception = spdx_id.partition(" WITH ")
    openness = _tables()["openness"].get(base_id)
    if openness is None:
        openness = (_family(_key(base_id)) or ("unknown", None))[0]
    name = _index().names.get(base_id)
    if name and exception:
        name = f"{name} with {exception}"
    allows, requires = _features(_key(base_id), openness)
    return _Result(spdx_id, openness, name, allows, requires, 1, 0)


def _combine(op: str, parts: list[_Result]) -> _Result:
    texts = [
        f"({p.expression})" if op == "AND" and " OR " in p.expression else p.expression
        for p in parts
    ]
    known = [p for p in parts if p.openness != "unknown"]
    if op == "OR":
        best = max(parts, key=lambda p: _RANK.get(p.openness, -1))
        openness: Openness = best.openness
        if best.openness != "permissive" and len(known) < len(parts):
            openness = "unknown"  # an unclassified option might be the more open one
        allows, requires = best.allows, best.requires
    else:
        if any(p.openness == "non-free" for p in parts):
            openness = "non-free"
        elif len(known) < len(parts):
            openness = "unknown"
        else:
            openness = min(parts, key=lambda p: _RANK[p.openness]).openness
        allows = tuple(a for a in parts[0].allows if all(a in p.allows for p in parts))
        requires = tuple(dict.fromkeys(r for p in parts for r in p.requires))
    names = [p.name for p in parts]
    name = f" {op.lower()} ".join(n for n in names if n) if all(names) else None
    return _Result(
        expression=f" {op} ".join(texts),
        openness=openness,
        name=name,
        allows=allows,
        requires=requires,
        resolved=sum(p.resolved for p in parts),
        unresolved=sum(p.unresolved for p in parts),
    )


class _Parser:
    """Recursive descent over SPDX tokens: or := and (OR and)*; and := with (AND with)*."""

    def __init__(self, text: str, ops: re.Pattern[str]) -> None:
        self.tokens = [t.strip() for t in ops.split(text) if t.strip()]
        self.pos = 0

    def _peek(self) -> str | None:
        return self.tokens[self.pos].upper() if self.pos < len(self.tokens) else None

    def _take(self) -> str:
        self.pos += 1
        return self.tokens[self.pos - 1]

    def parse(self) -> _Result:
        result = self._or()
        if self.pos != len(self.tokens):
            raise ValueError("trailing tokens")
        return result

    def _or(self) -> _Result:
        parts = [self._and()]
        while self._peek() == "OR":
            self._take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else _combine("OR", parts)

    def _and(self) -> _Result:
        parts = [self._with()]
        while self._peek() == "AND":
            self._take()
            parts.append(self._with())
        return parts[0] if len(parts) == 1 else _combine("AND", parts)

    def _with(self) -> _Result:
        base = self._atom()
        if self._peek() == "WITH":
            self._take()
            exception = self._take().strip()
            return _Result(
                f"{base.expression} WITH {exception}",
                base.openness,
                f"{base.name} with {exception}" if base.name else None,
                base.allows,
                base.requires,
                base.resolved,
                base.unresolved,
            )
        return base

    def _atom(self) -> _Result:
        token = self._peek()
        if token is None or token in {"AND", "OR", "WITH", ")"}:
            raise ValueError("licence expected")
        if token == "(":
            self._take()
            inner = self._or()
            if self._peek() != ")":
                raise ValueError("unbalanced parenthesis")
            self._take()
            return inner
        return _leaf(self._take())


def _try_parse(text: str, ops: re.Pattern[str]) -> _Result | None:
    try:
        return _Parser(text, ops).parse()
    except (ValueError, IndexError):
        return None


@cache
def _evaluate(given: str) -> _Result:
    whole = _leaf(given)
    if whole.resolved:
        return whole
    listed = _LIST_SEPARATOR.sub(" AND ", given)
    best = _try_parse(listed, _STRICT_OPS) or whole
    if best.unresolved:
        lenient = _try_parse(listed, _LENIENT_OPS)
        if lenient and not lenient.unresolved and lenient.resolved > best.resolved:
            best = lenient
    # A single unmatched term is better described by its family as a whole than in pieces.
    if best.resolved == 0:
        return whole
    return best


def normalise_licence(text: str) -> Licence:
    """Normalise one licence value (an OKH v1 mapping is normalised value by value).

    `original` is the input (surrounding whitespace removed) when it differs from the
    expression; `name` is the SPDX name, or the family name of a kept `LicenseRef-`.
    """
    given = (text or "").strip()
    if not given:
        return Licence(expression="", openness="unknown")
    result = _evaluate(given)
    return Licence(
        expression=result.expression,
        openness=result.openness,
        original=given if given != result.expression else None,
        name=result.name,
    )


def licence_summary(expression: str, lang: str = "en") -> dict:
    """What a licence allows and requires, in plain French or English, for a design page."""
    lang = ui_lang(lang)
    tables = _tables()
    given = (expression or "").strip()
    result = _evaluate(given) if given else _leaf("")

    def say(keys: tuple[str, ...]) -> list[str]:
        return [tables["sentences"][k][lang] for k in keys]

    return {
        "expression": result.expression,
        "name": result.name,
        "openness": result.openness,
        "label": tables["labels"][result.openness][lang],
        "allows": say(result.allows),
        "requires": say(result.requires),
    }
