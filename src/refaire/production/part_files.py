"""A request for a member's own part files: measured parts instead of a registry design.

The files are measured by the geometry module (`geometry.upload.measure_upload`, run in a
worker by the server: `jobs.uploads.measure_off_loop`); this module only turns those
measurements into the parts a request stores: the file's name and format, its measured
bounding box, area and volume (meshes) or cut length (drawings), the material asked for,
and the process that material needs (a mesh is 3D printed in the material's process,
FDM or SLA; a drawing is laser cut). A file that could not be measured, a material the
quote tables do not know, or a material the part's process cannot use is refused, every
problem at once, before anything is written.

The parts then stand for a design (`design_of`), so routing and the quote pre-fill use
the same engines as for a registry design: the measured bounding box is the part's size
(a machine too small for it, where its size is stated, cannot make it).
"""

from __future__ import annotations

from typing import Any

from refaire.model import Design, Dimensions, Part
from refaire.production.access import ProductionError
from refaire.said import Said, said_problem

MAX_PARTS = 20
# quote-table process -> process vocabulary id
_PROCESS = {"fdm": "fdm", "sla": "sla", "laser": "laser-cutting"}


def _material_process(material: str) -> str | None:
    from refaire.quote.rates import rates

    row = rates()["materials"].get(material)
    return row["process"] if row else None


def _known(process: str) -> str:
    from refaire.quote.rates import materials_for

    return ", ".join(materials_for(process))


def _first_problem(m: dict[str, Any]) -> str:
    # a Said when the problem has its key: the page words it
    for p in m.get("problems") or []:
        if p.get("severity") == "error":
            return said_problem(p)
    return Said("prod.err.no_measurement")


def parts_from_measurements(measured: list[dict[str, Any]],
                            materials: dict[str, str]) -> list[dict[str, Any]]:  # fmt: skip
    """The stored parts of measured files (`measure_upload` dicts, in file order), with
    the material of each (by file name, or "*" for all); ProductionError listing every
    file refused and why."""
    problems: list[tuple[str, str]] = []
    if not measured:
        problems.append(("parts", Said("prod.err.no_parts")))
    if len(measured) > MAX_PARTS:
        problems.append(("parts", Said("prod.err.too_many_parts", n=len(measured), max=MAX_PARTS)))
    parts = []
    for i, m in enumerate(measured[:MAX_PARTS]):
        name = str(m.get("file") or f"part {i + 1}")[:200]
        field = f"parts.{i}"
        if not m.get("ok"):
            problems.append((field, Said("prod.err.not_measured", name=name, why=_first_problem(m))))
            continue
        material = (materials.get(name) or materials.get("*") or "").strip().lower()
        drawing = m.get("kind") == "drawing"
        wanted = "laser" if drawing else None
        process = _material_process(material) if material else None
        if not material:
            problems.append((field, Said("prod.err.name_material", name=name)))
            continue
        if process is None:
            problems.append((field, Said("prod.err.unknown_material", name=name, material=material)))
            continue
        if drawing and process != wanted:
            problems.append((field, Said("prod.err.drawing_laser", name=name, material=material,
                                  known=_known("laser"))))  # fmt: skip
            continue
        if not drawing and process == "laser":
            problems.append((field, Said("prod.err.mesh_printed", name=name, material=material,
                                  known=f"{_known('fdm')}, {_known('sla')}")))  # fmt: skip
            continue
        if not drawing and not (m.get("volume_mm3") or 0) > 0:
            problems.append((field, Said("prod.err.no_volume", name=name)))
            continue
        bbox = [round(float(x), 3) for x in m.get("bbox_mm") or []]
        parts.append({
            "name": name, "kind": "drawing" if drawing else "mesh", "format": m.get("format"),
            "bbox_mm": bbox, "area_mm2": m.get("area_mm2"),
            "volume_mm3": None if drawing else m.get("volume_mm3"),
            "cut_length_mm": m.get("cut_length_mm") if drawing else None,
            "watertight": None if drawing else m.get("watertight"),
            "process": _PROCESS[process], "material": material})  # fmt: skip
    if problems:
        raise ProductionError(problems)
    return parts


def design_of(parts: list[dict[str, Any]], title: str) -> Design:
    """The parts as a design for the matching engine: one part per file, its process,
    material and measured size (a drawing's sheet has no stated thickness: height 0)."""
    out = []
    for p in parts:
        box = (list(p["bbox_mm"]) + [0.0, 0.0, 0.0])[:3]
        out.append(Part(name=p["name"], processes=[p["process"]], materials=[p["material"]],
                        dimensions=Dimensions(*box, source="measured") if p["bbox_mm"] else None,
                        volume_mm3=p.get("volume_mm3"), area_mm2=p.get("area_mm2")))  # fmt: skip
    return Design(key="request:parts", name=title, format="request", parts=out)
