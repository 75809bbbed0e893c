"""Field normalisers for OKH records: each reads canonical keys, records notes and warnings.

Every change to an input value is recorded as a `Note(field, original, value, rule)`;
every value that cannot be used becomes a warning `Problem` and is left out. The
vocabulary modules (`refaire.vocab.*`) are imported when first used, so that the
reader registry stays importable on its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from refaire.ingest.okh_values import (
    UNIT_MM,
    dedupe,
    fmt_number,
    is_placeholder,
    number,
    parse_openscad,
    scalar_text,
    text_items,
)
from refaire.model import Dimensions, Licence, Note, Part, Problem
from refaire.vocab.cpc import sectors_for_cpc
from refaire.vocab.sectors import infer_sectors


@dataclass(slots=True)
class Ctx:
    """What one manifest's normalisation has to say: notes and located problems."""

    source: str
    notes: list[Note] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def note(self, fld: str, original: Any, value: Any, rule: str) -> None:
        self.notes.append(Note(fld, str(original), str(value), rule))

    def warn(self, fld: str | None, message: str) -> None:
        self.problems.append(Problem(self.source, "warning", fld, message))

    def error(self, fld: str | None, message: str) -> None:
        self.problems.append(Problem(self.source, "error", fld, message))


def _usable(ctx: Ctx, fld: str, text: str) -> bool:
    if is_placeholder(text):
        ctx.warn(fld, f"template placeholder {text.strip()!r} treated as absent")
        return False
    return True


def text(ctx: Ctx, fld: str, value: Any) -> str | None:
    """One text value: trimmed (noted), placeholders dropped (warned)."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    raw = scalar_text(value)
    if raw is None:
        if isinstance(value, dict | list) and value:
            ctx.warn(fld, f"expected a text, got {type(value).__name__}; ignored")
        return None
    cleaned = raw.strip()
    if not cleaned or not _usable(ctx, fld, cleaned):
        return None
    if cleaned != raw:
        ctx.note(fld, raw, cleaned, "trimmed")
    return cleaned


def texts(ctx: Ctx, fld: str, value: Any) -> list[str]:
    """A list of texts (paths, keywords…): trimmed, placeholders dropped, duplicates removed."""
    out = []
    for raw in text_items(value):
        cleaned = raw.strip()
        if cleaned and _usable(ctx, fld, cleaned):
            out.append(cleaned)
    return dedupe(out)


def names(ctx: Ctx, fld: str, value: Any) -> str | None:
    """A person or organisation: text, list, or v1 ``{name, affiliation}``; joined by "; ".

    A table's `name` wins over its `url` (OHM's ``{"name": …, "url": …}``): an
    organisation is stored by its name, never by its web address.
    """
    listed = value if isinstance(value, list) else [value] if isinstance(value, dict) else value
    if isinstance(listed, list):
        listed = [
            item["name"] if isinstance(item, dict) and scalar_text(item.get("name")) else item
            for item in listed
        ]
    items = text_items(listed)
    kept = []
    for raw in items:
        cleaned = raw.strip()
        # the converted Appropedia corpus writes "." for an unknown author and
        # ". Name" when the name field started empty
        stripped = cleaned.lstrip(". ").strip() if cleaned.startswith(".") else cleaned
        if stripped != cleaned:
            ctx.note(fld, cleaned, stripped, "punctuation-stripped")
        if stripped and _usable(ctx, fld, stripped):
            kept.append(stripped)
    return "; ".join(dedupe(kept)) or None


# ---- vocabulary-backed fields ------------------------------------------------------


def licence(ctx: Ctx, fld: str, value: Any) -> Licence | None:
    raw = text(ctx, fld, value)
    if raw is None:
        return None
    from refaire.vocab.licences import normalise_licence

    lic = normalise_licence(raw)
    if lic.original is not None:
        ctx.note(fld, lic.original, lic.expression, "spdx")
    if lic.openness == "unknown":
        ctx.warn(fld, f"licence {raw!r} not recognised as an SPDX licence")
    return lic


def languages(ctx: Ctx, fld: str, value: Any) -> list[str]:
    from refaire.vocab.languages import normalise_language

    out = []
    for raw in texts(ctx, fld, value):
        tag = normalise_language(raw)
        if tag is None:
            ctx.warn(fld, f"language {raw!r} not recognised (expected a BCP-47 tag such as en-GB)")
            continue
        if tag != raw:
            ctx.note(fld, raw, tag, "bcp47")
        out.append(tag)
    return dedupe(out)


def _level(result: Any) -> tuple[str | None, str | None]:
    # the readiness functions return (level, rule); accept a bare level too
    if isinstance(result, tuple):
        return result[0], result[1] if len(result) > 1 else None
    return result, None


def readiness(ctx: Ctx, fld: str, value: Any, kind: str) -> str | None:
    """``kind``: "technology", "documentation" or "stage" (v1 development-stage)."""
    raw = text(ctx, fld, value)
    if raw is None:
        return None
    from refaire.vocab import readiness as r

    fn = {
        "technology": r.normalise_technology_readiness,
        "documentation": r.normalise_documentation_readiness,
        "stage": r.readiness_from_development_stage,
    }[kind]
    level, rule = _level(fn(raw))
    if level is None:
        ctx.warn(fld, f"readiness {raw!r} not recognised")
        return None
    if rule is not None or level != raw:
        ctx.note(fld, raw, level, rule or "normalised")
    return level


def cpc_codes(ctx: Ctx, fld: str, value: Any) -> list[str]:
    from refaire.vocab.cpc import clean_cpc

    out = []
    for raw in texts(ctx, fld, value):
        code = clean_cpc(raw)
        if code is None:
            ctx.warn(fld, f"CPC class {raw!r} not recognised")
            continue
        if code != raw:
            ctx.note(fld, raw, code, "cpc-cleaned")
        out.append(code)
    return dedupe(out)


MIN_SECTOR_CONFIDENCE = 0.5


def sectors(ctx: Ctx, cpc: list[str], text_for_inference: str) -> list[str]:
    """Sectors from CPC classes; without CPC, inferred from text and marked in notes."""
    if cpc:
        return dedupe([s for code in cpc for s in sectors_for_cpc(code)])
    if not text_for_inference.strip():
        return []
    out = []
    excerpt = " ".join(text_for_inference.split())[:160]
    for sector, confidence in infer_sectors(text_for_inference):
        # weak evidence (a word in passing) would put most designs in many sectors
        if sector in out or confidence < MIN_SECTOR_CONFIDENCE:
            continue
        out.append(sector)
        ctx.note("sectors", excerpt, f"{sector} (confidence {confidence:.2f})", "inferred")
    return out


def tsdc_codes(ctx: Ctx, fld: str, value: Any) -> list[str]:
    out = []
    for raw in texts(ctx, fld, value):
        code = raw.upper()
        if code != raw:
            ctx.note(fld, raw, code, "upper-cased")
        out.append(code)
    return dedupe(out)


def capabilities(ctx: Ctx, fld: str, value: Any, kind: str) -> list[str]:
    """Process or material vocabulary ids for free texts (``FDM``, ``PLA``, ``wood``)."""
    from refaire.vocab.capabilities import resolve

    out = []
    for raw in texts(ctx, fld, value):
        found = resolve(raw, kind=kind)
        if not found:
            ctx.warn(fld, f"{kind} {raw!r} not in the capability vocabulary")
            continue
        ids = dedupe([r.id for r in found])
        if ids != [raw]:
            rules = ", ".join(dedupe([str(r.rule) for r in found]))
            ctx.note(fld, raw, ", ".join(ids), rules or "resolved")
        out.extend(ids)
    return dedupe(out)


def processes_for(tsdc: list[str]) -> list[str]:
    from refaire.vocab.capabilities import processes_for_tsdc

    return dedupe([p for code in tsdc for p in processes_for_tsdc(code)])


# ---- sizes, dates ------------------------------------------------------------------

_SIZE_KEYS = {"width": "width", "widht": "width", "depth": "depth", "height": "height"}
_SIZE_ALIASES = {"length": "depth", "lenght": "depth", "hight": "height", "heigth": "height"}


def dimensions(ctx: Ctx, fld: str, value: Any, unit_value: Any = None) -> Dimensions | None:
    """Outer size in mm from a table (width/depth/height, unit) or an openSCAD string."""
    if value is None:
        return None
    unit = scalar_text(unit_value)
    source = "stated"
    if isinstance(value, dict):
        table = {str(k).strip().lower(): v for k, v in value.items()}
        unit = scalar_text(table.get("unit")) or unit
        scad = table.get("openscad") or table.get("open-scad")
        value = scad if scad is not None else table
    if isinstance(value, str):
        if is_placeholder(value):
            ctx.warn(fld, f"template placeholder {value!r} treated as absent")
            return None
        parsed = parse_openscad(value)
        if parsed is None:
            ctx.warn(
                fld, f"outer dimensions {value!r} not readable (expected cube(size = [w,d,h]))"
            )
            return None
        size, source = (parsed.width, parsed.depth, parsed.height), "openscad"
        shown = " x ".join(fmt_number(x) for x in size)
        ctx.note(fld, value, shown, "openscad-repaired" if parsed.repaired else "openscad")
    elif isinstance(value, dict):
        got: dict[str, float | None] = {}
        for key, raw in value.items():
            target = _SIZE_KEYS.get(key) or _SIZE_ALIASES.get(key)
            if target is None:
                continue
            if key != target:
                ctx.note(fld, key, target, "key-typo")
            got[target] = number(raw)
        if not got:
            return None
        if any(got.get(k) is None for k in ("width", "depth", "height")):
            ctx.warn(fld, f"outer dimensions incomplete or not numeric: {value!r}")
            return None
        size = (got["width"], got["depth"], got["height"])
    else:
        ctx.warn(fld, f"outer dimensions of unexpected type {type(value).__name__}")
        return None
    if any(x is None or x <= 0 for x in size):
        ctx.warn(
            fld, "outer dimensions are zero or negative (unfilled template?): treated as absent"
        )
        return None
    factor = UNIT_MM.get((unit or "mm").strip().lower())
    if factor is None:
        ctx.warn(fld, f"unit {unit!r} not understood (mm, cm, m, in): dimensions ignored")
        return None
    w, d, h = (float(x) * factor for x in size)  # type: ignore[operator]
    if factor != 1.0:
        ctx.note(
            fld,
            f"{size} {unit}",
            f"{fmt_number(w)} x {fmt_number(d)} x {fmt_number(h)} mm",
            "unit-converted",
        )
    return Dimensions(w, d, h, source=source)  # type: ignore[arg-type]


def mass_grams(ctx: Ctx, fld: str, value: Any) -> float | None:
    """Mass in grams from ``{value, unit}`` or a bare number (grams, as the LOSH spec says)."""
    unit = "g"
    if isinstance(value, dict):
        unit = scalar_text(value.get("unit")) or "g"
        value = value.get("value")
    grams = number(value)
    if grams is None:
        return None
    factor = {"g": 1.0, "kg": 1000.0, "mg": 0.001}.get(unit.strip().lower())
    if factor is None:
        ctx.warn(fld, f"mass unit {unit!r} not understood")
        return None
    if grams <= 0:
        ctx.warn(fld, "mass is zero or negative (unfilled template?): treated as absent")
        return None
    return grams * factor


def epoch_time(ctx: Ctx, fld: str, value: Any) -> str | None:
    """The converted corpus's ``timestamp`` (Unix seconds) as an ISO UTC time."""
    secs = number(value)
    if secs is None:
        return None
    iso = dt.datetime.fromtimestamp(secs, tz=dt.UTC).isoformat()
    ctx.note(fld, value, iso, "epoch-seconds")
    return iso


# ---- parts -------------------------------------------------------------------------


def size_kept_as_text(
    ctx: Ctx, fld: str, size: Dimensions | None, raw_size: Any, unit_value: Any
) -> str | None:
    """A size the reader could not read as millimetres, as the source wrote it (with its
    unit): unread, not lost — kept beside the warning `dimensions` already gave, with a
    note. None when the size was read, absent, or a template placeholder."""
    if size is not None or raw_size in (None, "", {}, []):
        return None
    if isinstance(raw_size, str) and is_placeholder(raw_size):
        return None
    unit = scalar_text(unit_value)
    size_text = (str(raw_size) + (f" {unit}" if unit else ""))[:500]
    ctx.note(fld, size_text, "", "size-kept-as-text")
    return size_text


def part(
    ctx: Ctx, fld: str, rec: dict[str, Any], manifest: str | None = None, depth: int = 0
) -> Part | None:
    """One part from a canonical part record (inline ``[[part]]``, legacy POSH, stand-alone)."""
    name = text(ctx, f"{fld}.name", rec.get("name"))
    if name is None and rec.get("_section"):
        name = str(rec["_section"])
        ctx.note(f"{fld}.name", "", name, "section-name")
    if name is None:
        ctx.warn(fld, "part without a name: ignored")
        return None
    tsdc = tsdc_codes(ctx, f"{fld}.tsdc", rec.get("tsdc"))
    # a stated process (printing-process = "FDM") is what the part needs; the TsDC code
    # only names a family (3DP: any 3D printing), used when nothing more precise is said
    processes = capabilities(ctx, f"{fld}.processes", rec.get("process"), "process")
    if not processes:
        processes = processes_for(tsdc)
    quantity = number(rec.get("quantity"))
    images = texts(ctx, f"{fld}.image", rec.get("image"))
    size = dimensions(
        ctx, f"{fld}.dimensions", rec.get("outer-dimensions"), rec.get("outer-dimensions-unit")
    )
    size_text = size_kept_as_text(
        ctx,
        f"{fld}.dimensions",
        size,
        rec.get("outer-dimensions"),
        rec.get("outer-dimensions-unit"),
    )
    return Part(
        name=name,
        processes=dedupe(processes),
        materials=capabilities(ctx, f"{fld}.materials", rec.get("material"), "material"),
        tsdc=tsdc,
        sources=texts(ctx, f"{fld}.source", rec.get("source")),
        exports=texts(ctx, f"{fld}.export", rec.get("export")),
        dimensions=size,
        dimensions_text=size_text,
        quantity=int(quantity) if quantity and quantity >= 1 else 1,
        mass_g=mass_grams(ctx, f"{fld}.mass", rec.get("mass")),
        manifest=manifest or text(ctx, f"{fld}.manifest", rec.get("manifest")),
        image=images[0] if images else None,
        sub_parts=_sub_parts(ctx, fld, rec, depth),
    )


# Nesting deeper than this is refused with a warning: a manifest cannot make the reader
# recurse without end.
MAX_PART_DEPTH = 8
SUB_PART_KEYS = ("sub-parts", "subparts", "sub_parts", "part", "parts")


def _sub_parts(ctx: Ctx, fld: str, rec: dict[str, Any], depth: int) -> list[Part]:
    """The parts nested in a part record, read as parts themselves (kept, not lost)."""
    out: list[Part] = []
    for key in SUB_PART_KEYS:
        value = rec.get(key)
        if value in (None, "", [], {}):
            continue
        if depth >= MAX_PART_DEPTH:
            ctx.warn(f"{fld}.{key}", f"parts nested deeper than {MAX_PART_DEPTH}: not read")
            continue
        items = value if isinstance(value, list) else [value]
        for i, sub in enumerate(items):
            where = f"{fld}.sub_parts[{len(out)}]"
            if isinstance(sub, str) and sub.strip():
                out.append(Part(name=sub.strip()[:500]))  # a sub-part named only
            elif isinstance(sub, dict):
                found = part(ctx, where, sub, depth=depth + 1)
                if found is not None:
                    out.append(found)
            else:
                ctx.warn(f"{fld}.{key}[{i}]", f"sub-part of type {type(sub).__name__}: ignored")
    return out
