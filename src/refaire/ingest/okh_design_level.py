"""What a manifest states about the design as a whole: processes, tools, display name.

- A design-level list of processes (OKH's ``manufacturing-processes``, OHM's
  ``manufacturing_processes``, a top-level ``manufacturing-process``) and OKH v1's
  ``tool-list`` are requirements of the design, read even when parts state processes and
  kept apart from them (`DesignRequirement`, level "design"): matching uses them when
  no part says what it needs. Each entry goes through the capability resolver; OHM's
  TsDC-like codes (``LASER``, ``SHEET``…) are mapped first; an entry nothing understands
  is kept as text and warned, never silently dropped.
- A name written as a wiki slug (Appropedia's ``Cold_Cathode_Fluorescent_Lamps``) or
  wrapped in literal quotes is normalised for display; the original is kept on the
  design and the change is a normalisation note.
"""

from __future__ import annotations

import re
from typing import Any

from refaire.ingest import okh_fields as f
from refaire.model import DesignRequirement

# OHM (Open Hardware Manufacturing) OKH JSON codes that are not TsDC family codes, or
# are TsDC codes spelled out; TsDC's own (3DP, CNC, LAS, PCB, WEL, ASM…) go through
# `processes_for_tsdc`. Verified against the capability vocabulary by a test.
OHM_PROCESS_CODES: dict[str, str] = {
    "LASER": "laser-cutting",
    "LASER-CUTTING": "laser-cutting",
    "SHEET": "sheet-metal-forming",
    "SHEET-METAL": "sheet-metal-forming",
    "BEND": "sheet-metal-forming",
    "WELD": "welding",
    "WELDING": "welding",
    "MILL": "cnc-milling",
    "MILLING": "cnc-milling",
    "ROUTER": "cnc-routing",
    "LATHE": "turning",
    "TURN": "turning",
    "TURNING": "turning",
    "SOLDER": "soldering",
    "SOLDERING": "soldering",
    "CAST": "casting",
    "CASTING": "casting",
    "MOLD": "injection-molding",
    "MOULD": "injection-molding",
    "INJECTION": "injection-molding",
    "SEW": "sewing",
    "SEWING": "sewing",
    "ASSEMBLY": "assembly",
    "FDM": "fdm",
    "SLA": "sla",
    "SLS": "sls",
}
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{1,20}$")
STATED_CONFIDENCE = 0.8
MIN_CONFIDENCE = 0.5


def process_code(text: str) -> tuple[str, str] | None:
    """(process id, rule) for an OHM or TsDC process code ("LASER", "SHEET", "3DP"), else
    None. Shared by the design readers and the OKW facility reader."""
    from refaire.vocab.capabilities import processes_for_tsdc

    if not isinstance(text, str) or not _CODE.match(text.strip()):
        return None
    code = text.strip().upper().replace(" ", "-")
    if code in OHM_PROCESS_CODES:
        return OHM_PROCESS_CODES[code], f"process code {code}"
    tsdc = processes_for_tsdc(code)
    return (tsdc[0], f"tsdc {code}") if tsdc else None


def _resolve(ctx: f.Ctx, fld: str, kind: str, text: str) -> list[DesignRequirement]:
    from refaire.vocab.capabilities import resolve

    coded = process_code(text)
    if coded is not None:
        return [DesignRequirement(kind, text, coded[0], "stated", coded[1])]
    out = []
    for r in resolve(text, kind="process"):
        if r.confidence < MIN_CONFIDENCE:
            continue
        # A process list states processes; a tool names a machine, from which the process
        # is read: stated only when the resolver is as sure as for a stated field.
        stated = r.confidence >= STATED_CONFIDENCE and not str(r.rule).startswith("catalogue")
        origin = "stated" if stated else "inferred"
        out.append(DesignRequirement(kind, text, r.id, origin, str(r.rule), round(r.confidence, 3)))
    if not out:
        ctx.warn(fld, f"design-level {kind} {text!r} not understood: kept as text, not matched")
        return [DesignRequirement(kind, text, None, "stated", None, 0.0)]
    return out


def design_requirements(ctx: f.Ctx, rec: dict[str, Any]) -> list[DesignRequirement]:
    """The design-level processes and tools of a canonical record (rules above)."""
    out: list[DesignRequirement] = []
    for key in ("manufacturing-processes", "process"):
        for i, text in enumerate(f.texts(ctx, key, rec.get(key))):
            out += _resolve(ctx, f"{key}[{i}]", "process", text)
    for i, text in enumerate(f.texts(ctx, "tool-list", rec.get("tool-list"))):
        if text.startswith(("http://", "https://")):
            # a link to a list kept elsewhere: nothing to resolve here
            out.append(DesignRequirement("tool", text, None, "stated", "link", 0.0))
            continue
        out += _resolve(ctx, f"tool-list[{i}]", "tool", text)
    seen: set[tuple[str, str | None, str]] = set()
    unique = []
    for r in out:
        if (r.kind, r.id, r.text) not in seen:
            seen.add((r.kind, r.id, r.text))
            unique.append(r)
    return unique


_SLUG = re.compile(r"^[^\s_]+(?:_[^\s_]+)+$")
_QUOTES = (('"', '"'), ("'", "'"), ("“", "”"), ("«", "»"), ("‘", "’"), ("„", "“"))


def display_name(ctx: f.Ctx, name: str) -> tuple[str, str | None]:
    """(name to show, the original when it was changed): slugs and quotes undone, noted."""
    shown = name
    for left, right in _QUOTES:
        if len(shown) > 2 and shown.startswith(left) and shown.endswith(right):
            inner = shown[len(left) : -len(right)].strip()
            if inner and left not in inner:
                ctx.note("name", shown, inner, "quotes-removed")
                shown = inner
                break
    if _SLUG.match(shown):
        spaced = shown.replace("_", " ")
        ctx.note("name", shown, spaced, "wiki-slug")
        shown = spaced
    return shown, (name if shown != name else None)


_TRL = re.compile(r"^\s*(?:nasa[\s_-]*)?trl[\s_-]*([1-9])\s*$", re.I)


def nasa_trl(ctx: f.Ctx | None, *values: Any) -> str | None:
    """ "TRL-n" for the first value written as a NASA TRL ("TRL 6", "trl6", "NASA TRL 4"),
    or a bare 1–9 under a `trl` key; None otherwise. Noted: the open-hardware OTRL is
    another scale, so a TRL is kept as its own field, not relabelled (nor called a typo).
    """
    for i, value in enumerate(values):
        text = str(value).strip() if isinstance(value, str | int) and value is not True else ""
        m = _TRL.match(text)
        if m is None and i == 0 and text.isdigit() and 1 <= int(text) <= 9:
            m = re.match(r"(\d)", text)  # the `trl` key itself says which scale
        if m is not None:
            level = f"TRL-{m.group(1)}"
            if ctx is not None:
                ctx.note("trl", text, level, "nasa-trl-kept-apart-from-otrl")
            return level
    return None
