"""3MF reader: the OPC zip, the root model, components and the production extension.

Geometry may sit in the root model or, with the production extension, in sub-model parts
(`p:path="/3D/Objects/object_1.model"`, as Bambu Studio and PrusaSlicer write them). Build
items and components carry 3×4 affine transforms, composed from the leaf upwards.

Hostile archives: XML with entity declarations or external references is refused by
defusedxml, whatever its encoding (`safexml`); each part is decompressed in chunks
and abandoned past a size bound or an implausible compression ratio (zip bombs); the
triangle count after component instancing is checked before any array is built.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np

from refaire.said import Said

from .errors import MeshError
from .safexml import parse_xml
from .units import MM_PER_UNIT

ROOT_REL_TYPE = "http://schemas.microsoft.com/3dmanufacturing/2013/01/3dmodel"
DEFAULT_ROOT = "3D/3dmodel.model"
# Generous for real XML (which compresses about 10:1) yet stops a bomb early.
MAX_RATIO = 200
RATIO_CHECK_AFTER = 10 * 1024 * 1024
# Component nesting deeper than this is a cycle or an attack, not a design.
MAX_DEPTH = 32
# Placed objects after instancing (build items × components × …): a printer's plate holds
# hundreds; nesting empty components multiplies visits without adding a triangle.
MAX_INSTANCES = 100_000
_PRINTED_TYPES = {"model", "solidsupport"}


@dataclass
class _Object:
    type: str = "model"
    vertices: np.ndarray | None = None
    triangles: np.ndarray | None = None
    components: list[tuple[str | None, str, np.ndarray]] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: ET.Element, name: str) -> str | None:
    """An attribute by local name, whatever its namespace prefix (p:path, path)."""
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _transform(text: str | None) -> np.ndarray:
    """3MF's 12 numbers as a 4×3 matrix acting on row vectors: [x y z 1] @ M."""
    if not text:
        return np.vstack((np.eye(3), np.zeros(3)))
    try:
        values = [float(v) for v in text.split()]
    except ValueError:
        raise MeshError(Said("geom.err.3mf_transform", text=text[:60])) from None
    if len(values) != 12:
        raise MeshError(Said("geom.err.3mf_transform_n", n=len(values)))
    return np.array(values, dtype=np.float64).reshape(4, 3)


def _compose(inner: np.ndarray, outer: np.ndarray) -> np.ndarray:
    """Apply `inner` first, then `outer`."""
    linear = inner[:3] @ outer[:3]
    offset = inner[3] @ outer[:3] + outer[3]
    return np.vstack((linear, offset))


class _Package:
    def __init__(self, data: bytes, max_part_bytes: int) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
            raise MeshError(Said("geom.err.3mf_zip", why=str(exc))) from None
        self.names = {info.filename.lower(): info.filename for info in self.zip.infolist()}
        self.max_part_bytes = max_part_bytes
        self.models: dict[str, dict[str, _Object]] = {}
        self.unit = "millimeter"

    def read_part(self, name: str) -> bytes:
        key = name.lstrip("/").lower()
        if key not in self.names:
            raise MeshError(Said("geom.err.3mf_missing_part", name=name))
        info = self.zip.getinfo(self.names[key])
        if info.file_size > self.max_part_bytes:
            raise MeshError(Said("geom.err.3mf_part_size", name=name, size=info.file_size,
                                 max=self.max_part_bytes))
        try:
            return self._inflate(name, info)
        except MeshError:
            raise
        # zipfile's own faults on a damaged archive: each of these has been seen.
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
                OSError, ValueError) as exc:  # fmt: skip
            raise MeshError(Said("geom.err.3mf_unpack", name=name, error=str(exc))) from None

    def _inflate(self, name: str, info: zipfile.ZipInfo) -> bytes:
        chunks, total = [], 0
        # The declared size may lie: count what really comes out, chunk by chunk.
        with self.zip.open(info) as stream:
            while chunk := stream.read(1 << 20):
                total += len(chunk)
                if total > self.max_part_bytes:
                    raise MeshError(Said("geom.err.3mf_inflates", name=name, max=self.max_part_bytes))
                if total > RATIO_CHECK_AFTER and total > MAX_RATIO * max(info.compress_size, 1):
                    raise MeshError(Said("geom.err.3mf_bomb", name=name, ratio=MAX_RATIO,
                                         size=info.compress_size))
                chunks.append(chunk)
        return b"".join(chunks)

    def root_path(self) -> str:
        if "_rels/.rels" in self.names:
            rels = _parse(self.read_part("_rels/.rels"), "_rels/.rels")
            for rel in rels.iter():
                if _local(rel.tag) == "Relationship" and rel.get("Type") == ROOT_REL_TYPE:
                    return rel.get("Target", DEFAULT_ROOT).lstrip("/")
        if DEFAULT_ROOT.lower() in self.names:
            return DEFAULT_ROOT
        raise MeshError(Said("geom.err.3mf_no_model"))

    def model(self, path: str) -> dict[str, _Object]:
        path = path.lstrip("/")
        if path not in self.models:
            root = _parse(self.read_part(path), path)
            if _local(root.tag) != "model":
                raise MeshError(Said("geom.err.3mf_not_model", name=path))
            self.models[path] = _objects(root, path)
        return self.models[path]


def _parse(data: bytes, name: str) -> ET.Element:
    return parse_xml(data, f"3MF part {name!r}")


def _objects(root: ET.Element, path: str) -> dict[str, _Object]:
    found: dict[str, _Object] = {}
    for element in root.iter():
        if _local(element.tag) != "object":
            continue
        obj = _Object(type=element.get("type", "model"))
        for child in element.iter():
            tag = _local(child.tag)
            if tag == "vertices":
                try:
                    obj.vertices = np.array(
                        [(float(v.get("x")), float(v.get("y")), float(v.get("z"))) for v in child],
                        dtype=np.float64,
                    ).reshape(-1, 3)
                except (TypeError, ValueError):
                    raise MeshError(Said("geom.err.3mf_vertex", path=path)) from None
            elif tag == "triangles":
                try:
                    obj.triangles = np.array(
                        [(int(t.get("v1")), int(t.get("v2")), int(t.get("v3"))) for t in child],
                        dtype=np.int64,
                    ).reshape(-1, 3)
                except (TypeError, ValueError):
                    raise MeshError(Said("geom.err.3mf_triangle", path=path)) from None
            elif tag == "component":
                target = child.get("objectid")
                if target is None:
                    raise MeshError(Said("geom.err.3mf_component", path=path))
                obj.components.append(
                    (_attr(child, "path"), target, _transform(child.get("transform")))
                )
        found[element.get("id", "")] = obj
    return found


def read_3mf(
    data: bytes, max_triangles: int, max_part_bytes: int
) -> tuple[np.ndarray, str, list[str]]:
    """Triangles in millimetres, the unit the file declared, and warnings."""
    package = _Package(data, max_part_bytes)
    root_path = package.root_path()
    root = _parse(package.read_part(root_path), root_path)
    unit = root.get("unit", "millimeter")
    if unit not in MM_PER_UNIT:
        raise MeshError(Said("geom.err.3mf_unit", unit=unit, units=", ".join(MM_PER_UNIT)))
    package.models[root_path] = _objects(root, root_path)
    warnings: list[str] = []

    # Triangles are counted through every instance first, memoised per object, so that a
    # component bomb (an object placing a thousand copies of an object placing a thousand
    # copies …) is refused before anything is placed or allocated.
    counts: dict[tuple[str, str], tuple[int, int]] = {}

    def lookup(path: str, object_id: str) -> _Object:
        obj = package.model(path).get(object_id)
        if obj is None:
            raise MeshError(Said("geom.err.3mf_object", id=object_id, path=path))
        return obj

    def expanded(path: str, object_id: str, depth: int) -> tuple[int, int]:
        """(triangles, objects visited) once every component is instanced."""
        if depth > MAX_DEPTH:
            raise MeshError(Said("geom.err.3mf_depth", max=MAX_DEPTH))
        key = (path, object_id)
        if key not in counts:
            obj = lookup(path, object_id)
            triangles, visits = 0, 1
            if obj.type in _PRINTED_TYPES and obj.triangles is not None:
                triangles = len(obj.triangles)
            for sub_path, sub_id, _ in obj.components:
                sub_triangles, sub_visits = expanded(sub_path or path, sub_id, depth + 1)
                triangles, visits = triangles + sub_triangles, visits + sub_visits
                # Checked while summing: the sums themselves may grow as 10^depth.
                if visits > MAX_INSTANCES:
                    raise MeshError(Said("geom.err.3mf_component_count", max=MAX_INSTANCES))
            counts[key] = (triangles, visits)
        return counts[key]

    placements: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def walk(path: str, object_id: str, matrix: np.ndarray) -> None:
        obj = lookup(path, object_id)
        if obj.type not in _PRINTED_TYPES:
            warnings.append(Said("geom.warn.3mf_type", id=object_id, type=obj.type))
            return
        if obj.vertices is not None and obj.triangles is not None and len(obj.triangles):
            if obj.triangles.min() < 0 or obj.triangles.max() >= len(obj.vertices):
                raise MeshError(Said("geom.err.3mf_index", path=path, id=object_id))
            placements.append((obj.vertices, obj.triangles, matrix))
        for sub_path, sub_id, sub_matrix in obj.components:
            walk(sub_path or path, sub_id, _compose(sub_matrix, matrix))

    items = [e for e in root.iter() if _local(e.tag) == "item"]
    if not items:
        raise MeshError(Said("geom.err.3mf_no_item"))
    chosen = []
    total = instances = 0
    for item in items:
        object_id = item.get("objectid")
        if object_id is None:
            raise MeshError(Said("geom.err.3mf_item_id"))
        if item.get("printable") == "0":
            warnings.append(Said("geom.warn.3mf_unprintable", id=object_id))
            continue
        path = _attr(item, "path") or root_path
        triangles, visits = expanded(path, object_id, 0)
        total, instances = total + triangles, instances + visits
        if instances > MAX_INSTANCES:
            raise MeshError(Said("geom.err.3mf_build_objects", max=MAX_INSTANCES))
        if total > max_triangles:
            raise MeshError(Said("geom.err.3mf_build_triangles", max=max_triangles))
        chosen.append((path, object_id, _transform(item.get("transform"))))
    for path, object_id, matrix in chosen:
        walk(path, object_id, matrix)
    if not placements:
        raise MeshError(Said("geom.err.3mf_no_triangles"))

    parts = []
    for vertices, triangles, matrix in placements:
        placed = vertices @ matrix[:3] + matrix[3]
        corners = placed[triangles]
        # A mirroring transform turns the facets inside out; swap two corners back.
        if np.linalg.det(matrix[:3]) < 0:
            corners = corners[:, [0, 2, 1]]
        parts.append(corners)
    tris = np.concatenate(parts) * MM_PER_UNIT[unit]
    return tris, unit, warnings
