"""Reader for the OSHWA certified-projects CSV: format "oshwa-csv", platform "oshwa".

Each row of the Open Source Hardware Association's list of certified projects (as
published by WeberLab-UW/OSH_Datasets) becomes a *partial* design: name, description,
responsible party (as licensor), country, keywords, project types (as categories),
the hardware / software / documentation licences, the certification date and the
previous versions (lineage). Identity is the OSHWA UID: key ``oshwa:<UID>``.

What the data model has no field for is kept as notes, so nothing is lost and the
observatory can read it back:

- the country: Note(field="country", original=<name as written>, value=<ISO code>,
  rule="oshwa-country");
- the certification date goes to `created` with Note(field="created", rule="oshwa-certified"),
  because the certification is the only date the list gives.

Sectors: the CSV has no CPC class, so sectors are inferred from the project types (a
small mapping, `TYPE_SECTORS`) combined with `infer_sectors` over name, keywords and
description; each is recorded as Note(rule="inferred") with its confidence, like the
OKH readers do. Bad rows (no UID, no name, a row the CSV parser cannot read) are
reported as located errors and the rest of the file goes on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import UTC, datetime

from refaire.ingest.base import Reader, ReadResult, register
from refaire.ingest.decode import first_line
from refaire.model import Design, Licence, Link, Note, Problem, Provenance

FORMAT = "oshwa-csv"
PLATFORM = "oshwa"
REQUIRED = ("oshwaUid", "projectName", "primaryType", "certificationDate", "hardwareLicense")
_UID = re.compile(r"^[A-Z]{2}\d{6}$")
_NULL = {"", "null", "none", "n/a"}
# Below this an inferred sector is a word in passing (same threshold as the OKH readers).
MIN_CONFIDENCE = 0.5

# OSHWA project type -> {sector id: weight}. The types are OSHWA's fixed list; the
# weights say how strongly the type alone points at the sector (text evidence adds up).
# Types that say how a project is made or are given to nearly every project (3D Printing,
# Enclosure, Tool, Manufacturing, Electronics) weigh less than one inference needs
# (0.5): on the tuning half of the labelled designs they made most wrong sections.
TYPE_SECTORS: dict[str, dict[str, float]] = {
    "3D Printing": {"B33": 0.3},
    "Agriculture": {"A01": 0.8},
    "Education": {"G09": 0.5},
    "Electronics": {"H05": 0.4},
    "Enclosure": {"H05": 0.2},
    "Environmental": {"G01": 0.5, "Y02": 0.4},
    "Home Connection": {"H04": 0.5, "G08": 0.4},
    "IOT": {"H04": 0.5},
    "Manufacturing": {"B23": 0.3},
    "Robotics": {"B25": 0.5},
    "Science": {"G01": 0.6},
    "Sound": {"G10": 0.7},
    "Space": {"B64": 0.8},
    "Tool": {"B25": 0.3},
    "Wearables": {"A41": 0.5},
}


def certification_url(uid: str) -> str:
    """The public certification page of an OSHWA UID."""
    return f"https://certification.oshwa.org/{uid.lower()}.html"


def _value(row: dict[str, str], key: str) -> str | None:
    raw = (row.get(key) or "").strip()
    return None if raw.lower() in _NULL else raw


def _list(row: dict[str, str], key: str) -> list[str]:
    """A JSON list as OSHWA writes it (`["a", " b"]`), or Python's repr (`['DE000104']`)."""
    raw = _value(row, key)
    if raw is None:
        return []
    try:
        items = json.loads(raw.replace("'", '"') if raw.startswith("['") else raw)
    except (json.JSONDecodeError, RecursionError):
        items = raw.strip("[]").split(",")
    if not isinstance(items, list):
        items = [items]
    return list(dict.fromkeys(s for s in (str(i).strip().strip("'\"") for i in items) if s))


def _licence(text: str | None, fld: str, notes: list[Note]) -> Licence | None:
    if text is None:
        return None
    from refaire.vocab.licences import normalise_licence

    lic = normalise_licence(text)
    if lic.original is not None:
        notes.append(Note(fld, lic.original, lic.expression, "spdx"))
    return lic


def _date(text: str | None) -> str | None:
    """`2020-05-04T00:00-04:00` -> `2020-05-04` (the day as certified, its own offset)."""
    if text is None:
        return None
    m = re.match(r"^(\d{4}-\d{2}-\d{2})", text)
    return m.group(1) if m else None


def _sectors(types: list[str], text: str, notes: list[Note]) -> list[str]:
    from refaire.vocab.sectors import ranked, sector_evidence, settle, with_sections

    doubt: dict[str, float] = {}
    for t in types:
        for sector, weight in TYPE_SECTORS.get(t, {}).items():
            doubt[sector] = doubt.get(sector, 1.0) * (1.0 - weight)
    for sector, confidence in sector_evidence(text).items():
        doubt[sector] = doubt.get(sector, 1.0) * (1.0 - confidence)
    # types and text combined first, then runner-up sections discounted, as for manifests
    confidence = with_sections({s: min(0.95, 1.0 - d) for s, d in doubt.items()})
    best_first = ranked(settle(confidence))
    excerpt = " ".join([*types, text]).strip()[:160]
    out = []
    for sector, value in best_first:
        if value < MIN_CONFIDENCE:
            continue
        out.append(sector)
        notes.append(Note("sectors", excerpt, f"{sector} (confidence {value:.2f})", "inferred"))
    return out


def row_to_design(
    row: dict[str, str], source: str, line: int, prov: Provenance, result: ReadResult
) -> Design | None:
    """One CSV row to a partial design, or None (with a located error) when unusable."""
    uid = (_value(row, "oshwaUid") or "").upper()
    name = " ".join((_value(row, "projectName") or "").split())
    if not _UID.match(uid):
        msg = f"OSHWA UID {row.get('oshwaUid')!r} is not two letters and six digits; row rejected"
        result.problems.append(Problem(source, "error", "oshwaUid", msg, line))
        result.rejected += 1
        return None
    if not name:
        msg = f"{uid}: no projectName; row rejected"
        result.problems.append(Problem(source, "error", "projectName", msg, line))
        result.rejected += 1
        return None
    notes: list[Note] = []
    problems: list[Problem] = []
    country_text = _value(row, "country")
    country = None
    if country_text:
        from refaire.ingest.facility_normalise import country_code

        country = country_code(country_text)
        if country:
            notes.append(Note("country", country_text, country, "oshwa-country"))
        else:
            msg = f"{uid}: unknown country {country_text!r}"
            problems.append(Problem(source, "warning", "country", msg, line))
    licences: dict[str, Licence] = {}
    for kind, key in (
        ("hardware", "hardwareLicense"),
        ("software", "softwareLicense"),
        ("documentation", "documentationLicense"),
    ):
        text = _value(row, key)
        if kind == "software" and text and text.lower() == "no software":
            continue
        lic = _licence(text, f"licences.{kind}", notes)
        if lic is not None:
            licences[kind] = lic
    certified_text = _value(row, "certificationDate")
    created = _date(certified_text)
    if created:
        notes.append(Note("created", certified_text or "", created, "oshwa-certified"))
    elif certified_text:
        msg = f"{uid}: certificationDate {certified_text!r} is not a date"
        problems.append(Problem(source, "warning", "certificationDate", msg, line))
    types = list(
        dict.fromkeys([t for t in [_value(row, "primaryType")] if t] + _list(row, "additionalType"))
    )
    keywords = _list(row, "projectKeywords")
    description = _value(row, "projectDescription")
    text_for_sectors = " ".join([name, " ".join(keywords), description or ""])
    sectors = _sectors([t for t in types if t != "Other"], text_for_sectors, notes)
    links = [
        Link("derivative-of", certification_url(prev.upper()))
        for prev in _list(row, "previousVersions")
        if _UID.match(prev.upper()) and prev.upper() != uid
    ]
    repo = _value(row, "documentationUrl") or _value(row, "projectWebsite")
    version = _value(row, "projectVersion")
    design = Design(
        key=f"oshwa:{uid}",
        name=name,
        format=FORMAT,
        version=version,
        repo=repo,
        description=description,
        keywords=keywords,
        licence=licences.get("hardware"),
        licences=licences,
        licensor=_value(row, "responsibleParty"),
        sectors=sectors,
        categories=types,
        platform=PLATFORM,
        created=created,
        links=list({ln.target: ln for ln in links}.values()),
        notes=notes,
        problems=problems,
        provenance=Provenance(
            source=f"{source}#{uid}",
            format=FORMAT,
            checksum=hashlib.sha256(json.dumps(row, sort_keys=True).encode()).hexdigest(),
            imported_at=prov.imported_at,
            text="",
        ),
    )
    result.problems.extend(problems)
    return design


def sniff(name: str, head: bytes) -> float:
    first = first_line(head)
    if not first:
        return 0.0
    header = set(next(csv.reader([first]), []))
    return 0.95 if all(k in header for k in REQUIRED) else 0.0


def read(source: str, data: bytes) -> ReadResult:
    result = ReadResult()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        result.problems.append(Problem(source, "warning", None, "not UTF-8: read as Windows-1252"))
    now = datetime.now(UTC).isoformat(timespec="seconds")
    prov = Provenance(source=source, format=FORMAT, checksum="", imported_at=now)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [k for k in REQUIRED if k not in (reader.fieldnames or [])]
    if missing:
        msg = f"not an OSHWA certified-projects CSV: missing columns {', '.join(missing)}"
        result.problems.append(Problem(source, "error", None, msg, 1))
        return result
    seen: dict[str, int] = {}
    line = 2
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problems.append(Problem(source, "error", None, f"bad CSV: {exc}", line))
            break
        if None in row:  # more cells than the header has: a shifted row reads wrong
            msg = f"{len(row[None])} cells beyond the header's columns; row rejected"
            result.problems.append(Problem(source, "error", None, msg, line))
            result.rejected += 1
        elif any((v or "").strip() for v in row.values()):
            try:
                design = row_to_design(row, source, line, prov, result)
            except Exception as exc:  # one odd row must not stop the file
                msg = f"internal error while mapping ({type(exc).__name__}: {exc})"
                result.problems.append(Problem(source, "error", None, msg, line))
                result.rejected += 1
                design = None
            if design is not None:
                first = seen.setdefault(design.key, line)
                if first != line:
                    msg = f"{design.key}: UID already on line {first}; this later row wins"
                    result.problems.append(Problem(source, "warning", "oshwaUid", msg, line))
                result.designs.append(design)
        line = reader.line_num + 1
    return result


register(Reader(format=FORMAT, kind="design", sniff=sniff, read=read))
