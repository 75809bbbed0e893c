"""The capability resolver: free text in any of en/fr/es/de -> process and material ids.

The ids are those of VOCABULARY.md; their names live in `data/processes.toml` and
`data/materials.toml`. Text is split into list items, folded and tokenised, and every
alias is looked up in one dictionary keyed by its token sequence (longest first), so the
cost per string does not grow with the number of aliases. Besides aliases the resolver
reads TsDC codes, Wikipedia article URLs (from the title, offline) and machine names from
the machine catalogue. Each result says which rule fired and how confident it is.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import unquote

from refaire.vocab._text import SLASH, SOFT_BREAKS, alias_key, pieces, tokens

KINDS = ("process", "material")
LANGS = ("en", "fr", "es", "de")

# Confidence per rule: an alias that is the whole list item is near certain; one inside a
# longer item less so; a weak (generic) alias or a maker's name leaves real doubt.
_CONF_WHOLE = 0.95
_CONF_PART = 0.85
_CONF_WEAK = 0.6
_CONF_BRAND = 0.75
_CONF_CATALOGUE = 0.9
_CONF_TSDC = 0.9
_CONF_WIKIPEDIA = 0.9
# An ambiguous word decided by another word of the whole text, not of its own list item:
# likely, but below the threshold at which a reader treats a resolution as stated (0.8).
_CONF_CONTEXT_TEXT = 0.7

_WIKIPEDIA = re.compile(r"https?://([a-z\-]+)\.(?:m\.)?wikipedia\.org/wiki/([^\s?#<>\"']+)", re.I)
_URL = re.compile(r"(?:https?://|www\.)\S+", re.I)
_TSDC = re.compile(r"(?<![A-Za-z0-9])([0-9A-Z]{3})(?:-[A-Z]{3})?(?![A-Za-z0-9])")


@dataclass(frozen=True)
class Resolution:
    """One capability found in a text."""

    id: str
    label: str
    confidence: float
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Entry:
    id: str
    rule: str  # "alias:<lang>", "brand" or "ambiguous"
    weak: bool
    sense: int = -1  # for an ambiguous word: its number in `_Vocab.ambiguous`


@dataclass(frozen=True)
class _Ambiguous:
    """A word of several trades: each sense (an id) with the words that select it."""

    default: str | None
    senses: tuple[tuple[str, frozenset[str]], ...]


@dataclass
class _Vocab:
    kind: str
    records: dict[str, dict[str, Any]]
    index: dict[str, list[_Entry]]
    max_len: int
    starts: frozenset[str]  # first words of all aliases: most words start none
    ambiguous: tuple[_Ambiguous, ...] = ()


@cache
def _vocab(kind: str) -> _Vocab:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {KINDS}")
    name = {"process": "processes.toml", "material": "materials.toml"}[kind]
    text = resources.files("refaire.vocab").joinpath("data", name).read_text("utf-8")
    data = tomllib.loads(text)
    records = {r["id"]: r for r in data[kind]}
    index: dict[str, list[_Entry]] = {}
    for rid, rec in records.items():
        sources = [(f"alias:{lang}", rec.get(lang, [])) for lang in LANGS]
        sources.append(("brand", rec.get("brands", [])))
        for rule, aliases in sources:
            for alias in aliases:
                weak = alias.startswith("~")
                key = alias_key(alias.lstrip("~"))
                entries = index.setdefault(key, [])
                if not any(e.id == rid and e.rule == rule for e in entries):
                    entries.append(_Entry(rid, rule, weak))
    for phrase in data.get("not_capabilities", {}).get("phrases", []):
        index.setdefault(alias_key(phrase), []).insert(0, _Entry("", "ignore", False))
    ambiguous: list[_Ambiguous] = []
    for block in data.get("ambiguous", []):
        senses = tuple(
            (sid, frozenset(alias_key(w) for w in words))
            for sid, words in block.items()
            if sid not in ("aliases", "default")
        )
        for sid, _ in senses:
            if sid not in records:
                raise ValueError(f"ambiguous sense {sid!r} is not a {kind} id")
        for alias in block["aliases"]:
            # Replaces any plain alias: the word alone no longer decides its trade.
            weak = alias.startswith("~")
            index[alias_key(alias.lstrip("~"))] = [_Entry("?", "ambiguous", weak, len(ambiguous))]
        ambiguous.append(_Ambiguous(block.get("default"), senses))
    max_len = max(len(k.split()) for k in index)
    return _Vocab(
        kind, records, index, max_len, frozenset(k.split()[0] for k in index), tuple(ambiguous)
    )


def _kinds(kind: str | None) -> tuple[str, ...]:
    return KINDS if kind is None else (kind,)


def all_ids(kind: str) -> list[str]:
    """Every id of one kind ("process" or "material"), in vocabulary order."""
    return list(_vocab(kind).records)


def is_known(id: str, kind: str | None = None) -> bool:
    """Whether `id` is a vocabulary id (of `kind`, or of any kind when None)."""
    return any(id in _vocab(k).records for k in _kinds(kind))


def _record(id: str) -> dict[str, Any]:
    for k in KINDS:
        rec = _vocab(k).records.get(id)
        if rec is not None:
            return rec
    raise KeyError(f"unknown capability id {id!r}")


def label(id: str, lang: str = "en") -> str:
    """The display name of an id in `lang` (English when that language has none)."""
    labels = _record(id).get("label", {})
    return labels.get((lang or "en")[:2].lower()) or labels.get("en") or id


def parent(id: str) -> str | None:
    """The parent id of a process or material, None for a root."""
    return _record(id).get("parent")


def process_parent(id: str) -> str | None:
    """The parent process of a process id ("fdm" -> "3d-printing"), None for a root."""
    return _vocab("process").records[id].get("parent")


def process_ancestors(id: str) -> list[str]:
    """All ancestors of a process id, nearest first."""
    out: list[str] = []
    current = process_parent(id)
    while current is not None and current not in out:
        out.append(current)
        current = process_parent(current)
    return out


def _ancestors(id: str) -> list[str]:
    out: list[str] = []
    current = parent(id)
    while current is not None and current not in out:
        out.append(current)
        current = parent(current)
    return out


@cache
def _tsdc_map() -> dict[str, list[str]]:
    """TsDC code -> the process ids carrying it (every level of the tree)."""
    out: dict[str, list[str]] = {}
    for rid, rec in _vocab("process").records.items():
        for code in rec.get("tsdc", []):
            out.setdefault(code, []).append(rid)
    return out


def processes_for_tsdc(code: str) -> list[str]:
    """Process ids of a TsDC code ("3DP" -> 3d-printing and its children); [] otherwise."""
    main = (code or "").strip().upper().split("-")[0]
    return list(_tsdc_map().get(main, []))


def _tsdc_roots(code: str) -> list[str]:
    ids = processes_for_tsdc(code)
    return [i for i in ids if process_parent(i) not in ids]


def _match_piece(
    piece: str,
    vocab: _Vocab,
    found: dict[str, tuple[float, str, int]],
    pos: int,
    lang: str,
    rule_override: str | None = None,
    text: str = "",
) -> None:
    """Look up every alias in one list item; weak aliases only where nothing stronger is.

    A weak alias gives way to a strong one in the same sub-item (between conjunctions or
    slashes), and to a maker's name anywhere in the item, since a machine name qualifies
    the whole item ("Roland Modela miller/router").
    """
    words = tokens(piece)
    starts = vocab.starts
    if starts.isdisjoint(words):  # most items of a free text name no capability
        return
    toks: list[str] = []
    subs: list[int] = []
    sub = 0
    for t in words:
        if t == SLASH or t in SOFT_BREAKS:
            sub += 1
            if t == SLASH:
                continue
        toks.append(t)
        subs.append(sub)
    n_words = sum(1 for t in toks if t not in SOFT_BREAKS)
    hits: list[tuple[int, int, int, _Entry]] = []  # (sub-item, first token, tokens covered, entry)
    i = 0
    index, max_len = vocab.index, vocab.max_len
    while i < len(toks):
        if toks[i] not in starts:
            i += 1
            continue
        for n in range(min(max_len, len(toks) - i), 0, -1):
            entries = index.get(" ".join(toks[i : i + n]))
            if entries:
                # A not-a-capability phrase consumes its words and yields nothing.
                if entries[0].id:
                    hits.extend((subs[i], i, n, e) for e in _preferred(entries, lang))
                i += n
                break
        else:
            i += 1
    strong_subs = {s for s, _, _, e in hits if not e.weak}
    branded = any(e.rule == "brand" and not e.weak for _, _, _, e in hits)
    for s, start, n, e in hits:
        if e.weak and (s in strong_subs or branded):
            continue
        if e.sense >= 0:
            own = toks[:start] + toks[start + n :]
            picked = _sense(vocab.ambiguous[e.sense], own, text)
            if picked is not None:
                _add(found, picked[0], picked[1], picked[2], pos * 10_000 + start)
            continue
        if e.weak:
            conf = _CONF_WEAK + (0.1 if n >= n_words else 0.0)
        elif e.rule == "brand":
            conf = _CONF_BRAND
        else:
            conf = _CONF_WHOLE if n >= n_words else _CONF_PART
        rule = e.rule
        if rule_override is not None:
            rule, conf = rule_override, min(conf, _CONF_WIKIPEDIA)
        _add(found, e.id, conf, rule, pos * 10_000 + start)


def _sense(amb: _Ambiguous, own: list[str], text: str) -> tuple[str, float, str] | None:
    """(id, confidence, rule) of an ambiguous word: the sense its own list item's other
    words name, else the sense the rest of the text names, else the default (weak)."""
    for words, conf, rule in ((own, _CONF_PART, "context"), (None, _CONF_CONTEXT_TEXT, "text")):
        said = set(words) if words is not None else set(tokens(text))
        votes = [(sid, sorted(said & ctx)) for sid, ctx in amb.senses]
        votes = [(sid, hit) for sid, hit in votes if hit]
        if len(votes) == 1:
            sid, hit = votes[0]
            return sid, conf, f"{rule}:{hit[0]}"
        if len(votes) > 1:
            break  # both trades named: only the default, weakly
    if amb.default is None:
        return None
    return amb.default, _CONF_WEAK, "ambiguous-default"


def _preferred(entries: list[_Entry], lang: str) -> list[_Entry]:
    """One entry per id; a word shared by several languages is named in the caller's."""
    best: dict[str, _Entry] = {}
    for e in entries:
        if e.id not in best or e.rule == f"alias:{lang}":
            best[e.id] = e
    return list(best.values())


def _add(
    found: dict[str, tuple[float, str, int]], id: str, conf: float, rule: str, pos: int
) -> None:
    """Record an id; the strongest rule names it, the first mention places it."""
    old = found.get(id)
    if old is None:
        found[id] = (conf, rule, pos)
    elif conf > old[0]:
        found[id] = (conf, rule, min(pos, old[2]))
    elif pos < old[2]:
        found[id] = (old[0], old[1], pos)


def _resolve_kind(
    text: str, kind: str, lang: str, machines: bool
) -> dict[str, tuple[float, str, int]]:
    vocab = _vocab(kind)
    found: dict[str, tuple[float, str, int]] = {}
    pos = 0
    for m in _WIKIPEDIA.finditer(text):
        title = unquote(m.group(2)).replace("_", " ")
        _match_piece(title, vocab, found, pos, lang, rule_override="wikipedia")
        pos += 1
    body = _URL.sub(" , ", text)
    for piece in pieces(body):
        pos += 1
        item: dict[str, tuple[float, str, int]] = {}
        _match_piece(piece, vocab, item, pos, lang, text=body)
        if kind == "process":
            if machines:
                _match_machine(piece, item, pos)
            for m in _TSDC.finditer(piece):
                code = m.group(1)
                if code.lower() in vocab.index:
                    continue  # "CNC", "PCB": ordinary words, resolved as aliases
                for pid in _tsdc_roots(code):
                    _add(item, pid, _CONF_TSDC, "tsdc", pos * 10_000 + m.start())
        for rid, (conf, rule, p) in item.items():
            _add(found, rid, conf, rule, p)
    return found


def _match_machine(piece: str, item: dict[str, tuple[float, str, int]], pos: int) -> None:
    """Add the process of a catalogued machine named in the item.

    The exact model outranks its maker's usual process: Creality is an FDM brand but the
    "Creality LD-002R" is a resin printer, so brand guesses of the item are dropped.
    """
    from refaire.vocab.catalogue import find_in_text  # the catalogue resolves through us

    machine = find_in_text(piece)
    if machine is not None and machine.process:
        for rid in [rid for rid, v in item.items() if v[1] == "brand"]:
            del item[rid]
        _add(item, machine.process, _CONF_CATALOGUE, f"catalogue:{machine.name}", pos * 10_000)


def resolve(
    text: str, kind: str | None = None, lang: str = "en", machines: bool = True
) -> list[Resolution]:
    """The capability ids named in `text`, in order of appearance.

    `kind` restricts to "process" or "material"; `lang` is the language of the labels.
    A child id found implies its ancestors, which are then not listed separately.
    `machines=False` leaves out the machine catalogue: in a design's own text a named
    machine is what the design is about, not what it is made with.
    """
    return _resolve(text, kind, lang, machines=machines)


def _resolve(text: str, kind: str | None, lang: str, machines: bool) -> list[Resolution]:
    if not text or not text.strip():
        return []
    found: dict[str, tuple[float, str, int]] = {}
    for k in _kinds(kind):
        found.update(_resolve_kind(text, k, lang, machines))
    implied = {a for rid in found for a in _ancestors(rid)}
    ordered = sorted((v[2], -v[0], rid) for rid, v in found.items() if rid not in implied)
    return [
        Resolution(rid, label(rid, lang), round(found[rid][0], 3), found[rid][1])
        for _, _, rid in ordered
    ]


def resolve_ids(text: str, kind: str | None = None) -> list[str]:
    """Just the ids of `resolve(text, kind)`."""
    return [r.id for r in resolve(text, kind)]


def resolve_words(text: str, kind: str | None = None) -> list[str]:
    """Ids from the words of `text` only, without the machine catalogue.

    The catalogue itself uses this to read its technology and material columns.
    """
    return [r.id for r in _resolve(text, kind, "en", machines=False)]


def vocabulary(kind: str) -> list[dict[str, Any]]:
    """Id, parent, TsDC codes and en/fr labels of every id of one kind, for listings.

    Process rows also carry `compatible_materials`: the materials the process can work
    (`vocab.compatibility`), None when that is not checked.
    """
    from refaire.vocab.compatibility import compatible_materials

    rows = []
    for rid, rec in _vocab(kind).records.items():
        row: dict[str, Any] = {
            "id": rid,
            "kind": kind,
            "parent": rec.get("parent"),
            "tsdc": list(rec.get("tsdc", [])),
            "label_en": label(rid, "en"),
            "label_fr": label(rid, "fr"),
        }
        if kind == "process":
            mats = compatible_materials(rid)
            row["compatible_materials"] = sorted(mats) if mats is not None else None
        rows.append(row)
    return rows
