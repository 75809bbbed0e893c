"""Sectors of designs for the observatory: from a CPC class, or inferred from text.

With a CPC class the sector is certain (`sectors_for_cpc`, re-exported from `cpc`). Without
one, `infer_sectors` reads names, functions and keywords in English or French (and common
Spanish words) against the keyword table `data/sector-keywords.json` and returns sector ids
with a confidence, so the observatory can show inferred sectors apart from declared ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache

from refaire.vocab._common import fold, load_json
from refaire.vocab.cpc import clean_cpc, known_sectors, sector_label, sectors_for_cpc

__all__ = [
    "clean_cpc",
    "infer_sectors",
    "known_sectors",
    "sector_evidence",
    "sector_label",
    "sectors_for_cpc",
    "settle",
]

# Inferred sectors stay below certainty, so they never look like a declared CPC class.
_MAX_CONFIDENCE = 0.95
# Callers put the name first: keywords in the first characters weigh fully, later ones less.
_HEAD = 150
_BODY_FACTOR = 0.7
# Chosen on the tuning half of the labelled designs (`observatory.sector_accuracy.half`): a
# runner-up section more than 0.1 below the best keeps half its confidence (best F1 there,
# with the observatory's threshold of 0.5).
RUNNER_UP_MARGIN = 0.1
RUNNER_UP_FACTOR = 0.5
# The "sector" of keyword rules that say a text is about a study, an essay or an event.
NOT_A_DESIGN = "-"


def _keyword_pattern(keyword: str) -> str:
    word = fold(keyword).strip()
    prefix = word.endswith("*")
    word = word.rstrip("*")
    body = r"[\s\-]*".join(re.escape(part) for part in re.split(r"[\s\-]+", word))
    return body + (r"[a-z0-9]*" if prefix else r"(?:e?s)?")


@cache
def _rules() -> list[tuple[re.Pattern[str], dict[str, float]]]:
    rules = []
    for rule in load_json("sector-keywords.json")["rules"]:
        # Longest first, so "solar cooker" is matched as one keyword rather than "solar".
        keywords = sorted(rule["k"], key=len, reverse=True)
        alternation = "|".join(_keyword_pattern(k) for k in keywords)
        pattern = re.compile(rf"(?<![a-z0-9])(?:{alternation})(?![a-z0-9])")
        rules.append((pattern, rule["s"]))
    return rules


_PLURAL = re.compile(r"e?s$")


@cache
def _anchors() -> tuple[dict[str, frozenset[int]], frozenset[int]]:
    """Rule indexes by the leading word of their keywords, to skip rules that cannot match.

    A keyword match starts at a word boundary with the keyword's leading alphanumeric
    run, so a rule can only match a text having a word that starts with one of its
    anchors. Rules with a keyword that starts with punctuation are always tried.
    """
    by_anchor: dict[str, set[int]] = {}
    always: set[int] = set()
    for i, rule in enumerate(load_json("sector-keywords.json")["rules"]):
        for keyword in rule["k"]:
            m = re.match(r"[a-z0-9]+", fold(keyword).strip())
            if m is None:
                always.add(i)
            else:
                by_anchor.setdefault(m.group(0), set()).add(i)
    return {k: frozenset(v) for k, v in by_anchor.items()}, frozenset(always)


@lru_cache(maxsize=65536)
def _rules_for_token(token: str) -> frozenset[int]:
    by_anchor, _always = _anchors()
    found: set[int] = set()
    for end in range(1, len(token) + 1):
        hit = by_anchor.get(token[:end])
        if hit:
            found |= hit
    return frozenset(found)


def _trie_pattern(words: list[str]) -> str:
    """A regex matching any of `words`, shaped as their prefix tree.

    Python's `re` tries the branches of a flat alternation one by one at each position;
    shaped as a tree (``ab(?:c|d)``) it reads each character once.
    """
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(tree)


@cache
def _gate() -> re.Pattern[str]:
    """The words of a text that start with some rule's anchor (most words do not)."""
    by_anchor, _always = _anchors()
    return re.compile(rf"(?<![a-z0-9])(?={_trie_pattern(sorted(by_anchor))})[a-z0-9]+")


def _matches(folded: str) -> Iterator[tuple[int, re.Match[str]]]:
    """(rule index, match) for every keyword match, as each rule's `finditer` would find them.

    Instead of scanning the whole text with every rule, each rule is tried only at
    the word starts whose word begins with one of its anchors (found by one regex
    over the text); skipping starts inside the rule's previous match keeps
    `finditer`'s non-overlapping semantics.
    """
    rules = _rules()
    starts: dict[int, list[int]] = {}
    for m in _gate().finditer(folded):
        for index in _rules_for_token(m.group(0)):
            starts.setdefault(index, []).append(m.start())
    _by_anchor, always = _anchors()
    for index in sorted(set(starts) | always):
        pattern = rules[index][0]
        if index in always:
            for match in pattern.finditer(folded):
                yield index, match
            continue
        last_end = -1
        for pos in starts[index]:
            if pos < last_end:
                continue
            match = pattern.match(folded, pos)
            if match:
                last_end = match.end()
                yield index, match


def sector_evidence(text: str) -> dict[str, float]:
    """Sector id -> confidence in 0..1 from free text (EN/FR keywords), before `settle`.

    Each distinct keyword found adds evidence; evidence for one sector combines as
    1 - prod(1 - weight). Put the name first: keywords in the first 150 characters weigh
    fully, later ones 0.7 of their weight. A refined class also supports its section.
    """
    if not text or not text.strip():
        return {}
    folded = fold(text).replace("\u2019", "'")
    doubt: dict[str, float] = {}
    rules = _rules()
    # per rule: keyword (plural folded away) → earliest position where it occurs
    found_by_rule: dict[int, dict[str, int]] = {}
    for index, match in _matches(folded):
        found = found_by_rule.setdefault(index, {})
        found.setdefault(_PLURAL.sub("", match.group(0)), match.start())
    kept = 1.0  # lowered by cues of a study or an essay (sector "-") near the start
    for index, found in sorted(found_by_rule.items()):
        weights = rules[index][1]
        if NOT_A_DESIGN in weights:
            if min(found.values()) < _HEAD:
                kept *= 1.0 - weights[NOT_A_DESIGN]
            continue
        for rank, position in enumerate(sorted(found.values())):
            # Synonyms from one rule confirm each other less than independent rules do, and
            # words deep in a long description say less than those of the name at its start.
            factor = (1.0 if rank == 0 else 0.5) * (1.0 if position < _HEAD else _BODY_FACTOR)
            for sector, weight in weights.items():
                doubt[sector] = doubt.get(sector, 1.0) * (1.0 - weight * factor)
    confidence = {sector: kept * min(_MAX_CONFIDENCE, 1.0 - d) for sector, d in doubt.items()}
    return with_sections(confidence)


def with_sections(confidence: dict[str, float]) -> dict[str, float]:
    """A refined class supports its section: section confidence >= its best class's."""
    out = dict(confidence)
    for sector, value in confidence.items():
        if len(sector) > 1:
            out[sector[0]] = max(out.get(sector[0], 0.0), value)
    return out


def settle(confidence: dict[str, float]) -> dict[str, float]:
    """Runner-up sections discounted: a design belongs to one CPC section far more often
    than to several (195 of the 210 labelled designs, `observatory/data/sector_truth.csv`),
    so a section whose evidence is clearly below the best one's (by more than
    `RUNNER_UP_MARGIN`) keeps `RUNNER_UP_FACTOR` of its confidence, and its classes too.
    Sections close to the best stay as they are: the text does not tell them apart."""
    sections = {s: c for s, c in confidence.items() if len(s) == 1}
    if not sections:
        return dict(confidence)
    best = max(sections.values())
    behind = {s for s, c in sections.items() if c < best - RUNNER_UP_MARGIN}
    return {s: c * RUNNER_UP_FACTOR if s[0] in behind else c for s, c in confidence.items()}


def ranked(confidence: dict[str, float]) -> list[tuple[str, float]]:
    """(sector, confidence rounded to 0.01), best first; classes before their section."""
    order = sorted(confidence.items(), key=lambda item: (-item[1], -len(item[0]), item[0]))
    return [(sector, round(value, 2)) for sector, value in order]


def infer_sectors(text: str) -> list[tuple[str, float]]:
    """Sector ids with a confidence in 0..1, best first, from free text (EN/FR keywords):
    `sector_evidence`, then runner-up sections discounted (`settle`)."""
    return ranked(settle(sector_evidence(text)))
