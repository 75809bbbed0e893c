"""Instant quote for a file: measure it, choose the process, find who can make it, price it.

`quote_file` is what the CLI (`refaire quote`), the API (`POST /api/quote`) and the web
page (`/quote`) call. The process follows from the file and the material: a mesh is
printed (FDM, or SLA for resin materials), a drawing is laser cut. Without a facility the
candidates are the facilities offering that process — nearest first around `near` — each
checked against its machines' sizes: a part fits a printer when some axis-aligned
orientation (any of the 6 permutations of its bounding box) fits the build volume, and a
drawing fits a laser cutter when it fits the bed either way round. Facilities that fit
come first, then those whose machine sizes are unknown, then those too small. Each quote
uses the facility's own pricing, or the documented default rates, and then says so
(`estimated_rates`). `near` is a town or LAT,LON (`places.resolve_place`); around it,
places that state no capability, or only probably have the process (a Fab Lab's usual
inventory), are listed apart (`unknown_capability`): never quoted, but worth asking.
"""

from __future__ import annotations

from itertools import permutations
from typing import Any

import numpy as np

from refaire.geometry.upload import measure_upload
from refaire.model import Equipment, Facility
from refaire.places import Place
from refaire.quote import quote_mesh, quote_vector
from refaire.quote.pricing import quote_pricing
from refaire.quote.rates import material as material_row
from refaire.quote.rates import materials_for, rates
from refaire.quote.wording import Wording
from refaire.said import Joined, Said, said_problem
from refaire.store import Store
from refaire.store.facilities import get_facility
from refaire.vocab.capabilities import label

# Quote process → the vocabulary id a facility must offer, and the machine process ids
# that count. A "3D printer" of unstated technology (3d-printing) is a candidate for both
# printing processes, ranked after the machines that state it.
VOCAB_PROCESS = {"fdm": "fdm", "sla": "sla", "laser": "laser-cutting"}
MACHINE_PROCESSES = {"fdm": {"fdm"}, "sla": {"sla"}, "laser": {"laser-cutting", "laser-engraving"}}
GENERIC_PROCESS = {"fdm": "3d-printing", "sla": "3d-printing"}
DEFAULT_THICKNESS_MM = 3.0
# Radii tried in turn around `near` until enough candidates turn up.
RADII_KM = (50.0, 200.0, 1000.0, 20000.0)
MAX_SCANNED = 200  # candidate facilities read per request: bounds the work of one quote
_EPS = 1e-6  # mm: float noise in measured sizes must not turn a tight fit into a miss


class QuoteError(ValueError):
    """A request that cannot be quoted; `measurement` is set when the file was measured."""

    def __init__(self, message: str, measurement: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.measurement = measurement


class UnknownFacilityError(LookupError):
    """No facility has this id or key."""


def _orientation(part: list[float], box: tuple[float, ...]) -> tuple[float, ...] | None:
    """The first permutation of the part's sizes that fits inside `box`, or None."""
    for turned in permutations(part):
        if all(p <= b + _EPS for p, b in zip(turned, box, strict=True)):
            return turned
    return None


def _machine_name(e: Equipment) -> str:
    named = " ".join(x for x in (e.make, e.model) if x)
    return named or e.equipment_type or "machine"


def _machine_box(e: Equipment, process: str) -> tuple[float, ...] | None:
    if process == "laser":
        if e.bed_size_mm:
            return tuple(e.bed_size_mm)
        return tuple(e.build_volume_mm[:2]) if e.build_volume_mm else None
    return tuple(e.build_volume_mm) if e.build_volume_mm else None


def _generic_only(ids: set[str], generic: str | None) -> bool:
    """Says "3D printing" without naming any printing technology."""
    if generic is None or generic not in ids:
        return False
    from refaire.store.facility_search import expand_process

    return not ids & set(expand_process(generic)[1:])


def check_fit(
    facility: Facility, process: str, part: list[float], lang: str = "en"
) -> dict[str, Any]:
    """Whether the part fits one of the facility's machines for `process`.

    Returns {"fits": True/False/None, "fit_reason": text in `lang`, "machines": [...]};
    None means the facility offers the process but states no machine size to check against.
    """
    words = {"process": label(VOCAB_PROCESS[process], lang)}

    def reason(key: str, **params: Any) -> str:
        return Wording(key, {**words, **params}).text(lang)

    wanted = MACHINE_PROCESSES[process]
    generic = GENERIC_PROCESS.get(process)
    machines = []
    for e in facility.equipment:
        ids = {c.id for c in e.processes}
        stated = bool(wanted & ids)
        if not stated and not _generic_only(ids, generic):
            continue
        box = _machine_box(e, process)
        turned = _orientation(part, box) if box else None
        machines.append(
            {
                "name": _machine_name(e),
                "process_stated": stated,
                "size_mm": list(box) if box else None,
                "size_origin": e.size_origin if box else None,
                "fits": None if box is None else turned is not None,
                "orientation_mm": list(turned) if turned else None,
            }
        )
    fitting = sorted((m for m in machines if m["fits"]), key=lambda m: not m["process_stated"])
    if fitting:
        m = fitting[0]
        text = reason("fit.yes", machine=m["name"], box=m["size_mm"], turned=m["orientation_mm"])
        if not m["process_stated"]:
            text = reason("fit.generic", reason=text)
        return {"fits": True, "fit_reason": text, "machines": machines}
    sized = [m for m in machines if m["fits"] is False]
    if sized and len(sized) == len(machines):
        largest = max(sized, key=lambda m: sorted(m["size_mm"]))
        text = reason(
            "fit.too_big", size=list(part), machine=largest["name"], box=largest["size_mm"]
        )
        return {"fits": False, "fit_reason": text, "machines": machines}
    if machines:
        names = ", ".join(m["name"] for m in machines)
        return {
            "fits": None,
            "fit_reason": reason("fit.unsized", machines=names),
            "machines": machines,
        }
    offered = facility.all_processes()
    if wanted & offered or _generic_only(offered, generic):
        return {"fits": None, "fit_reason": reason("fit.no_machine"), "machines": machines}
    return {"fits": False, "fit_reason": reason("fit.none"), "machines": machines}


def _process(kind: str, material: str) -> str:
    try:
        row = material_row(material)
    except ValueError as exc:
        raise QuoteError(exc.args[0] if exc.args else str(exc)) from None
    if kind == "drawing":
        if row["process"] != "laser":
            known = ", ".join(materials_for("laser"))
            raise QuoteError(Said("quote.err.drawing_laser", material=material, known=known))
        return "laser"
    if row["process"] == "laser":
        known = ", ".join(materials_for("fdm") + materials_for("sla"))
        raise QuoteError(Said("quote.err.mesh_print", material=material, known=known))
    return row["process"]


def _price(
    kind: str,
    measurement: dict[str, Any],
    material: str,
    process: str,
    pricing: dict[str, Any] | None,
    qty: int,
    thickness: float,
    lang: str = "en",
) -> dict[str, Any]:
    if kind == "drawing":
        quote = quote_vector(measurement, material, thickness, pricing, qty)
    else:
        quote = quote_mesh(measurement, material, pricing, qty, process=process)
    return quote.to_dict(lang)


def _candidates(
    store: Store, process: str, near: tuple[float, float] | None, wanted: int
) -> list[tuple[int, float | None]]:
    """(facility id, distance km) of facilities offering the process, nearest first.

    Around `near` the radius grows until `wanted` facilities are found. Facilities that
    only say "3D printing" follow those that state the printing process.
    """
    from refaire.store.facility_search import search_facilities

    def search(vocab: str) -> list[dict[str, Any]]:
        if near is None:
            return search_facilities(store, process=vocab, limit=MAX_SCANNED)["items"]
        for radius in RADII_KM:
            found = search_facilities(
                store, process=vocab, near=near, radius_km=radius, limit=MAX_SCANNED
            )
            if found["total"] >= wanted:
                break
        return found["items"]

    items = search(VOCAB_PROCESS[process])
    generic = GENERIC_PROCESS.get(process)
    if generic and len(items) < MAX_SCANNED:
        seen = {item["id"] for item in items}
        items += [
            item
            for item in search(generic)
            if item["id"] not in seen and generic in item["processes"]
        ][: MAX_SCANNED - len(items)]
    # Facilities found through the generic id whose printers all name another technology
    # drop out later, in quote_file, once their machines are known.
    return [(item["id"], item.get("distance_km")) for item in items]


def _entry(
    fid: int, facility: Facility, distance: float | None, kind: str, process: str, ctx: dict
) -> dict[str, Any]:
    fit = check_fit(facility, process, ctx["measurement"]["bbox_mm"], ctx["lang"])
    pricing = quote_pricing(facility.pricing)
    entry: dict[str, Any] = {
        "facility": {
            "id": fid,
            "name": facility.name,
            "city": facility.city,
            "country": facility.country,
        },
        **fit,
        "own_pricing": pricing is not None,
    }
    if distance is not None:
        entry["facility"]["distance_km"] = distance
    try:
        entry["quote"] = _price(
            kind,
            ctx["measurement"],
            ctx["material"],
            process,
            pricing,
            ctx["qty"],
            ctx["thickness"],
            ctx["lang"],
        )
    except ValueError as exc:  # a stored pricing this quote cannot use: say so, go on
        entry["quote"], entry["quote_error"] = None, str(exc)
    return entry


def _rank(entry: dict[str, Any]) -> tuple[int, int, int, float]:
    """Fitting first, then unknown sizes, then too small; within each, facilities with
    their own prices, machines that state the process, and the nearest."""
    fit_order = {True: 0, None: 1, False: 2}[entry["fits"]]
    stated = any(m["process_stated"] for m in entry["machines"])
    distance = entry["facility"].get("distance_km")
    return (
        fit_order,
        0 if entry["own_pricing"] else 1,
        0 if stated else 1,
        distance if distance is not None else 0.0,
    )


def quote_file(
    store: Store,
    name: str,
    data: bytes,
    material: str,
    facility_id: int | str | None = None,
    qty: int = 1,
    near: tuple[float, float] | str | Place | None = None,
    limit: int = 5,
    thickness_mm: float | None = None,
    lang: str = "en",
    measurement: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Measure `data` (a mesh or an SVG/DXF drawing) and quote it at one facility or at
    the best `limit` candidates; see the module docstring for the rules. Assumptions,
    line details and fit reasons are worded in `lang` (en or fr).

    Returns {"measurement", "process", "material", "quantity", "assumptions", "quotes":
    [{"facility": {id, name, …}, "fits", "fit_reason", "machines", "own_pricing",
    "quote"}]}, plus "reference_quote" (default rates) when no facility qualifies.
    Raises QuoteError for what cannot be quoted (unknown material, unusable file, bad
    quantity or thickness) and UnknownFacilityError for an unknown facility.

    `measurement`, when given, is `geometry.upload.measure_upload(name, data)` already
    done elsewhere (the server measures in a worker process); `data` is then not read.
    """
    from refaire.vocab.names import UnknownName, canonical_id

    try:
        # one name everywhere: the vocabulary's id ("PLA+" → pla, "felt" → textile)
        material = canonical_id(material, "material")
    except UnknownName as exc:
        known = ", ".join(sorted(rates()["materials"]))
        if exc.suggestions:
            close = ", ".join(exc.suggestions)
            raise QuoteError(Said("quote.err.material_close", given=exc.given, known=known, close=close)) from None
        raise QuoteError(Said("quote.err.material", given=exc.given, known=known)) from None
    if not isinstance(qty, int) or qty < 1:
        raise QuoteError(Said("quote.err.qty", value=qty))
    place = None
    if isinstance(near, str):
        from refaire.places import PlaceError, resolve_place

        try:
            place = resolve_place(near) if near.strip() else None
        except PlaceError as exc:
            raise QuoteError(Said("quote.err.near", problem=exc.text(lang))) from None
    elif isinstance(near, Place):
        place = near
    if place is not None:
        near = place.point
    if measurement is None:
        measurement = measure_upload(name, data)
    kind = measurement["kind"]
    process = _process(kind, material)  # before the file's problems: the cheaper mistake
    if not measurement["ok"]:
        problems = Joined(
            "; ", [said_problem(p) for p in measurement["problems"] if p["severity"] == "error"]
        )
        raise QuoteError(Said("quote.err.unmeasured", name=name, problems=problems), measurement)
    assumptions = [Wording("units", {"units": measurement["units_assumed"]})]
    thickness = DEFAULT_THICKNESS_MM
    if kind == "drawing":
        if thickness_mm is not None:
            thickness = float(thickness_mm)
        else:
            assumptions.append(Wording("thickness.default", {"thickness": thickness}))
        if not thickness > 0:
            raise QuoteError(Said("quote.err.thickness", value=thickness_mm))
    ctx = {
        "measurement": measurement,
        "material": material,
        "qty": qty,
        "thickness": thickness,
        "lang": lang,
    }
    try:  # facility-independent defects (no volume, too thick) surface here, once
        reference = _price(kind, measurement, material, process, None, qty, thickness, lang)
    except ValueError as exc:
        raise QuoteError(exc.args[0] if exc.args else str(exc), measurement) from None
    entries = []
    if facility_id not in (None, ""):
        found = get_facility(store, facility_id)
        if found is None:
            raise UnknownFacilityError(Said("quote.err.no_facility", ident=facility_id))
        entries.append(_entry(found[0], found[1], None, kind, process, ctx))
    else:
        for fid, distance in _candidates(store, process, near, max(1, int(limit))):
            found = get_facility(store, fid)
            if found is None:
                continue
            entry = _entry(fid, found[1], distance, kind, process, ctx)
            if entry["machines"] or entry["fits"] is not False:
                entries.append(entry)
        entries.sort(key=_rank)
        entries = entries[: max(1, int(limit))]
    result: dict[str, Any] = {
        "measurement": measurement,
        "process": process,
        "vocabulary_process": VOCAB_PROCESS[process],
        "material": material,
        "quantity": qty,
        "currency_default": rates()["currency"],
        "assumptions": [a.text(lang) for a in assumptions],
        "quotes": entries,
    }
    if kind == "drawing":
        result["thickness_mm"] = thickness
    if not entries:
        result["reference_quote"] = reference
    if place is not None:
        result["place"] = place.to_dict(lang)
    if facility_id in (None, "") and near is not None:
        shown = {e["facility"]["id"] for e in entries}
        result["unknown_capability"] = _unknown_near(store, near, process, shown, lang)
    return result


def _unknown_near(
    store: Store, near: tuple[float, float], process: str, shown: set[int], lang: str
) -> dict[str, Any]:
    """Places within the first radius that do not state the process (none stated at all,
    or only probable): not quoted, since nothing says they can, but worth asking."""
    from refaire.match.index import facility_index
    from refaire.match.unknown import unknown_capability

    index = facility_index(store)
    rows, dist = index.near(near[0], near[1], RADII_KM[0])
    keep = np.array([int(index.ids[r]) not in shown for r in rows], dtype=bool)
    return unknown_capability(
        index, rows[keep], dist[keep], RADII_KM[0], lang, process=VOCAB_PROCESS[process]
    )
