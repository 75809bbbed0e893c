"""Attach stand-alone part manifests (``okh-<Part>.toml``) to their module.

Rule: a part belongs to the module manifest found in the part manifest's own directory
or, failing that, in the nearest ancestor directory (OKH-LOSH keeps parts under the
module's repository, e.g. ``3DParts/ClampRing/okh-ClampRing.toml``). Flattened file
names, as in the shared corpus (``owner+repo__3DParts__ClampRing__okh-ClampRing.toml``
beside ``owner+repo__okh.toml``), are unfolded into those directories first.

Relative paths inside a part manifest are relative to that manifest; once attached
they are rebased onto the module's directory (``../../Documentation/x.jpg`` from
``3DParts/ClampRing`` becomes ``Documentation/x.jpg``) so that all paths of a design
share one base. A part whose name matches an inline ``[[part]]`` of the module fills
that part (same part described twice) instead of being added again.
"""

from __future__ import annotations

import posixpath
from dataclasses import replace
from pathlib import PurePosixPath

from refaire.model import Design, Part, Problem


def manifest_dir(source: str) -> PurePosixPath:
    """Directory of a manifest path, with flattened ``a__b__okh.toml`` names unfolded."""
    path = PurePosixPath(source.replace("\\", "/"))
    segments = [s for s in path.name.split("__") if s]
    return PurePosixPath(path.parent, *segments[:-1]) if len(segments) > 1 else path.parent


def _is_relative_path(p: str) -> bool:
    return "://" not in p and not p.startswith(("/", "#", "mailto:"))


def _rebase(paths: list[str], rel: PurePosixPath) -> list[str]:
    out = []
    for p in paths:
        if _is_relative_path(p) and str(rel) != ".":
            p = posixpath.normpath(posixpath.join(str(rel), p))
        out.append(p)
    return out


def _rebased(part: Part, rel: PurePosixPath) -> Part:
    image = _rebase([part.image], rel)[0] if part.image else None
    mesh = _rebase([part.mesh], rel)[0] if part.mesh else None
    return replace(
        part,
        sources=_rebase(part.sources, rel),
        exports=_rebase(part.exports, rel),
        image=image,
        mesh=mesh,
    )


def _merge(into: Part, extra: Part) -> None:
    """Fill what the inline part lacks from the part manifest."""
    into.manifest = into.manifest or extra.manifest
    for name in ("processes", "materials", "tsdc", "sources", "exports"):
        have = getattr(into, name)
        have.extend(x for x in getattr(extra, name) if x not in have)
    into.dimensions = into.dimensions or extra.dimensions
    into.mass_g = into.mass_g if into.mass_g is not None else extra.mass_g
    into.image = into.image or extra.image
    if into.mesh is None and extra.mesh is not None:
        # The part manifest's mesh was measured next to it (see `part_geometry`).
        into.mesh, into.volume_mm3, into.area_mm2 = extra.mesh, extra.volume_mm3, extra.area_mm2
        if extra.dimensions is not None and extra.dimensions.source == "measured":
            into.dimensions = extra.dimensions


def attach_parts(designs: list[Design], parts: list[Part]) -> list[Problem]:
    """Attach each part to its module (rule in the module docstring); orphans are warned."""
    by_dir: dict[PurePosixPath, list[Design]] = {}
    for d in designs:
        if d.provenance is not None:
            by_dir.setdefault(manifest_dir(d.provenance.source), []).append(d)
    problems: list[Problem] = []
    for part in parts:
        where = part.manifest or part.name
        if not part.manifest:
            problems.append(Problem(where, "warning", None, "part has no manifest path: orphan"))
            continue
        pdir = manifest_dir(part.manifest)
        owners: list[Design] = []
        for candidate in (pdir, *pdir.parents):
            owners = by_dir.get(candidate, [])
            if owners:
                break
        if not owners:
            msg = "orphan part manifest: no module manifest in its directory or any parent"
            problems.append(Problem(where, "warning", None, msg))
            continue
        if len(owners) > 1:
            keys = ", ".join(sorted(d.key for d in owners))
            msg = f"part manifest not attached: several modules in the same directory ({keys})"
            problems.append(Problem(where, "warning", None, msg))
            continue
        design = owners[0]
        assert design.provenance is not None
        rel = pdir.relative_to(manifest_dir(design.provenance.source))
        rebased = _rebased(part, rel)
        same = [p for p in design.parts if p.name.casefold() == part.name.casefold()]
        if same:
            _merge(same[0], rebased)
        else:
            design.parts.append(rebased)
    return problems
