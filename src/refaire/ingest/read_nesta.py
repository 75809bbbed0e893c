"""Reader for Nesta's 2015 survey of UK makerspaces (nesta-uk/UK-makerspaces, CC BY-SA 4.0).

One CSV row per space, 117 columns; the tools are free-text lists, one column per
category ("Woodwork", "Digital fabrication", "Electronics", ...), written by hand with
bullets, commas, counts ("x2", "(x15)", "6 x"), sizes ("(A3)", "1200 x 1500mm bed") and
prose. Each listed tool becomes an Equipment keeping its original text; prose is read
only for capabilities, marked inferred. The file is not UTF-8 (Windows-1252 with a few
bytes from elsewhere) and uses old Mac line ends inside quoted fields.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from refaire.ingest.base import Reader, ReadResult, one_entry, register
from refaire.ingest.decode import csv_rows, decode_text
from refaire.ingest.facility_normalise import (
    MATERIAL,
    PROCESS,
    add_caps,
    clean_name,
    enrich_equipment,
    facility_key,
    finish_facility,
    first_text,
    resolve_caps,
    set_sizes,
)
from refaire.model import Equipment, Facility, Problem

FORMAT = "nesta-csv"
TOOL_COLUMNS = (
    "Tools and equipment (unsorted list)",
    "General workshop equipment",
    "General Hand tools (manual)",
    "General Hand tools (powered)",
    "General workshop (bench mounted/freestanding tools)",
    "Woodwork",
    "Metalwork",
    "Fine metalwork (e.g. jewellery)",
    "Fabrics",
    "Ceramics",
    "Plastics",
    "Glass",
    "Painting and graphic arts",
    "Print making",
    "Photography and film making",
    "Science, Synthetic Bio, Chemistry",
    "Computing",
    "Digital fabrication",
    "Electronics",
    "Audio and music",
    "Sculpture",
    "Construction and architecture",
    "Display",
    "Project documentation",
)
PROSE_COLUMNS = ("Does your space specialise in any tools or technologies?",)

# Survey answers that are not tools.
_NON_TOOL = re.compile(
    r"^(yes|no|none|n/?a|meh|tbc|etc|misc|see above|as above|not really|various|not yet|"
    r"this is on our roadmap|token offering)\W*$",
    re.I,
)
# A tool someone does not have, or plans to have, must not become a capability.
_NEGATED = re.compile(
    r"\b(not|no longer|don'?t|do not|none|may|might|plan(?:ned|s)?|roadmap|hope|future|"
    r"wish|tbc|would like|looking for|on order|elsewhere|another unit)\b",
    re.I,
)
_BULLET = re.compile(r"^\s*(?:[*\-•·‚–]+|\d+[.)])\s+")
_QTY_LEAD = re.compile(r"^(\d{1,3})\s*x\s+", re.I)
# 'Oscilloscope x3', 'Multimeters (x15)', 'Ultimaker 2 (2x)', 'Bench grinder x2 (...)';
# not the 'x24' of 'Roland gx24' nor the 'x 1500mm' of a size.
_QTY_TAIL = re.compile(r"\s*\(?\s*(?<![\d.x])(\d{1,3})\s*x\s*!?\s*\)?\s*$", re.I)
_QTY_X = re.compile(r"\s*\(?(?<![a-z0-9])x\s*(\d{1,3})\b(?!\s*(?:mm|cm|m|ft)\b)\s*!?\)?", re.I)
_QTY_PLURAL = re.compile(r"^(\d{1,2})\s+(?=\D.*s$)")
_DIMS = re.compile(
    r"\d[\d.,]*\s*(?:mm|cm|m)?\s*[x×]\s*\d[\d.,]*\s*(?:mm|cm|m)?"
    r"(?:\s*[x×]\s*\d[\d.,]*\s*(?:mm|cm|m)?)?",
    re.I,
)
_PAPER = re.compile(r"\(([^()]*\bA[0-6]\b[^()]*)\)")
_WATTS = re.compile(r"\b(\d{2,4})\s*w(?:att)?s?\b", re.I)
PROSE_WORDS = 12
# Pronouns and auxiliaries: a list item names a tool, a sentence talks about the space.
_SENTENCE = re.compile(
    r"\b(we|our|us|they|their|you|it|is|are|was|were|has|have|can|will|please|believe)\b", re.I
)


def sniff(name: str, head: bytes) -> float:
    return 0.95 if b"Name of makerspace" in head[:4096] else 0.0


def split_items(text: str) -> list[str]:
    """The tools of one free-text list: one per line, commas split unless in brackets."""
    items: list[str] = []
    for raw in re.split(r"[\r\n]+", text):
        line = _BULLET.sub("", raw).strip()
        if not line or line.startswith("[") or line.endswith(":"):
            continue
        depth, start = 0, 0
        parts = []
        for i, ch in enumerate(line):
            depth += ch == "("
            depth -= ch == ")"
            if ch == "," and depth <= 0 and not line[i + 1 : i + 4].strip().isdigit():
                parts.append(line[start:i])
                start = i + 1
        parts.append(line[start:])
        # A list has short parts; a long line with long parts is a sentence: kept whole.
        if len(line.split()) > PROSE_WORDS and max(len(p.split()) for p in parts) > 8:
            parts = [line]
        items.extend(p.strip(" .;") for p in parts if p.strip(" .;"))
    return items


def _quantity(text: str) -> tuple[int, str]:
    for pattern in (_QTY_LEAD, _QTY_PLURAL):
        m = pattern.match(text)
        if m:
            return max(1, int(m.group(1))), text[m.end() :].strip()
    for pattern in (_QTY_TAIL, _QTY_X):
        m = pattern.search(text)
        if m and m.start() > 0:
            rest = (text[: m.start()] + " " + text[m.end() :]).strip(" -–")
            return max(1, int(m.group(1))), " ".join(rest.split())
    return 1, text


def equipment_from_item(item: str, category: str | None = None) -> Equipment | None:
    """An Equipment for one listed tool, or None for survey answers and negated tools."""
    from refaire.vocab.dimensions import parse_dimensions

    if _NON_TOOL.match(item) or _NEGATED.search(item) or item.startswith(("http", "www.")):
        return None
    quantity, name = _quantity(item)
    eq = Equipment(equipment_type=name, quantity=quantity, text=item)
    if category:
        eq.extra["category"] = category
    m = _DIMS.search(name)
    dims = None
    if m:
        # '2,500mm' is a thousands separator here, not a decimal comma.
        dims = parse_dimensions(re.sub(r"(\d),(\d{3})\b", r"\1\2", m.group(0)))
    if dims is None and (p := _PAPER.search(name)):
        dims = parse_dimensions(re.search(r"\bA[0-6]\b", p.group(1)).group(0))
    if dims:
        set_sizes(eq, build_volume=list(dims))
    if (w := _WATTS.search(name)) and "laser" in name.lower():
        eq.laser_power_w = float(w.group(1))
    eq.processes = resolve_caps(name, PROCESS, origin="stated")
    eq.materials = resolve_caps(name, MATERIAL, origin="stated")
    return enrich_equipment(eq)


_MONEY = re.compile(r"[£€$]\s*\d")
# a tariff line rather than a machine: "X Small under 30 min = £5", "e.g. 1:45 print = £17.50"
_TARIFF = re.compile(r"=|^e\.?g\.?\b|^(x\s*)?(small|medium|large)\b|^\W*$", re.IGNORECASE)


def split_price(item: str) -> tuple[str, str | None]:
    """(the machine's name, its price text) of a listed tool whose price is written after
    it: "Epilog Zing (406x305mm) (£1/min)" → ("Epilog Zing (406x305mm)", "£1/min")."""
    money = _MONEY.search(item)
    if money is None:
        return item, None
    cut = money.start()
    opened = item.rfind("(", 0, cut)
    if opened != -1 and item.find(")", opened, cut) == -1:
        cut = opened  # the price is inside brackets: cut before them
    name = item[:cut].rstrip(" -–=:,/(")
    price = item[cut:].strip()
    if price.startswith("(") and price.endswith(")"):
        price = price[1:-1].strip()
    return name, price or None


def tools_to_equipment(
    text: str, category: str | None = None, prices: list[str] | None = None
) -> tuple[list[Equipment], list[str]]:
    """Equipment for the tools of a list, and the prose lines that are not single tools.

    A price written after a machine's name is kept apart (`extra["price"]`), not in its
    name; a line that is only a tariff goes to `prices` when given (else it is prose).
    """
    equipment, prose = [], []
    for item in split_items(text):
        name, price = split_price(item)
        if price is not None and _TARIFF.search(name):
            (prices if prices is not None else prose).append(item)
            continue
        if len(name.split()) > PROSE_WORDS or _SENTENCE.search(name):
            prose.append(item)
            continue
        eq = equipment_from_item(name, category)
        if eq is not None:
            if price is not None:
                eq.extra["price"] = price
            equipment.append(eq)
    return equipment, prose


def prose_capabilities(facility: Facility, texts: list[str]) -> None:
    """Capabilities read from sentences: inferred, and never from a negated sentence."""
    for text in texts:
        for sentence in re.split(r"(?<=[.!?])\s+|[\r\n]+", text):
            if sentence.strip() and not _NEGATED.search(sentence):
                add_caps(facility.processes, resolve_caps(sentence, PROCESS, origin="inferred"))


def _row(source: str, line: int, row: dict[str, str], result: ReadResult) -> Facility | None:
    def col(name: str) -> str | None:
        return first_text(row.get(name))

    name = clean_name(col("Name of makerspace"))
    if not name:
        if any(v.strip() for k, v in row.items() if k != "cluster type by size" and v):
            result.problems.append(
                Problem(source, "error", "Name of makerspace", "row without a name; skipped", line)
            )
            result.rejected += 1
        return None
    address: dict[str, str] = {"country": "GB"}
    if col("Address"):
        address["street"] = ", ".join(
            p.strip() for p in re.split(r"[\r\n]+", col("Address")) if p.strip()
        )
    for key, column in (("postal_code", "Postcode"), ("locality", "Area"), ("region", "Region")):
        if col(column):
            address[key] = col(column)
    status = "active"
    if col("Date your space closed (if it is no longer running)"):
        status = "closed"
        if "relocat" in (col("If closed:") or "").lower():
            status = "active"
    extra: dict[str, Any] = {}
    for key, column in (
        ("twitter", "Twitter"),
        ("facebook", "Facebook"),
        ("phone", "Phone number"),
        ("floor_space_m2", "Floor space (sq m)"),
        ("opened", "Date your space opened (or plans to open)"),
        ("closed", "Date your space closed (if it is no longer running)"),
        ("members", "Current membership or userbase"),
        ("survey_date", "Timestamp"),
    ):
        if col(column):
            extra[key] = col(column)
    pricing = {}
    if col("Please tell us about your membership fees"):
        pricing["membership"] = col("Please tell us about your membership fees")
    facility = Facility(
        key=facility_key(FORMAT, name),
        name=name,
        status=status,
        access_type=col("What access do people have to the space?"),
        kind="makerspace",
        address=address,
        country="GB",
        city=address.get("locality"),
        url=col("Website / URL"),
        email=col("Email address"),
        owner=col("Who owns or hosts your physical space?"),
        pricing=pricing,
        extra=extra,
    )
    prose: list[str] = []
    prices: list[str] = []
    for column in TOOL_COLUMNS:
        if (col(column) or "").lower().strip(" .!") == "yes":
            # 'Woodwork: Yes' claims the practice, not a machine: a weaker, inferred claim.
            add_caps(facility.processes, resolve_caps(column, PROCESS, origin="inferred"))
        elif col(column):
            equipment, rest = tools_to_equipment(col(column), column, prices)
            facility.equipment.extend(equipment)
            prose.extend(rest)
    prose.extend(t for t in (col(c) for c in PROSE_COLUMNS) if t)
    prose_capabilities(facility, prose)
    for item in split_items(col("Types of materials used in the space") or ""):
        add_caps(facility.materials, resolve_caps(item, MATERIAL, origin="stated"))
    facility.extra["line"] = line
    if prices:
        facility.extra["prices"] = prices  # tariff lines found among the tools
    return finish_facility(facility, source, FORMAT)


# Bytes of this survey export that Windows-1252 leaves undefined or reads as the wrong
# sign, each identified from its contexts in the file: "Frederick\x90s Place", "lab\xdb
# for free", "\r\x82 Open access", "Impact Driver 1\xd62\"", "18\xee diam", "Lots of \xb4em".
# The inch mark (0xEE) becomes ” rather than an ASCII quote, which would end a CSV cell.
_EXPORT_BYTES = {0x90: "’", 0xDB: "…", 0x82: "•", 0xD6: "/", 0xEE: "”", 0xB4: "‘"}
_EXPORT_TABLE = {
    b: _EXPORT_BYTES.get(b) or bytes([b]).decode("cp1252", errors="replace")
    for b in range(0x80, 0x100)
}


def decode_export(source: str, data: bytes) -> tuple[str, list[Problem]]:
    """UTF-8 when it is; else Windows-1252 with the export's own bytes read as above."""
    text, problems = decode_text(source, data)
    if not problems:
        return text, problems
    text = data.decode("latin-1").translate(_EXPORT_TABLE)
    line = problems[0].line
    message = "not valid UTF-8: read as Windows-1252, with this export's own bytes for " + (
        " ".join(sorted(set(_EXPORT_BYTES.values())))
    )
    return text, [Problem(source, "warning", None, message, line)]


def read(source: str, data: bytes) -> ReadResult:
    text, problems = decode_export(source, data)
    result = ReadResult(problems=problems)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        result.problems.append(Problem(source, "error", None, f"no CSV header: {exc}", 1))
        return result
    if "Name of makerspace" not in header:
        result.skipped, result.skip_reason = True, "no 'Name of makerspace' column"
        return result
    for line, cells in csv_rows(reader, source, result.problems):
        row = dict(zip(header, cells, strict=False))
        with one_entry(result, source, f"row {line}", line=line):
            facility = _row(source, line, row, result)
            if facility is not None:
                result.facilities.append(facility)
    return result


register(Reader(format=FORMAT, kind="facility", sniff=sniff, read=read))
