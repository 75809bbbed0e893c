"""Bilingual query expansion: a French, Spanish or German query finds designs described in
English, and an English one finds designs described in those languages.

Most manifests are in English while many users search in their own language; "lampe"
found nothing although hundreds of lamps are registered. Each query word becomes a group
of alternatives: the word itself, its Snowball stems (English, French, Spanish, German;
the index matches by prefix, so the stem "chais" finds "chaise" and "chaises"), and its
translations from a glossary of the field (`vocab/data/search-glossary.json` plus the
one-word names of the capability vocabulary). A design matches when every group matches
through at least one alternative; an alternative of several words needs all of them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import snowballstemmer

from refaire.text import words

GLOSSARY = Path(__file__).parent / "vocab" / "data" / "search-glossary.json"
LANGUAGES = ("english", "french", "spanish", "german")
MIN_STEM = 4  # shorter stems match too many unrelated words by prefix
MIN_REVERSE = 5  # English -> foreign keys this long at least ("main" would find "maintenance")
MAX_ALTERNATIVES = 12
MAX_PHRASE = 3

Alternative = tuple[str, ...]


@lru_cache(maxsize=1)
def _stemmers() -> list[snowballstemmer.stemmer]:
    return [snowballstemmer.stemmer(lang) for lang in LANGUAGES]


@lru_cache(maxsize=4096)
def stems(word: str) -> tuple[str, ...]:
    """Distinct stems of a folded word in the four languages, long enough to search by prefix."""
    out: list[str] = []
    for stemmer in _stemmers():
        s = stemmer.stemWord(word)
        if len(s) >= MIN_STEM and s != word and s not in out:
            out.append(s)
    return tuple(out)


def _capability_pairs() -> list[tuple[str, list[str]]]:
    """Names of a process or material in French, Spanish, German, with its first English names."""
    from refaire.vocab.capabilities import _vocab

    pairs: list[tuple[str, list[str]]] = []
    for kind in ("process", "material"):
        for record in _vocab(kind).records.values():
            english = [a for a in record.get("en", []) if 1 <= len(words(a)) <= MAX_PHRASE][:4]
            if not english:
                continue
            for lang in ("fr", "es", "de"):
                for alias in record.get(lang, []):
                    pairs.append((alias, english))
    return pairs


@lru_cache(maxsize=1)
def glossary() -> dict[Alternative, list[Alternative]]:
    """Folded source phrase -> its translations (folded phrases), both directions.

    Kept in the disk cache (`refaire.disk_cache`): folding the glossary and the capability
    vocabulary was most of the first search of a fresh process (~0.14 s against 2 ms).
    """
    from refaire.disk_cache import cached_arrays, pack_strings, unpack_strings

    here = Path(__file__).parent
    sources = [
        GLOSSARY,
        here / "vocab" / "data" / "processes.toml",
        here / "vocab" / "data" / "materials.toml",
        here / "vocab" / "capabilities.py",
        here / "text.py",  # `words` folds every phrase
        Path(__file__),
    ]

    def build() -> dict[str, Any]:
        import numpy as np

        table = _build_glossary()
        # a phrase is its words joined by spaces (words never hold one)
        return {
            "sources": pack_strings(" ".join(k) for k in table),
            "counts": np.array([len(v) for v in table.values()], dtype=np.int64),
            "targets": pack_strings(" ".join(t) for v in table.values() for t in v),
        }

    a = cached_arrays("glossary", sources, "1", build)
    targets = [tuple(t.split(" ")) for t in unpack_strings(a["targets"])]
    out: dict[Alternative, list[Alternative]] = {}
    start = 0
    for key, n in zip(unpack_strings(a["sources"]), a["counts"].tolist(), strict=True):
        out[tuple(key.split(" "))] = targets[start : start + n]
        start += n
    return out


def _build_glossary() -> dict[Alternative, list[Alternative]]:
    data = json.loads(GLOSSARY.read_text(encoding="utf-8"))
    pairs: list[tuple[str, list[str]]] = [
        (key, values)
        for lang, entries in data.items()
        if not lang.startswith("_")
        for key, values in entries.items()
    ]
    pairs += _capability_pairs()
    out: dict[Alternative, list[Alternative]] = {}
    for key, values in pairs:
        source = tuple(words(key))
        if not source or len(source) > MAX_PHRASE:
            continue
        for value in values:
            target = tuple(words(value))
            if not target or target == source:
                continue
            out.setdefault(source, [])
            if target not in out[source]:
                out[source].append(target)
            if len(target) == 1 and len(source) == 1 and len(source[0]) >= MIN_REVERSE:
                # "prosthesis" -> "prothese", and its other English word "prosthetic"
                back = out.setdefault(target, [])
                for other in [source, *(tuple(words(v)) for v in values)]:
                    if other != target and other not in back:
                        back.append(other)
    return out


def _alternatives(phrase: Alternative, translations: list[Alternative]) -> list[Alternative]:
    # Only the user's own word is stemmed: glossary words are base forms that match their
    # plurals by prefix already, and stems of translations ("hocker" -> "hock") add noise.
    alts: list[Alternative] = [phrase]
    if len(phrase) == 1:
        alts += [(s,) for s in stems(phrase[0])]
    alts += [t for t in translations if t not in alts]
    return alts[:MAX_ALTERNATIVES]


def query_groups(q: str | None, max_groups: int = 8) -> list[list[Alternative]]:
    """The query as groups of alternatives (AND of groups, OR within a group).

    Phrases of the glossary ("fauteuil roulant", "imprimante 3d" word by word) are taken
    longest first; each alternative is a tuple of prefixes that must all match.
    """
    ws: list[str] = []
    for w in words(q):
        if w not in ws:
            ws.append(w)
    table = glossary()
    groups: list[list[Alternative]] = []
    i = 0
    while i < len(ws) and len(groups) < max_groups:
        for n in range(min(MAX_PHRASE, len(ws) - i), 0, -1):
            phrase = tuple(ws[i : i + n])
            if n == 1 or phrase in table:
                groups.append(_alternatives(phrase, table.get(phrase, [])))
                i += n
                break
    return groups


def tried_words(q: str | None) -> list[str]:
    """The words a query was expanded to, for telling the user what was searched."""
    out: list[str] = []
    for group in query_groups(q):
        for alt in group:
            text = " ".join(alt)
            if text not in out:
                out.append(text)
    return out
