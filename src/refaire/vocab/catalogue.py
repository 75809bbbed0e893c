"""The machine catalogue: 3D printers and laser cutters by brand and model.

Data: `data/machines_3d_printers.csv` and `data/machines_laser.csv`, copied from
iop-alliance/okw_machines_catalog (CC0-1.0, see `data/machines_SOURCE.txt`). Rows are read
once; technology and material names go through the capability resolver so that a machine
carries vocabulary ids ("FDM (Fused Deposition Modeling)" -> fdm, "PA12 Nylon" -> nylon).
Lookups tolerate case, punctuation, a brand repeated in the model string and the
"Original" prefix ("Prusa i3 MK3S+" finds "Original Prusa i3 MK3S+").
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from refaire.vocab._text import catalogue_tokens
from refaire.vocab.dimensions import parse_dimensions

_FILES = (("machines_3d_printers.csv", "3d-printing"), ("machines_laser.csv", "laser-cutting"))
# "PLA, ABS, Nylon and +2 materials": the web UI's "and N more" counter, not a material.
_MORE = re.compile(r"\s*and\s*\+\s*\d+\s*materials?\s*$", re.I)
_POWER = re.compile(r"(\d+(?:\.\d+)?)\s*w\b", re.I)
# Words in brand names that do not identify the brand on their own.
_BRAND_NOISE = frozenset(
    {
        "3d",
        "laser",
        "lasers",
        "printing",
        "printer",
        "technology",
        "technologies",
        "inc",
        "ltd",
        "co",
        "gmbh",
        "systems",
        "the",
        "machines",
    }
)
# Model words too common to identify a machine without its brand being named too.
_MODEL_NOISE = frozenset(
    {
        "original",
        "printer",
        "laser",
        "fiber",
        "fibre",
        "cutter",
        "series",
        "extended",
        "desktop",
        "machine",
        "plus",
        "cutting",
        "engraver",
        "marking",
        "metal",
        "resin",
        "industrial",
        "large",
        "format",
        "professional",
        "mini",
        "dual",
        "ultra",
        "smart",
        "speed",
        "print",
        "cube",
        "delta",
        "creator",
        "models",
    }
)


@dataclass(frozen=True)
class MachineModel:
    """One catalogue row, normalised to vocabulary ids and millimetres."""

    brand: str
    model: str
    process: str | None
    technology: str
    materials: tuple[str, ...]
    build_volume_mm: tuple[float, ...] | None
    laser_power_w: float | None
    source_file: str
    source_row: int

    @property
    def name(self) -> str:
        """Brand and model, without repeating a brand the model already names."""
        if not self.brand or self.brand.split()[0].lower() in self.model.lower():
            return self.model
        return f"{self.brand} {self.model}"


def _materials(text: str) -> tuple[str, ...]:
    # Imported here: capabilities reads this catalogue in turn.
    from refaire.vocab.capabilities import resolve_words

    out: list[str] = []
    for part in re.split(r"[,;]", text or ""):
        part = _MORE.sub("", part).strip()
        for rid in resolve_words(part, kind="material"):
            if rid not in out:
                out.append(rid)
    return tuple(out)


def _process(technology: str, default: str) -> str:
    from refaire.vocab.capabilities import resolve_words

    found = resolve_words(technology, kind="process")
    # Several ids ("3DP (3D Printing, Powder Bed ...)") -> the deepest one named.
    found.sort(key=lambda i: -len(_depth(i)))
    return found[0] if found else default


def _depth(pid: str) -> list[str]:
    from refaire.vocab.capabilities import process_ancestors

    return process_ancestors(pid)


def _read(name: str) -> list[dict[str, str]]:
    raw = resources.files("refaire.vocab").joinpath("data", name).read_text("utf-8-sig")
    return list(csv.DictReader(io.StringIO(raw)))


@cache
def models() -> list[MachineModel]:
    """Every machine of the catalogue, printers first, in file order."""
    out: list[MachineModel] = []
    for name, default in _FILES:
        for row_no, row in enumerate(_read(name), start=2):
            row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
            model = row.get("model", "")
            if not model:
                continue
            technology = row.get("technology") or row.get("laser type", "")
            size = row.get("build size") or row.get("working area", "")
            power = _POWER.search(model)
            out.append(
                MachineModel(
                    brand=row.get("brand", ""),
                    model=model,
                    process=_process(technology, default) if default == "3d-printing" else default,
                    technology=technology,
                    materials=_materials(row.get("materials", "")),
                    build_volume_mm=parse_dimensions(size) if size else None,
                    laser_power_w=float(power.group(1)) if power else None,
                    source_file=name,
                    source_row=row_no,
                )
            )
    return out


def _brand_tokens(brand: str) -> list[str]:
    toks = catalogue_tokens(brand)
    return [t for t in toks if t not in _BRAND_NOISE] or toks


def _distinctive(toks: list[str], brand_toks: list[str]) -> bool:
    if any(t in toks for t in brand_toks):
        return True
    return len(toks) >= 2 and any(
        t.isalpha() and len(t) >= 5 and t not in _MODEL_NOISE for t in toks
    )


@dataclass(frozen=True)
class _Key:
    index: int
    needs_brand: bool


@cache
def _index() -> tuple[dict[str, list[_Key]], int, frozenset[str]]:
    index: dict[str, list[_Key]] = {}
    for i, m in enumerate(models()):
        brand = _brand_tokens(m.brand)
        full = [t for t in catalogue_tokens(m.model) if t != "original"]
        short = [t for t in full if t not in brand]
        keys = [(full, not _distinctive(full, brand))]
        if short and short != full:
            keys.append((short, True))
        for toks, needs_brand in keys:
            if toks:
                index.setdefault(" ".join(toks), []).append(_Key(i, needs_brand))
    starts = frozenset(k.split()[0] for k in index)
    return index, max(len(k.split()) for k in index), starts


def _brand_named(m: MachineModel, toks: list[str]) -> bool:
    brand = _brand_tokens(m.brand)
    return bool(brand) and brand[0] in toks


def make_agrees(m: MachineModel, make: str | None) -> bool:
    """Whether a stated make is the catalogue machine's brand (True when none is stated).

    Tolerates a make written with its company suffix or glued to a word ("Creality3D",
    "Prusa Research"): some make word starts with the brand's first word or the reverse.
    """
    make_toks = [t for t in catalogue_tokens(make or "") if t not in _BRAND_NOISE]
    if not make_toks:
        return True
    brand = _brand_tokens(m.brand)
    if not brand:
        return True
    head = brand[0]
    return any(
        t == head or (len(t) >= 4 and len(head) >= 4 and (t.startswith(head) or head.startswith(t)))
        for t in make_toks
    )


def find_in_text(text: str) -> MachineModel | None:
    """The catalogue machine named in a free text ("Ultimaker 2+ 3D printer"), if any."""
    toks = catalogue_tokens(text or "")
    index, max_len, starts = _index()
    all_models = models()
    best: tuple[int, int] | None = None  # (tokens matched, model index)
    i = 0
    while i < len(toks):
        if toks[i] not in starts:
            i += 1
            continue
        for n in range(min(max_len, len(toks) - i), 0, -1):
            keys = index.get(" ".join(toks[i : i + n]))
            ok = [
                k
                for k in keys or ()
                if not k.needs_brand or _brand_named(all_models[k.index], toks)
            ]
            if ok:
                if best is None or n > best[0]:
                    best = (n, ok[0].index)
                break
        i += 1
    return all_models[best[1]] if best else None


def lookup(make: str | None, model: str | None) -> MachineModel | None:
    """The catalogue entry of an equipment record's make and model, tolerant of spelling.

    A stated make vetoes a model of another brand: a "Shapeoko" router whose model is
    written like a Creality printer's is not that printer.
    """
    make_toks = catalogue_tokens(make or "")
    toks = [t for t in catalogue_tokens(model or "") if t != "original"]
    index, _, _ = _index()
    all_models = models()
    candidates = [toks, [t for t in toks if t not in make_toks]]
    if toks and toks[-1] == "plus":
        candidates.append(toks[:-1])  # "MK3S+" when only "MK3S" is catalogued
    for cand in candidates:
        keys = index.get(" ".join(cand)) if cand else None
        if not keys:
            continue
        hits = [all_models[k.index] for k in keys]
        if make_toks:
            branded = [m for m in hits if _brand_named(m, make_toks)]
            if branded:
                return branded[0]
        if len({m.brand.lower() for m in hits}) == 1 and make_agrees(hits[0], make):
            return hits[0]
    if make or model:
        found = find_in_text(f"{make or ''} {model or ''}")
        return found if found is not None and make_agrees(found, make) else None
    return None
