"""Normalisation shared by the facility readers: countries, coordinates, names, keys.

Every facility reader goes through these helpers so that a lab read from fablabs.io, a
SpaceAPI document and an OKW file end up with comparable values: ISO 3166-1 alpha-2
countries, validated WGS 84 coordinates, cleaned names and a stable `key`, with
their capabilities resolved to vocabulary ids and known machines enriched from the
catalogue (always marked as inferred).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from refaire.model import Capability, Equipment, Facility, FieldSource, Problem
from refaire.vocab.gazetteer import GAZETTEER, find_town

DATA = Path(__file__).with_name("data")


# --- countries ---------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lowercase, accents off, punctuation to spaces: 'Côte d’Ivoire' -> 'cote d ivoire'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


@cache
def _country_index() -> tuple[dict[str, str], dict[str, str]]:
    """(codes, names): alpha-2/alpha-3 codes, and folded names in several languages."""
    table = json.loads((DATA / "countries.json").read_text(encoding="utf-8"))["countries"]
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    for code, entry in table.items():
        codes[code.lower()] = code
        for a3 in entry["alpha3"]:
            codes[a3.lower()] = code
        for name in entry["names"]:
            names[_fold(name)] = code
            # 'The Netherlands', 'La France', 'Die Schweiz': articles are optional.
            parts = _fold(name).split(" ", 1)
            if len(parts) == 2 and parts[0] in {"the", "la", "le", "les", "el", "die", "der"}:
                names[parts[1]] = code
    return codes, names


def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a code (alpha-2/3) or a country name (en/fr/es/de/nl/it/pt).

    Also finds the country named at the end of an address ('Hofgasse 19, 4020 Linz,
    Austria'); there only names count, since a bare 'CA' or 'NY' in an address is a state.
    Returns None when nothing in the bundled table matches.
    """
    if not value or not isinstance(value, str):
        return None
    codes, names = _country_index()
    folded = _fold(value)
    if folded in codes or folded in names:
        return codes.get(folded) or names[folded]
    for part in reversed([p for p in re.split(r"[,\n;]", value) if p.strip()]):
        hit = names.get(_fold(part))
        if hit:
            return hit
    return None


# --- names -------------------------------------------------------------------------------


def clean_name(name: Any) -> str:
    """A display name: whitespace collapsed, stray quotes and trailing separators removed."""
    if name is None:
        return ""
    text = " ".join(str(name).split())
    return text.strip(" \"'`-–—,;:|").strip()


_NAME_SYNONYMS = [
    (re.compile(r"\bfab\s+lab\b"), "fablab"),
    (re.compile(r"\bhack\s+space\b"), "hackspace"),
]


def name_key(name: str | None) -> str:
    """The comparable form of a name: folded, and 'Fab Lab' spelled as one word."""
    folded = _fold(name or "")
    for pattern, repl in _NAME_SYNONYMS:
        folded = pattern.sub(repl, folded)
    return folded


def slug(text: str) -> str:
    return re.sub(r"-{2,}", "-", _fold(text).replace(" ", "-")).strip("-")


def facility_key(
    source_format: str,
    name: str,
    lat: float | None = None,
    lon: float | None = None,
    native_id: str | None = None,
) -> str:
    """The registry identity of a facility read from one source.

    - with a native id (fablabs.io uuid, OKW id, SpaceAPI url): ``"<format>:<slug(id)>"``,
      stable across renames and moves;
    - otherwise ``"<format>:<slug(name)>"``, plus ``"@<lat>,<lon>"`` rounded to 3 decimals
      (about 100 m) when located, so two same-named places in one source stay apart.
    """
    if native_id and str(native_id).strip():
        return f"{source_format}:{slug(str(native_id)) or str(native_id).strip()}"
    key = f"{source_format}:{slug(name) or 'unnamed'}"
    if lat is not None and lon is not None:
        key += f"@{lat:.3f},{lon:.3f}"
    return key


# --- coordinates -------------------------------------------------------------------------

CoordStatus = Literal["ok", "missing", "swapped", "zero", "invalid"]


@dataclass(slots=True)
class Coordinates:
    """Checked coordinates: `lat`/`lon` are None unless usable; `problems` are warnings."""

    lat: float | None
    lon: float | None
    status: CoordStatus
    problems: list[Problem] = field(default_factory=list)


def parse_coordinate(value: Any) -> float | None:
    """A float from a number or a string ('52.3', '52,3', ' 4.8 '); None if not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        try:
            result = float(value)
        except OverflowError:  # an integer of hundreds of digits
            return None
    else:
        text = str(value).strip().replace(",", ".")
        try:
            result = float(text)
        except ValueError:
            return None
    return result if math.isfinite(result) else None


def parse_pair(text: Any) -> tuple[float | None, float | None]:
    """'lat, lon' (OKW gps-coordinates, 'latlng' columns) into two floats."""
    if not isinstance(text, str):
        return None, None
    parts = [p for p in re.split(r"[,;\s]+", text.strip()) if p]
    if len(parts) != 2:
        return None, None
    return parse_coordinate(parts[0]), parse_coordinate(parts[1])


def check_coordinates(
    lat: Any, lon: Any, source: str, field_name: str = "location", line: int | None = None
) -> Coordinates:
    """Validate a latitude/longitude pair.

    Out-of-range values are swapped back when that is the obvious fix (|lat| > 90 while
    |lon| <= 90); 0,0 ("Null Island", a geocoder's default) is dropped with a warning.
    """
    if (lat is None or lat == "") and (lon is None or lon == ""):
        return Coordinates(None, None, "missing")
    la, lo = parse_coordinate(lat), parse_coordinate(lon)

    def warn(message: str) -> Problem:
        return Problem(source, "warning", field_name, message, line)

    if la is None or lo is None:
        msg = f"coordinates {lat!r}, {lon!r} are not numbers; dropped"
        return Coordinates(None, None, "invalid", [warn(msg)])
    if la == 0 and lo == 0:
        return Coordinates(None, None, "zero", [warn("coordinates 0,0 are a placeholder; dropped")])
    if abs(la) <= 90 and abs(lo) <= 180:
        return Coordinates(la, lo, "ok")
    if abs(lo) <= 90 and abs(la) <= 180:
        msg = f"latitude {la} out of range: latitude and longitude were swapped; fixed"
        return Coordinates(lo, la, "swapped", [warn(msg)])
    msg = f"coordinates {la}, {lo} out of range; dropped"
    return Coordinates(None, None, "invalid", [warn(msg)])


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine; ample for 'same building' tests)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(a)))


# --- provenance --------------------------------------------------------------------------

_NOT_PROVENANCED = {"key", "sources", "problems", "extra", "location_origin", "location_status"}


def finish_facility(facility: Facility, source: str, fmt: str) -> Facility:
    """The step every facility reader ends with: repair text garbled by a wrong decoding
    upstream, check stated coordinates against the country and town the record names
    (`place_check`: swap or set aside as doubtful; after the repair, so town names read
    right), place an unlocated facility at its town's centre when the gazetteer knows the
    town, then record who said what."""
    from refaire.ingest.place_check import check_location
    from refaire.ingest.text_repair import repair_facility

    repair_facility(facility, source)
    check_location(facility, source)
    locate_by_town(facility)
    return record_sources(facility, source, fmt)


def record_sources(facility: Facility, source: str, fmt: str) -> Facility:
    """Add a FieldSource for every field the source filled, so merges can tell who said
    what; coordinates the gazetteer gave already name it."""
    from_town = facility.location_origin == "inferred"
    for f in fields(facility):
        if f.name in _NOT_PROVENANCED:
            continue
        if from_town and f.name in ("latitude", "longitude"):
            continue
        value = getattr(facility, f.name)
        if value not in (None, "", [], {}):
            facility.sources.append(FieldSource(f.name, source, fmt))
    return facility


def locate_by_town(facility: Facility) -> bool:
    """Give a facility without coordinates those of its town's centre; True if it did.

    The coordinates are marked inferred (`location_origin`), their FieldSource names the
    gazetteer, and ``extra["located_by_town"]`` says which town was matched.
    """
    if facility.latitude is not None and facility.longitude is not None:
        return False
    if facility.location_status == "doubtful":
        # The source gave a place we could not trust: a town centre would put it back
        # into "near me" answers before anyone confirmed where it is.
        return False
    town = find_town(
        facility.country,
        facility.city or facility.address.get("locality"),
        facility.address.get("region"),
    )
    if town is None:
        return False
    facility.latitude, facility.longitude = town.latitude, town.longitude
    facility.location_origin = "inferred"
    facility.extra["located_by_town"] = {
        "town": town.name,
        "country": town.country,
        "geonameid": town.geonameid,
        "gazetteer": GAZETTEER,
    }
    for name in ("latitude", "longitude"):
        facility.sources.append(FieldSource(name, f"{GAZETTEER}: {town.name}", "gazetteer"))
    return True


def first_text(*values: Any) -> str | None:
    """The first non-blank string among values, stripped."""
    for v in values:
        if isinstance(v, str) and v.strip():
            return v.strip()
        if isinstance(v, int | float) and not isinstance(v, bool):
            return str(v)
    return None


# --- capabilities --------------------------------------------------------------------------

# Below MIN_CONFIDENCE a resolution is noise ('Crap dremel clone :(' is not a mill); between
# it and STATED_CONFIDENCE it is kept but never shown as what the source said.
MIN_CONFIDENCE = 0.5
STATED_CONFIDENCE = 0.8
CATALOGUE_CONFIDENCE = 0.9
PROCESS, MATERIAL = "process", "material"

_WIKI = re.compile(r"^https?://([a-z-]+)\.(?:m\.)?wikipedia\.org/wiki/([^?#]+)", re.I)


def wikipedia_title(value: str) -> tuple[str, str] | None:
    """(title, language) of a Wikipedia article URL in any language, else None."""
    m = _WIKI.match(value.strip())
    if not m:
        return None
    return unquote(m.group(2)).replace("_", " "), m.group(1).lower()


def resolve_caps(
    text: Any, kind: str, *, origin: Literal["stated", "inferred"] = "stated", lang: str = "en"
) -> list[Capability]:
    """Vocabulary ids for a text or Wikipedia URL, as Capabilities.

    `origin` is what the text is: a field whose meaning is a process or material (stated)
    or prose (inferred). A weak resolution of a stated field is still marked inferred.
    """
    from refaire.vocab.capabilities import resolve

    if not isinstance(text, str) or not text.strip():
        return []
    text = text.strip()
    results = resolve(text, kind=kind, lang=lang)
    wiki = wikipedia_title(text)
    if not results and wiki:
        # The resolver may not know this language's URL; the article title still names it.
        results = resolve(wiki[0], kind=kind, lang=wiki[1])
    caps: list[Capability] = []
    plain: dict[str, Any] | None = None
    for r in results:
        if r.confidence < MIN_CONFIDENCE:
            continue
        rule, conf = r.rule, r.confidence
        if rule.startswith("catalogue"):
            # A machine recognised from the catalogue is our inference, unless the other
            # words say it too ('Trotec Speedy 300 Laser Cutter' states laser cutting).
            plain = _without_machine(text, kind, lang) if plain is None else plain
            if r.id in plain:
                rule, conf = plain[r.id].rule, plain[r.id].confidence
            else:
                # The words may state a broader process the model narrows ('Prusa i3
                # 3D printer': 3D printing stated, FDM inferred): keep both, apart.
                for broader in plain.values():
                    if broader.confidence >= STATED_CONFIDENCE and same_line(broader.id, r.id):
                        caps.append(
                            Capability(broader.id, origin, broader.rule, broader.confidence)
                        )
        stated = conf >= STATED_CONFIDENCE and not rule.startswith("catalogue")
        caps.append(Capability(r.id, origin if stated else "inferred", rule, round(conf, 3)))
    return _catalogue_agrees(caps) if kind == PROCESS else caps


def same_line(a: str, b: str) -> bool:
    """Whether two process ids are one the other's ancestor (or equal): not a contradiction."""
    from refaire.vocab.capabilities import process_ancestors

    return a == b or a in process_ancestors(b) or b in process_ancestors(a)


def _from_machine_name(c: Capability) -> bool:
    return (c.rule or "").startswith("catalogue") or c.rule == "brand"


def _catalogue_agrees(caps: list[Capability]) -> list[Capability]:
    """Drop a process inferred from a machine's name (catalogue model or maker) that the
    text's own words contradict ("CNC router Ender 3": the words say a router, the model
    name says a printer)."""
    said = [c.id for c in caps if not _from_machine_name(c) and c.confidence >= STATED_CONFIDENCE]
    if not said:
        return caps
    return [c for c in caps if not _from_machine_name(c) or any(same_line(c.id, s) for s in said)]


def _without_machine(text: str, kind: str, lang: str) -> dict[str, Any]:
    """Resolutions of `text` once the catalogue machine's brand and model words are gone."""
    from refaire.vocab.capabilities import resolve
    from refaire.vocab.catalogue import find_in_text

    machine = find_in_text(text)
    if machine is None:
        return {}
    from refaire.vocab.catalogue import _BRAND_NOISE, _MODEL_NOISE

    # Words like "3D" or "laser" in a brand or model name still say what the machine is.
    drop = set(_fold(machine.brand).split()) - _BRAND_NOISE
    drop |= set(_fold(machine.model).split()) - _MODEL_NOISE
    rest = " ".join(w for w in _fold(text).split() if w not in drop)
    return {
        r.id: r for r in resolve(rest, kind=kind, lang=lang) if not r.rule.startswith("catalogue")
    }


# stated beats inferred beats probable (what such places usually have), then confidence
_RANK = {"stated": 2, "inferred": 1, "probable": 0}


def add_caps(into: list[Capability], new: list[Capability]) -> list[Capability]:
    """Union by id in place; stated wins over inferred over probable, then confidence."""
    index = {c.id: i for i, c in enumerate(into)}
    for cap in new:
        i = index.get(cap.id)
        if i is None:
            index[cap.id] = len(into)
            into.append(cap)
            continue
        old = into[i]
        if (_RANK.get(cap.origin, 0), cap.confidence) > (_RANK.get(old.origin, 0), old.confidence):
            into[i] = cap
    return into


def _dims(value: Any) -> tuple[float, ...] | None:
    from refaire.vocab.dimensions import parse_dimensions

    if value is None or value == "":
        return None
    if isinstance(value, list | tuple):
        try:
            return tuple(float(v) for v in value)
        except (TypeError, ValueError):
            return None
    if isinstance(value, dict):
        nums = [parse_coordinate(value.get(k)) for k in ("x", "y", "z", "width", "depth", "height")]
        got = tuple(n for n in nums if n is not None)
        return got or None
    return parse_dimensions(str(value))


def set_sizes(eq: Equipment, build_volume: Any = None, bed_size: Any = None) -> list[str]:
    """Stated sizes onto `eq` (mm); returns the texts that could not be parsed."""
    bad = []
    vol = _dims(build_volume)
    if build_volume not in (None, "") and vol is None:
        bad.append(f"build-volume {build_volume!r}")
    if vol and len(vol) >= 3:
        eq.build_volume_mm = (vol[0], vol[1], vol[2])
    elif vol and len(vol) == 2:
        eq.bed_size_mm = (vol[0], vol[1])
    bed = _dims(bed_size)
    if bed_size not in (None, "") and bed is None:
        bad.append(f"bed-size {bed_size!r}")
    if bed and len(bed) >= 2:
        eq.bed_size_mm = (bed[0], bed[1])
    return bad


def enrich_equipment(eq: Equipment, lang: str = "en") -> Equipment:
    """Fill a known machine's process, materials and sizes from the catalogue, as inferred.

    The machine is looked up by make/model, else found in the equipment's text. Stated
    values are never overwritten; everything added says `catalogue:<brand model>`. The
    source vetoes the match: a stated make of another brand, or a stated process the
    catalogue machine's contradicts (a CNC router is no FDM printer, whatever its model
    is called); the vetoed machine is named in ``extra["catalogue_vetoed"]``.
    """
    from refaire.vocab import catalogue

    machine = None
    if eq.make or eq.model:
        machine = catalogue.lookup(eq.make or "", eq.model or "")
    if machine is None:
        text = " ".join(t for t in (eq.make, eq.model, eq.text) if t)
        machine = catalogue.find_in_text(text) if text else None
        if machine is not None and not _names_model(machine, text):
            machine = None
    if machine is None and eq.make and eq.model:
        # The model alone names a machine the stated make refused: say so.
        alone = catalogue.lookup(None, eq.model)
        if alone is not None and not catalogue.make_agrees(alone, eq.make):
            eq.extra["catalogue_vetoed"] = {"machine": alone.name, "reason": "make"}
    if machine is None:
        return eq
    veto = _veto(eq, machine)
    if veto is not None:
        eq.extra["catalogue_vetoed"] = {"machine": machine.name, "reason": veto}
        # what the catalogue alone put in the text's processes goes with it
        eq.processes = [c for c in eq.processes if not _from_machine_name(c)]
        return eq
    rule = f"catalogue:{machine.name}"
    eq.extra.setdefault("catalogue", machine.name)
    # The catalogue already speaks vocabulary ids; its confidence is the resolver's.
    if machine.process:
        add_caps(
            eq.processes, [Capability(machine.process, "inferred", rule, CATALOGUE_CONFIDENCE)]
        )
    add_caps(
        eq.materials,
        [Capability(m, "inferred", rule, CATALOGUE_CONFIDENCE) for m in machine.materials],
    )
    sized = eq.build_volume_mm is not None or eq.bed_size_mm is not None
    vol = tuple(machine.build_volume_mm) if machine.build_volume_mm else None
    if not sized and vol:
        if len(vol) >= 3:
            eq.build_volume_mm = (float(vol[0]), float(vol[1]), float(vol[2]))
        elif len(vol) == 2:
            eq.bed_size_mm = (float(vol[0]), float(vol[1]))
        eq.size_origin = "inferred"
    if eq.laser_power_w is None and machine.laser_power_w:
        eq.laser_power_w = float(machine.laser_power_w)
        eq.extra["laser_power_origin"] = "inferred"
    if not eq.make:
        eq.extra.setdefault("make_inferred", machine.brand)
    return eq


def _veto(eq: Equipment, machine: Any) -> str | None:
    """Why the source contradicts a catalogue machine ("make" or "process"), or None."""
    from refaire.vocab.catalogue import make_agrees

    if eq.make and not make_agrees(machine, eq.make):
        return "make"
    stated = [c.id for c in eq.processes if c.origin == "stated" and not _from_machine_name(c)]
    if machine.process and stated and not any(same_line(machine.process, p) for p in stated):
        return "process"
    return None


def _names_model(machine: Any, text: str) -> bool:
    """Whether free text names the model, not just the brand.

    'Ultimaker' alone must not become an 'Ultimaker Original' with its build volume:
    a word of the model other than the brand (and 'Original') has to be in the text.
    """
    brand = set(_fold(machine.brand).split())
    words = [w for w in _fold(machine.model).split() if w not in brand and w != "original"]
    said = set(_fold(text).split())
    return any(w in said for w in words)
