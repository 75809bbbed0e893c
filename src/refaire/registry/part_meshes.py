"""Attach uploaded meshes to a stored design's parts: the service behind the API, CLI and web.

Each file is matched to a part by name: first a part whose `exports`/`sources` list a file
of that name, then a part whose name is the file's stem (``Clamp Ring`` ↔
``clamp_ring.stl``). A design that had no parts before the upload gets one part per
file, named after it. The part is measured with the same rules as at import
(`refaire.ingest.part_geometry.apply_report`) and the design is saved once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from refaire.geometry import MeshReport, measure_bytes
from refaire.ingest.part_geometry import MAX_BYTES, apply_report, norm, stem
from refaire.limits import UPLOAD_MAX_TRIANGLES
from refaire.model import Design, Part
from refaire.registry.designs import UnknownDesign
from refaire.store import Store
from refaire.store.designs import get_design, save_designs


@dataclass(slots=True)
class Attachment:
    """What became of one uploaded file."""

    file: str
    part: str | None = None
    created: bool = False
    measurement: dict[str, Any] | None = None
    dimensions: dict[str, Any] | None = None
    problems: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None

    @property
    def attached(self) -> bool:
        return self.part is not None and self.reason is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "attached": self.attached,
            "part": self.part,
            "created": self.created,
            "dimensions": self.dimensions,
            "measurement": self.measurement,
            "problems": self.problems,
            "reason": self.reason,
        }


def file_name(name: str) -> str:
    """The bare file name of an upload (browsers may send ``C:\\fakepath\\x.stl``)."""
    return PurePosixPath(name.replace("\\", "/")).name or "upload"


def _basename(ref: str) -> str:
    return PurePosixPath(ref.replace("\\", "/").split("?", 1)[0]).name.casefold()


def find_part(design: Design, name: str) -> tuple[int, str] | None:
    """(index, the part's own reference to the file) of the part an upload belongs to."""
    wanted = name.casefold()
    for i, part in enumerate(design.parts):
        for ref in part.exports + part.sources:
            if _basename(ref) == wanted:
                return i, ref
    key = norm(stem(name))
    for i, part in enumerate(design.parts):
        if key and norm(part.name) == key:
            return i, name
    return None


def _attach_one(
    design: Design,
    name: str,
    data: bytes,
    had_parts: bool,
    max_bytes: int,
    measured: MeshReport | None = None,
) -> Attachment:
    out = Attachment(file=name)
    if len(data) > max_bytes:
        out.reason = f"{len(data):,} bytes, over the {max_bytes:,}-byte limit"
        return out
    found = find_part(design, name)
    if found is None and had_parts:
        names = ", ".join(repr(p.name) for p in design.parts)
        out.reason = f"no part lists this file or is named after it (parts: {names})"
        return out
    report = measured if measured is not None else measure_bytes(
        name, data, UPLOAD_MAX_TRIANGLES, picture=True
    )
    out.measurement = report.to_dict()
    if not report.ok:
        errors = [p["message"] for p in report.problems if p["severity"] == "error"]
        out.reason = "could not be measured: " + ("; ".join(errors) or "nothing measurable")
        return out
    if found is None:
        design.parts.append(Part(name=stem(name), exports=[name]))
        index, ref, out.created = len(design.parts) - 1, name, True
    else:
        index, ref = found
    part = design.parts[index]
    fld = f"parts[{index}].mesh"
    problems = apply_report(part, report, ref, f"upload:{name}", fld)
    # The new mesh's remarks replace those of the one it supersedes.
    design.problems = [p for p in design.problems if p.field != fld] + problems
    out.part = part.name
    out.dimensions = (
        None
        if part.dimensions is None
        else {
            "width": part.dimensions.width,
            "depth": part.dimensions.depth,
            "height": part.dimensions.height,
            "source": part.dimensions.source,
        }
    )
    out.problems = [p.to_dict() for p in problems]
    return out


def attach_meshes(
    store: Store,
    ident: str | int,
    files: list[tuple[str, bytes]],
    max_bytes: int = MAX_BYTES,
    reports: list[MeshReport | None] | None = None,
) -> dict[str, Any]:
    """Measure uploaded meshes onto a design's parts and save it; one entry per file.

    `reports`, aligned with `files`, are measurements already made (the server makes them
    in worker processes); a None entry, or no list, is measured here.
    """
    found = get_design(store, ident)
    if found is None:
        raise UnknownDesign(ident)
    design_id, design = found
    had_parts = bool(design.parts)
    given = reports or [None] * len(files)
    results = [
        _attach_one(design, file_name(name), data, had_parts, max_bytes, report)
        for (name, data), report in zip(files, given, strict=True)
    ]
    saved = any(r.attached for r in results)
    if saved:
        save_designs(store, [design])
    return {
        "design": {"id": design_id, "key": design.key, "name": design.name},
        "saved": saved,
        "files": [r.to_dict() for r in results],
    }
