"""Reader for Open Know-Where (OKW) facilities, YAML or JSON.

Accepts the kebab-case keys of the OKW specification (``facility-status``,
``gps-coordinates``, ``equipment-type``...) and the snake_case / camelCase renderings
other OKW tools emit: keys are folded to snake_case before reading. A source holds one
facility, a list, several YAML documents, or a mapping with a ``facilities`` list.
Processes, equipment types and materials may be Wikipedia URLs in any language; they are
resolved to vocabulary ids. Known machines are enriched from the catalogue, as inferred.
An optional ``pricing`` mapping (hourly-rate, material-price-per-g, setup-fee, …; see
`refaire.quote.pricing`) is validated into ``Facility.pricing`` for instant quotes.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from refaire.ingest import yaml_safe
from refaire.ingest.base import Reader, ReadResult, one_entry, register
from refaire.ingest.decode import TOO_DEEP
from refaire.ingest.facility_normalise import (
    MATERIAL,
    PROCESS,
    add_caps,
    check_coordinates,
    clean_name,
    country_code,
    enrich_equipment,
    facility_key,
    finish_facility,
    first_text,
    parse_coordinate,
    parse_pair,
    resolve_caps,
    set_sizes,
    wikipedia_title,
)
from refaire.model import Capability, Equipment, Facility, Problem

FORMAT = "okw"
_OKW_KEYS = re.compile(
    rb"(facility|manufacturing|equipment|gps|typical|access)[-_](status|processes|process|"
    rb"type|coordinates|materials|batch)",
)  # matched against the lower-cased head: re.I alternations are 4x slower
_OKW_WORDS = (b"facility", b"manufacturing", b"equipment", b"gps", b"typical", b"access")
_EQUIPMENT_FIELDS = {
    "equipment_type", "manufacturing_process", "manufacturing_processes", "make", "model",
    "quantity", "materials_worked", "build_volume", "bed_size", "laser_power", "notes",
}  # fmt: skip


def sniff(name: str, head: bytes) -> float:
    low = head.lower()
    if not any(word in low for word in _OKW_WORDS):  # spares most files the regex
        return 0.0
    keys = {m.group(0).replace(b"_", b"-") for m in _OKW_KEYS.finditer(low)}
    if len(keys) >= 2 or (keys and name.lower().endswith((".yml", ".yaml"))):
        return 0.9
    return 0.6 if keys and b"name" in head else 0.0


def snake(key: Any) -> str:
    """'facility-status', 'facilityStatus', 'Facility Status' -> 'facility_status'."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(key))
    return re.sub(r"[-\s]+", "_", text.strip()).lower()


def fold_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {snake(k): fold_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fold_keys(v) for v in value]
    return value


def _as_list(value: Any) -> list[Any]:
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


def _term(value: Any) -> str | None:
    """A process/material given as text, URL, or mapping ({material-type: url, ...})."""
    if isinstance(value, dict):
        for key in ("material_type", "process", "type", "url", "id", "name", "label"):
            if first_text(value.get(key)):
                return first_text(value.get(key))
        return None
    return first_text(value)


def _number(value: Any) -> float | None:
    if isinstance(value, str):
        m = re.search(r"-?\d+(?:[.,]\d+)?", value)
        return parse_coordinate(m.group(0)) if m else None
    return parse_coordinate(value)


def _equipment(
    data: Any, where: str, source: str, at: Lines
) -> tuple[Equipment | None, list[Problem]]:
    problems: list[Problem] = []
    if isinstance(data, str):
        data = {"equipment_type": data}
    if not isinstance(data, dict):
        msg = f"equipment entry is a {type(data).__name__}, expected a mapping; skipped"
        return None, [Problem(source, "warning", where, msg, at(where))]
    eq_type = _term(data.get("equipment_type"))
    wiki = wikipedia_title(eq_type) if eq_type else None
    eq = Equipment(
        # A Wikipedia URL names the type by its article title; the URL stays in `text`.
        equipment_type=wiki[0] if wiki else eq_type,
        make=first_text(data.get("make"), data.get("manufacturer"), data.get("brand")),
        model=first_text(data.get("model")),
        text=eq_type,
        extra={k: v for k, v in data.items() if k not in _EQUIPMENT_FIELDS and v not in (None, "")},
    )
    if first_text(data.get("notes")):
        eq.extra["notes"] = first_text(data.get("notes"))
    qty = data.get("quantity")
    if qty not in (None, ""):
        n = _number(qty)
        if n is None or n < 1 or n != int(n):
            msg = f"quantity {qty!r} is not a positive whole number; read as 1"
            path = f"{where}.quantity"
            problems.append(Problem(source, "warning", path, msg, at(path)))
        else:
            eq.quantity = int(n)
    for bad in set_sizes(eq, data.get("build_volume"), data.get("bed_size")):
        problems.append(Problem(source, "warning", where, f"{bad} not understood", at(where)))
    if data.get("laser_power") not in (None, ""):
        eq.laser_power_w = _number(data.get("laser_power"))
    for proc in _as_list(data.get("manufacturing_process")) + _as_list(
        data.get("manufacturing_processes")
    ):
        add_caps(
            eq.processes,
            _process_caps(proc, source, f"{where}.manufacturing_process", at, problems, eq.extra),
        )
    if eq_type:
        add_caps(eq.processes, resolve_caps(eq_type, PROCESS))
    for mat in _as_list(data.get("materials_worked")):
        add_caps(eq.materials, resolve_caps(_term(mat), MATERIAL))
    if not (eq.equipment_type or eq.make or eq.model or eq.processes):
        msg = "equipment entry names no type, make, model or process; skipped"
        return None, [*problems, Problem(source, "warning", where, msg, at(where))]
    return enrich_equipment(eq), problems


def _location(loc: Any, source: str, where: str, at: Lines) -> tuple[dict[str, str], Any]:
    if not isinstance(loc, dict):
        return ({"text": loc.strip()} if isinstance(loc, str) and loc.strip() else {}), None
    address: dict[str, str] = {}
    addr = loc.get("address")
    if isinstance(addr, str) and addr.strip():
        address["text"] = addr.strip()
    elif isinstance(addr, dict):
        for key, names in (
            ("street", ("street_address", "street", "number")),
            ("locality", ("locality", "city", "town")),
            ("region", ("region", "state", "district")),
            ("postal_code", ("postal_code", "postcode", "zip")),
            ("country", ("country", "country_code")),
        ):
            value = first_text(*(addr.get(n) for n in names))
            if value:
                address[key] = value
    for key in ("city", "country", "region"):
        if first_text(loc.get(key)) and key not in address:
            address[key if key != "city" else "locality"] = first_text(loc.get(key))
    gps = loc.get("gps_coordinates", loc.get("coordinates"))
    if isinstance(gps, str):
        lat, lon = parse_pair(gps)
        if lat is None:
            lat, lon = gps, ""
    elif isinstance(gps, dict):
        lat = first_text(gps.get("lat"), gps.get("latitude"))
        lon = first_text(gps.get("lon"), gps.get("lng"), gps.get("long"), gps.get("longitude"))
    elif isinstance(gps, list) and len(gps) == 2:
        lat, lon = gps
    else:
        lat, lon = loc.get("lat", loc.get("latitude")), loc.get("lon", loc.get("longitude"))
    path = f"{where}location.gps_coordinates"
    return address, check_coordinates(lat, lon, source, path, at(path))


def _email(data: dict[str, Any]) -> str | None:
    """The contact e-mail wherever OKW renderings put it: `email`, `contact.email`, or
    an agent's `contact_info` / `contact-info` (`contact`, then `owner`)."""
    found: list[Any] = [data.get("email")]
    for who in ("contact", "owner"):
        agent = data.get(who)
        if not isinstance(agent, dict):
            continue
        found.append(agent.get("email"))
        for key in ("contact_info", "contact-info", "contactInfo"):
            info = agent.get(key)
            if isinstance(info, dict):
                found.append(info.get("email"))
    text = first_text(*[v for v in found if isinstance(v, str)])
    return text if text and "@" in text else None


def _process_caps(
    value: Any, source: str, path: str, at: Lines, problems: list[Problem], extra: dict[str, Any]
) -> list[Capability]:
    """A stated process: an OHM/TsDC code ("LASER", "SHEET") first, else the resolver.

    One nothing understands is kept (``extra["unread_processes"]``) and warned, never
    dropped silently.
    """
    from refaire.ingest.okh_design_level import process_code

    text = _term(value)
    coded = process_code(text) if isinstance(text, str) else None
    if coded is not None:
        return [Capability(coded[0], "stated", coded[1], 1.0)]
    caps = resolve_caps(text, PROCESS)
    if not caps and isinstance(text, str) and text.strip():
        extra.setdefault("unread_processes", []).append(text.strip())
        msg = f"process {text.strip()!r} not understood: kept as text, not matched"
        problems.append(Problem(source, "warning", path, msg, at(path)))
    return caps


def _facility(source: str, data: Any, where: str, at: Lines, result: ReadResult) -> Facility | None:
    label = f"entry {where.strip('[].')}" if where else "document"
    if not isinstance(data, dict):
        msg = f"{label}: a {type(data).__name__}, expected an OKW facility mapping; rejected"
        path = where.rstrip(".") or None
        result.problems.append(Problem(source, "error", path, msg, at(where.rstrip("."))))
        result.rejected += 1
        return None
    name = clean_name(first_text(data.get("name"), data.get("title")))
    if not name:
        msg = f"{label}: facility without a name; rejected"
        result.problems.append(Problem(source, "error", f"{where}name", msg, at(f"{where}name")))
        result.rejected += 1
        return None
    address, coords = _location(data.get("location"), source, where, at)
    problems = list(coords.problems) if coords else []
    country = None
    if address.get("country"):
        country = country_code(address["country"])
        if country is None:
            msg = f"unknown country {address['country']!r}"
            path = f"{where}location.address.country"
            problems.append(Problem(source, "warning", path, msg, at(path)))
        else:
            address["country"] = country
    contact = data.get("contact") if isinstance(data.get("contact"), dict) else {}
    owner = data.get("owner")
    facility = Facility(
        key="",
        name=name,
        description=first_text(data.get("description")),
        status=(first_text(data.get("facility_status")) or "").lower() or None,
        access_type=first_text(data.get("access_type")),
        kind=first_text(data.get("facility_type"), data.get("kind")),
        latitude=coords.lat if coords else None,
        longitude=coords.lon if coords else None,
        address=address,
        country=country,
        city=address.get("locality"),
        url=first_text(data.get("url"), data.get("website"), contact.get("website")),
        email=_email(data),
        owner=first_text(owner.get("name") if isinstance(owner, dict) else owner),
        opening_hours=first_text(
            "; ".join(map(str, data["opening_hours"]))
            if isinstance(data.get("opening_hours"), list)
            else data.get("opening_hours")
        ),
    )
    for key in ("affiliations", "certifications", "date_founded", "typical_batch_size", "size"):
        if data.get(key) not in (None, "", []):
            facility.extra[key] = data[key]
    for i, item in enumerate(_as_list(data.get("equipment"))):
        eq, eq_problems = _equipment(item, f"{where}equipment[{i}]", source, at)
        problems.extend(eq_problems)
        if eq is not None:
            facility.equipment.append(eq)
    for proc in _as_list(data.get("manufacturing_processes")):
        path = f"{where}manufacturing_processes"
        add_caps(
            facility.processes, _process_caps(proc, source, path, at, problems, facility.extra)
        )
    for mat in _as_list(data.get("typical_materials")):
        add_caps(facility.materials, resolve_caps(_term(mat), MATERIAL))
    if data.get("pricing") not in (None, "", {}):
        problems.extend(_pricing(facility, data["pricing"], source, where, at))
    native = first_text(data.get("id"), data.get("identifier"))
    facility.key = facility_key(FORMAT, name, facility.latitude, facility.longitude, native)
    facility.problems = problems
    result.problems.extend(problems)
    return finish_facility(facility, source, FORMAT)


def _pricing(facility: Facility, raw: Any, source: str, where: str, at: Lines) -> list[Problem]:
    """The facility's own prices for instant quotes (keys: `refaire.quote.pricing`).

    A wrong value is left out with a located warning; the other prices and the facility
    are kept.
    """
    from refaire.quote.pricing import check_pricing

    facility.pricing, issues = check_pricing(raw, keep_unknown=True)
    problems = []
    for name, message in issues:
        path = f"{where}pricing" + (f".{name}" if name else "")
        # Unknown keys are kept (membership fees, notes); wrong values are not.
        outcome = "kept, not used for quotes" if name in facility.pricing else "left out"
        msg = f"pricing: {message}; {outcome}"
        problems.append(Problem(source, "warning", path, msg, at(path)))
    return problems


class Lines:
    """Line of a field path, or of its nearest enclosing field (JSON sources have none)."""

    def __init__(self, paths: dict[str, int]) -> None:
        self.paths = paths

    def __call__(self, path: str) -> int | None:
        while path not in self.paths:
            cut = max(path.rfind("."), path.rfind("["))
            if cut <= 0:
                return self.paths.get(path[:cut] if cut == 0 else "")
            path = path[:cut]
        return self.paths[path]


def _walk(node: yaml.Node, path: str, out: dict[str, int]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = snake(key.value)
            _walk(value, f"{path}.{name}" if path else name, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, f"{path}[{i}]", out)


def yaml_lines(text: str) -> list[dict[str, int]]:
    """Per YAML document, the 1-based line of every field path ('[0].equipment[2].quantity')."""
    maps: list[dict[str, int]] = []
    for node in yaml_safe.compose_all(text):
        out: dict[str, int] = {}
        if isinstance(node, yaml.MappingNode):
            # {facilities: [...]} wraps the list the reader walks: paths start inside it.
            inner = [v for k, v in node.value if snake(k.value) == "facilities"]
            if inner and isinstance(inner[0], yaml.SequenceNode):
                node = inner[0]
        if node is not None:
            _walk(node, "", out)
        maps.append(out)
    return maps


def read(source: str, data: bytes) -> ReadResult:
    result = ReadResult()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        result.problems.append(Problem(source, "error", None, f"not UTF-8: {exc}"))
        return result
    lines: list[dict[str, int]] = []
    try:
        if text.lstrip().startswith(("{", "[")):
            docs = [json.loads(text)]
        else:
            docs = yaml_safe.safe_load_all(text)
            lines = yaml_lines(text)
    except json.JSONDecodeError as exc:
        result.problems.append(
            Problem(source, "error", None, f"invalid JSON: {exc.msg}", exc.lineno)
        )
        return result
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        msg = f"invalid YAML: {getattr(exc, 'problem', None) or exc}"
        result.problems.append(Problem(source, "error", None, msg, line))
        return result
    except RecursionError:
        result.problems.append(Problem(source, "error", None, TOO_DEEP))
        return result
    for d, doc in enumerate(docs):
        doc = fold_keys(doc)
        if isinstance(doc, dict) and isinstance(doc.get("facilities"), list):
            doc = doc["facilities"]
        entries = list(enumerate(doc)) if isinstance(doc, list) else [(None, doc)]
        for i, entry in entries:
            if entry is None:
                continue
            at = Lines(lines[d] if d < len(lines) else {})
            where = f"[{i}]." if i is not None else ""
            label = "document" if i is None else f"entry {i}"
            with one_entry(result, source, label, where.rstrip(".") or None, at(where.rstrip("."))):
                facility = _facility(source, entry, where, at, result)
                if facility is not None:
                    result.facilities.append(facility)
    if not result.facilities and not result.problems:
        result.skipped, result.skip_reason = True, "no OKW facility in this document"
    return result


register(Reader(format=FORMAT, kind="facility", sniff=sniff, read=read))
