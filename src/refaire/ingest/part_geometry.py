"""Parts get their geometry from the mesh files their manifest points to.

A part's `exports` then `sources` are tried in that order; the first STL, 3MF or OBJ that
can be read on disk gives the part its bounding box (``Dimensions(source="measured")``),
volume, surface area and `mesh` (the path as the manifest wrote it). Design-level
`exports`/`sources` meshes serve parts that have none of their own: a file whose name
is the part's name, or the only printable file of a one-part design. A design without
parts but with exactly one reachable mesh gets one part named after the file.

Rules on paths: relative to the manifest's directory; absolute paths and paths that climb
above the repository root guess (a ``.git`` directory at or just above the manifest,
else two levels up) are refused; files over `max_bytes` are not read. URLs are left
alone (ingest never fetches meshes).

Rules on sizes: a measured size replaces an absent (or merely inferred) one; a stated
size is kept unless it differs from the mesh by more than 10 % on some axis (compared
largest to largest, since a manifest does not know the mesh's orientation), in which
case the measured one wins with a warning naming both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath

from refaire.geometry import MeshReport, measure_file
from refaire.geometry.units import unit_suspicion
from refaire.ingest.base import ReadResult
from refaire.model import Design, Dimensions, Part, Problem

MESH_SUFFIXES = (".stl", ".3mf", ".obj")
MAX_BYTES = 50_000_000
DISAGREE = 0.10

Measurer = Callable[[str], "Found"]


@dataclass(slots=True)
class Found:
    """What became of one mesh reference: a report, or why there is none."""

    report: MeshReport | None = None
    # None: not local-looking (a URL), nothing to say; else the problem to report.
    severity: str | None = None
    reason: str | None = None


def is_mesh_name(ref: str) -> bool:
    return PurePosixPath(ref.replace("\\", "/").split("?", 1)[0]).suffix.lower() in MESH_SUFFIXES


def norm(text: str) -> str:
    """A name folded for matching: ``Clamp Ring`` and ``clamp_ring`` meet as ``clampring``."""
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def stem(ref: str) -> str:
    return PurePosixPath(ref.replace("\\", "/")).stem


def repository_root(base_dir: Path) -> Path:
    """How far upwards relative paths may climb from a manifest's directory."""
    base = base_dir.resolve()
    for candidate in (base, base.parent):
        if (candidate / ".git").exists():
            return candidate
    return base.parent.parent


def _local_looking(ref: str) -> bool:
    lowered = ref.lower()
    return "://" not in ref and not lowered.startswith(("#", "mailto:", "data:", "www."))


def _is_absolute(ref: str) -> bool:
    return ref.startswith(("/", "\\", "~")) or bool(re.match(r"^[A-Za-z]:[\\/]", ref))


class MeshFinder:
    """Resolves mesh references below one base directory and measures each file once."""

    def __init__(self, base_dir: Path, max_bytes: int = MAX_BYTES) -> None:
        self.base_dir = base_dir
        self.max_bytes = max_bytes
        self._seen: dict[Path, Found] = {}

    @cached_property
    def base(self) -> Path:
        # Resolved on first use: most manifests name no local mesh, and resolving walks
        # (lstat) every component of the path.
        return self.base_dir.resolve()

    @cached_property
    def root(self) -> Path:
        return repository_root(self.base_dir)

    def __call__(self, ref: str) -> Found:
        if not _local_looking(ref):
            return Found()
        if _is_absolute(ref):
            return Found(severity="warning", reason=f"absolute path {ref!r} not followed")
        rel = ref.replace("\\", "/").split("?", 1)[0]
        target = (self.base / rel).resolve()
        if not target.is_relative_to(self.root):
            return Found(
                severity="warning", reason=f"{ref!r} leads outside the repository: not followed"
            )
        if target in self._seen:
            return self._seen[target]
        found = self._measure(ref, target)
        self._seen[target] = found
        return found

    def _measure(self, ref: str, target: Path) -> Found:
        if not target.is_file():
            return Found(severity="info", reason=f"mesh {ref!r} not found beside the manifest")
        size = target.stat().st_size
        if size > self.max_bytes:
            return Found(
                severity="warning",
                reason=f"mesh {ref!r} is {size:,} bytes, over the {self.max_bytes:,}-byte limit",
            )
        return Found(report=measure_file(target, picture=True))


def _sizes_disagree(a: Dimensions, b: Dimensions) -> bool:
    for x, y in zip(sorted(a.as_tuple()), sorted(b.as_tuple()), strict=True):
        big = max(abs(x), abs(y))
        if big > 0 and abs(x - y) / big > DISAGREE:
            return True
    return False


def _fmt(d: Dimensions) -> str:
    return " x ".join(f"{v:.4g}" for v in d.as_tuple()) + " mm"


def apply_report(
    part: Part, report: MeshReport, mesh: str, where: str, field: str
) -> list[Problem]:
    """Give `part` the geometry of a measured mesh; the problems say what was odd.

    A report that is not `ok` leaves the part untouched and becomes one warning.
    """
    if not report.ok or report.bbox_mm is None:
        errors = [p["message"] for p in report.problems if p["severity"] == "error"]
        reason = "; ".join(errors) or "nothing measurable"
        return [Problem(where, "warning", field, f"mesh {mesh!r} could not be measured: {reason}")]
    problems: list[Problem] = []
    width, depth, height = report.bbox_mm
    measured = Dimensions(width, depth, height, source="measured")
    stated = part.dimensions
    if stated is None or stated.source in ("measured", "inferred"):
        part.dimensions = measured
    elif _sizes_disagree(stated, measured):
        part.dimensions = measured
        problems.append(
            Problem(
                where,
                "warning",
                field,
                f"stated size {_fmt(stated)} differs from the mesh {mesh!r} "
                f"({_fmt(measured)}) by more than 10 %: the measured size is kept",
            )
        )
    part.volume_mm3 = report.volume_mm3
    part.area_mm2 = report.area_mm2
    part.mesh = mesh
    part.thumbnail = report.thumbnail
    suspicion = unit_suspicion(report.bbox_mm)
    for p in report.problems:
        # A unit mix-up makes the size wrong for matching and quotes: worth a warning.
        # The other remarks (open edges, zero-area facets) only qualify the volume.
        severity = "warning" if p["message"] == suspicion else "info"
        problems.append(Problem(where, severity, field, f"mesh {mesh!r}: {p['message']}"))
    return problems


def _own_meshes(part: Part) -> list[str]:
    return [r for r in dict.fromkeys(part.exports + part.sources) if is_mesh_name(r)]


def _measure_refs(
    part: Part, refs: list[str], find: Measurer, where: str, field: str
) -> tuple[bool, list[Problem]]:
    """Try `refs` in order until one measures; (measured, problems)."""
    problems: list[Problem] = []
    for ref in refs:
        found = find(ref)
        if found.report is None:
            if found.severity is not None and found.reason:
                problems.append(Problem(where, found.severity, field, found.reason))  # type: ignore[arg-type]
            continue
        applied = apply_report(part, found.report, ref, where, field)
        problems.extend(applied)
        if found.report.ok:
            return True, problems
    return False, problems


def measure_part(
    part: Part, base_dir: Path, where: str, field: str = "part.mesh", max_bytes: int = MAX_BYTES
) -> list[Problem]:
    """Measure a part manifest read on its own (paths relative to its own file)."""
    _, problems = _measure_refs(
        part, _own_meshes(part), MeshFinder(base_dir, max_bytes), where, field
    )
    return problems


def measure_parts(design: Design, base_dir: Path, max_bytes: int = MAX_BYTES) -> list[Problem]:
    """Give the design's parts the geometry of their reachable meshes; returns the problems.

    `base_dir` is the manifest's directory. The design itself is changed in place (parts
    measured, a part added for a lone mesh); the problems are not added to it.
    """
    where = design.provenance.source if design.provenance else design.name
    find = MeshFinder(base_dir, max_bytes)
    problems: list[Problem] = []
    pending: list[tuple[int, Part]] = []
    for i, part in enumerate(design.parts):
        try:
            done, found = _measure_refs(
                part, _own_meshes(part), find, part.manifest or where, f"parts[{i}].mesh"
            )
        except OSError as exc:  # a disk that fails mid-batch must not lose the design
            done, found = False, [Problem(where, "warning", f"parts[{i}].mesh", str(exc))]
        problems.extend(found)
        if not done:
            pending.append((i, part))
    shared = [r for r in dict.fromkeys(design.exports + design.sources) if is_mesh_name(r)]
    if not shared:
        return problems
    if not design.parts:
        return problems + _lone_mesh_part(design, shared, find, where)
    for i, part in pending:
        named = [r for r in shared if norm(stem(r)) == norm(part.name)]
        if not named and len(design.parts) == 1 and len(shared) == 1:
            named = shared
        if named:
            problems.extend(_measure_refs(part, named, find, where, f"parts[{i}].mesh")[1])
    return problems


def _lone_mesh_part(design: Design, shared: list[str], find: Measurer, where: str) -> list[Problem]:
    """A design without parts whose only mesh is reachable gets a part named after it."""
    field = "parts[0].mesh"
    if len(shared) != 1:
        return []
    ref = shared[0]
    part = Part(name=stem(ref), exports=[ref] if ref in design.exports else [])
    if ref not in design.exports:
        part.sources = [ref]
    done, problems = _measure_refs(part, [ref], find, where, field)
    if done:
        design.parts.append(part)
        problems.append(
            Problem(where, "info", field, f"part {part.name!r} made from the design's only mesh")
        )
    return problems


def measure_result(result: ReadResult, manifest: Path, max_bytes: int = MAX_BYTES) -> None:
    """Measure every design and stand-alone part a manifest file yielded, in place."""
    base = manifest.parent
    for design in result.designs:
        design.problems.extend(measure_parts(design, base, max_bytes))
    for part in result.parts:
        result.problems.extend(
            measure_part(part, base, part.manifest or str(manifest), max_bytes=max_bytes)
        )
