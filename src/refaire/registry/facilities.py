"""Facility registry service: the detail view of a facility shared by every interface.

The CLI, the API and the web pages all show the same thing: the stored record, and
for each machine which capabilities its source stated and which ones Refaire
inferred (and by which rule), plus where each field of a merged record came from.
"""

from __future__ import annotations

from typing import Any

from refaire.model import Facility
from refaire.model.facility import Capability
from refaire.public_source import public_problems, public_source
from refaire.said import SaidError
from refaire.store import Store
from refaire.store.facilities import get_facility


class UnknownFacility(LookupError):
    def __init__(self, ident: str | int) -> None:
        super().__init__(
            f"no facility with id or key {ident!r}; "
            "`refaire facilities list --q WORD` (or /facilities) finds ids"
        )


class FilterError(SaidError):
    """A search filter that cannot be used; the message says what was expected (in English
    by `str`, in the page's language by `text(lang)`)."""


def check_filters(
    near: str | None = None,
    radius_km: float | None = None,
    process: str | None = None,
    material: str | None = None,
    country: str | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Validate the search filters given as text; keyword arguments for search_facilities,
    plus `place` (the resolved `near`) that `search` echoes.

    `near` is a town ("Lyon", "Troy, NY") or LAT,LON (`places.resolve_place`). Raises
    FilterError naming the filter, what was given and how to find valid values.
    """
    from refaire.places import PlaceError, resolve_place
    from refaire.vocab.names import UnknownName, canonical_id

    out: dict[str, Any] = {}
    if near:
        try:
            place = resolve_place(near)
        except PlaceError as exc:
            raise FilterError("facilities.error.near", message=exc.text(lang)) from None
        out["near"], out["place"] = place.point, place
    if radius_km is not None:
        if not radius_km > 0 or radius_km > 20_000:
            raise FilterError("facilities.error.radius", given=radius_km)
        if not near:
            raise FilterError("facilities.error.radius_needs_near")
        out["radius_km"] = float(radius_km)
    for kind, value in (("process", process), ("material", material)):
        if value:
            try:
                # the same names as the quote: an id, or a name the vocabulary knows
                out[kind] = canonical_id(value, kind)
            except UnknownName as exc:
                close = ", ".join(exc.suggestions) or "—"
                raise FilterError(f"facilities.error.unknown_{kind}", given=repr(value.strip()),
                                  close=close) from None  # fmt: skip
    if country:
        cc = country.strip().upper()
        if len(cc) != 2 or not cc.isalpha():
            raise FilterError("facilities.error.country", given=repr(country))
        out["country"] = cc
    return out


def search(
    store: Store, filters: dict[str, Any], lang: str = "en", **options: Any
) -> dict[str, Any]:
    """`search_facilities` with `check_filters`' result; echoes the place searched around."""
    from refaire.store.facility_search import search_facilities

    place = filters.get("place")
    kwargs = {k: v for k, v in filters.items() if k != "place"}
    result = search_facilities(store, **options, **kwargs)
    if place is not None:
        result["place"] = place.to_dict(lang)
    return result


def rule_kind(rule: str | None) -> str | None:
    """The family of a resolver rule, for a human explanation.

    "catalogue:Prusa i3 MK3" -> "catalogue", "alias:fr" -> "alias"; unknown
    rules are kept whole so nothing is hidden.
    """
    if not rule:
        return None
    return rule.split(":", 1)[0]


def rule_detail(rule: str | None) -> str | None:
    """What follows the family: the catalogue machine name or the alias language."""
    if not rule or ":" not in rule:
        return None
    return rule.split(":", 1)[1]


def _cap(kind: str, c: Capability) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": c.id,
        "origin": c.origin,
        "rule": c.rule,
        "rule_kind": rule_kind(c.rule),
        "rule_detail": rule_detail(c.rule),
        "confidence": c.confidence,
    }


def _split(processes: list[Capability], materials: list[Capability]) -> dict[str, list]:
    caps = [_cap("process", c) for c in processes] + [_cap("material", c) for c in materials]
    return {
        "stated": [c for c in caps if c["origin"] == "stated"],
        "inferred": [c for c in caps if c["origin"] not in ("stated", "probable")],
        # what such places usually have (ingest/probable.py), not what this one states
        "probable": [c for c in caps if c["origin"] == "probable"],
    }


def _equipment(f: Facility) -> list[dict[str, Any]]:
    out = []
    for e in f.equipment:
        extra = dict(e.extra)
        made = " ".join(x for x in (e.make, e.model) if x)
        # one readable name: survey rows often repeat the type as the free text
        name = made or e.equipment_type or e.text or "?"
        if made and e.equipment_type:
            name = f"{e.equipment_type}: {made}"
        out.append(
            {
                "label": name,
                "equipment_type": e.equipment_type,
                "make": e.make,
                "make_inferred": extra.get("make_inferred"),
                "model": e.model,
                "quantity": e.quantity,
                "text": e.text,
                # a price the source wrote after the machine's name (kept out of the name)
                "price": extra.get("price"),
                "catalogue": extra.get("catalogue"),
                # a catalogue model the source contradicts (its make or its stated type)
                "catalogue_vetoed": extra.get("catalogue_vetoed"),
                "build_volume_mm": list(e.build_volume_mm) if e.build_volume_mm else None,
                "bed_size_mm": list(e.bed_size_mm) if e.bed_size_mm else None,
                "laser_power_w": e.laser_power_w,
                # sizes and power are inferred together from the catalogue, or stated
                "size_origin": e.size_origin,
                "laser_power_origin": extra.get("laser_power_origin", "stated")
                if e.laser_power_w is not None
                else None,
                "capabilities": _split(e.processes, e.materials),
                "extra": extra,
            }
        )
    return out


def _summary(f: Facility) -> dict[str, list[dict[str, str]]]:
    """Every process/material id once, stated if any source states it anywhere."""
    out: dict[str, dict[str, str]] = {"process": {}, "material": {}}
    pairs = [("process", c) for c in f.processes] + [("material", c) for c in f.materials]
    for e in f.equipment:
        pairs += [("process", c) for c in e.processes] + [("material", c) for c in e.materials]
    rank = {"stated": 2, "inferred": 1, "probable": 0}
    for kind, c in pairs:
        if rank.get(c.origin, 1) > rank.get(out[kind].get(c.id, ""), -1):
            out[kind][c.id] = c.origin
    return {
        kind: [{"id": i, "origin": o} for i, o in sorted(ids.items())]
        for kind, ids in (("processes", out["process"]), ("materials", out["material"]))
    }


def _provenance(f: Facility) -> dict[str, Any]:
    by_source: dict[tuple[str, str], list[str]] = {}
    by_field: dict[str, list[dict[str, str]]] = {}
    for s in f.sources:
        source = public_source(s.source) or ""
        by_source.setdefault((source, s.format), [])
        if s.field not in by_source[(source, s.format)]:
            by_source[(source, s.format)].append(s.field)
        entry = {"source": source, "format": s.format}
        if entry not in by_field.setdefault(s.field, []):
            by_field[s.field].append(entry)
    return {
        "sources": [
            {"source": src, "format": fmt, "fields": fields}
            for (src, fmt), fields in by_source.items()
        ],
        "fields": by_field,
    }


def facility_detail(store: Store, ident: str | int) -> dict[str, Any]:
    """Everything known about a facility, by numeric id or key.

    Keys: the record fields (name, address, latitude, ...), `id`, `equipment`
    (each with `capabilities.stated` / `.inferred` / `.probable`, sizes and their
    origin), `capabilities` (the facility's own, outside any machine),
    `summary` (every process/material id once), `provenance` (by source and by
    field) and `problems`.
    """
    found = get_facility(store, ident)
    if found is None:
        raise UnknownFacility(ident)
    fid, f = found
    data = f.to_dict()
    data["id"] = fid
    data["equipment"] = _equipment(f)
    data["capabilities"] = _split(f.processes, f.materials)
    # A merged record can state (another source) what the Fab Lab rule made probable:
    # what is stated or inferred is not shown as probable too.
    known = f.all_processes()
    data["capabilities"]["probable"] = [
        c for c in data["capabilities"]["probable"] if c["id"] not in known
    ]
    data["summary"] = _summary(f)
    data["provenance"] = _provenance(f)
    data["problems"] = public_problems(data.get("problems"))
    del data["processes"], data["materials"], data["sources"]
    from refaire.federation.origin import origin_of

    # stated by the peer it was pulled from (federation), None for a local record
    data["origin"] = origin_of(store, "facility", fid)
    return data
