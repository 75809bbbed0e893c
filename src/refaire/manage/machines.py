"""Assisted machine entry: a manager types "Ultimaker S5" or "découpeuse laser Trotec".

`propose_machine` reads the text with the machine catalogue (brand + model → process, build
volume or bed, materials) and the capability resolver (words → process and materials), and
says where each proposal comes from. The manager confirms or corrects; `equipment_from`
turns the confirmed fields into an `Equipment` whose capabilities are stated by the manager.
"""

from __future__ import annotations

from typing import Any

from refaire.model import Capability, Equipment
from refaire.said import Said
from refaire.vocab._text import catalogue_tokens

MAX_QUANTITY = 1000
MAX_TEXT = 200


def _model_words(machine: Any) -> list[str]:
    brand = set(catalogue_tokens(machine.brand))
    return [w for w in catalogue_tokens(machine.model) if w not in brand and w != "original"]


def find_machine(text: str) -> Any | None:
    """The catalogue machine whose model the text names in full, preferring longer models.

    A brand alone is not a machine: "Ultimaker S5" must not become the first Ultimaker
    of the catalogue, so every model word (besides the brand) has to be in the text.
    """
    from refaire.vocab import catalogue

    words = text.split()
    candidates = [catalogue.find_in_text(text)]
    candidates += [
        catalogue.lookup(" ".join(words[:i]), " ".join(words[i:])) for i in range(len(words))
    ]
    said = set(catalogue_tokens(text))
    named = [
        m for m in candidates if m is not None and _model_words(m) and set(_model_words(m)) <= said
    ]
    return max(named, key=lambda m: len(_model_words(m)), default=None)


def propose_machine(text: str, lang: str = "en") -> dict[str, Any]:
    """Proposals for a machine typed as free text; every proposal names its basis.

    Keys: text, catalogue (the machine's name or None), make, model, process,
    processes (every process the words name), materials, build_volume_mm, bed_size_mm,
    laser_power_w, basis ({field: rule}).
    """
    from refaire.vocab.capabilities import label, resolve

    text = " ".join((text or "").split())[:MAX_TEXT]
    machine = find_machine(text) if text else None
    said = resolve(text, lang=lang, machines=False) if text else []
    processes = [r.id for r in said if _kind(r.id) == "process"]
    materials = [r.id for r in said if _kind(r.id) == "material"]
    basis: dict[str, str] = {}
    out: dict[str, Any] = {
        "text": text,
        "catalogue": None,
        "make": None,
        "model": None,
        "process": None,
        "processes": processes,
        "materials": [],
        "build_volume_mm": None,
        "bed_size_mm": None,
        "laser_power_w": None,
    }
    if machine is not None:
        rule = f"catalogue:{machine.name}"
        out.update(catalogue=machine.name, make=machine.brand, model=machine.model)
        basis["make"] = basis["model"] = rule
        if machine.process:
            out["process"] = machine.process
            basis["process"] = rule
        if machine.materials:
            out["materials"] = list(machine.materials)
            basis["materials"] = rule
        vol = machine.build_volume_mm
        if vol and len(vol) >= 3:
            out["build_volume_mm"] = [float(v) for v in vol[:3]]
            basis["build_volume_mm"] = rule
        elif vol and len(vol) == 2:
            out["bed_size_mm"] = [float(v) for v in vol]
            basis["bed_size_mm"] = rule
        if machine.laser_power_w:
            out["laser_power_w"] = float(machine.laser_power_w)
            basis["laser_power_w"] = rule
    if machine is None and (brand := _brand_in(text)):
        out["make"] = brand
        basis["make"] = "brand"
    if out["process"] is None and processes:
        out["process"] = processes[0]
        basis["process"] = next(r.rule for r in said if r.id == processes[0])
    if not out["materials"] and materials:
        out["materials"] = materials
        basis["materials"] = "words"
    out["process_label"] = label(out["process"], lang) if out["process"] else None
    out["basis"] = basis
    out["found"] = bool(machine is not None or out["process"])
    return out


def _brand_in(text: str) -> str | None:
    """A catalogue brand named in the text ("découpeuse laser Trotec" → Trotec)."""
    from refaire.vocab import catalogue

    said = set(catalogue_tokens(text))
    for m in catalogue.models():
        toks = catalogue_tokens(m.brand)
        if toks and toks[0] in said and len(toks[0]) > 2:
            return m.brand
    return None


def _kind(cid: str) -> str | None:
    from refaire.vocab.capabilities import is_known

    if is_known(cid, "process"):
        return "process"
    return "material" if is_known(cid, "material") else None


def _dims(value: Any, n: int, field: str, problems: list[tuple[str, str]]) -> tuple | None:
    from refaire.vocab.dimensions import parse_dimensions

    if value in (None, "", []):
        return None
    if isinstance(value, list | tuple):
        try:
            dims = tuple(float(v) for v in value)
        except (TypeError, ValueError):
            dims = None
    else:
        dims = parse_dimensions(str(value))
    if not dims or len(dims) != n or not all(0 < d < 100_000 for d in dims):
        example = "330 x 240 x 300" if n == 3 else "600 x 400"
        problems.append((field, Said("manage.err.sizes", n=n, example=example, value=value)))
        return None
    return dims


def _ids(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [str(x).strip().lower() for x in items if str(x).strip()]


def equipment_from(fields: dict[str, Any], by: str, at: str) -> Equipment:
    """An Equipment stated by the manager `by` at `at`, or ManageError naming every field."""
    from refaire.manage.access import ManageError, free_text
    from refaire.vocab.capabilities import is_known

    problems: list[tuple[str, str]] = []
    process_ids = _ids(fields.get("process") or fields.get("processes"))
    if not process_ids:
        problems.append(("process", Said("manage.err.process_missing")))
    for p in process_ids:
        if not is_known(p, "process"):
            problems.append(("process", Said("manage.err.process_unknown", id=p)))
    material_ids = _ids(fields.get("materials"))
    for m in material_ids:
        if not is_known(m, "material"):
            problems.append(("materials", Said("manage.err.material_unknown", id=m)))
    try:
        quantity = int(fields.get("quantity") or 1)
    except (TypeError, ValueError):
        quantity = 0
    if not 1 <= quantity <= MAX_QUANTITY:
        problems.append(("quantity", Said("manage.err.quantity", most=MAX_QUANTITY)))
    volume = _dims(fields.get("build_volume_mm"), 3, "build_volume_mm", problems)
    bed = _dims(fields.get("bed_size_mm"), 2, "bed_size_mm", problems)
    power = fields.get("laser_power_w")
    if power not in (None, ""):
        try:
            power = float(power)
            if not 0 < power < 1_000_000:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(("laser_power_w", Said("manage.err.watts", value=power)))
            power = None
    else:
        power = None
    make = free_text(str(fields.get("make") or ""), MAX_TEXT)
    model = free_text(str(fields.get("model") or ""), MAX_TEXT)
    kind = free_text(str(fields.get("equipment_type") or ""), MAX_TEXT)
    if not (make or model or kind):
        problems.append(("model", Said("manage.err.model")))
    if problems:
        raise ManageError(problems)
    stated = {"by": by, "at": at}
    extra: dict[str, Any] = {"stated_by": stated}
    if fields.get("catalogue"):
        extra["catalogue"] = free_text(str(fields["catalogue"]), MAX_TEXT)
    return Equipment(
        equipment_type=kind,
        make=make,
        model=model,
        quantity=quantity,
        processes=[Capability(p, "stated", "manager", 1.0) for p in dict.fromkeys(process_ids)],
        materials=[Capability(m, "stated", "manager", 1.0) for m in dict.fromkeys(material_ids)],
        build_volume_mm=volume,
        bed_size_mm=bed,
        laser_power_w=power,
        size_origin="stated",
        text=free_text(str(fields.get("text") or ""), MAX_TEXT),
        extra=extra,
    )
