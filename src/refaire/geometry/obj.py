"""Wavefront OBJ reader: `v` and `f` lines; polygons fan-triangulated.

Face corners may be `i`, `i/t`, `i//n` or `i/t/n`; negative indices count back from the
last vertex defined so far, as the format says. Everything else (normals, texture
coordinates, groups, materials) plays no part in a measurement and is skipped.
"""

from __future__ import annotations

import numpy as np

from .errors import MeshError


def looks_like_obj(data: bytes) -> bool:
    head = data[:65536]
    if b"\x00" in head:
        return False
    lines = [line.strip() for line in head.splitlines()]
    has_v = any(line.startswith(b"v ") for line in lines)
    has_f = any(line.startswith(b"f ") for line in lines)
    return has_v and has_f


def read_obj(data: bytes, max_triangles: int) -> np.ndarray:
    vertices: list[tuple[float, float, float]] = []
    faces: list[int] = []
    for number, raw in enumerate(data.splitlines(), start=1):
        line = raw.split(b"#", 1)[0].strip()
        if line.startswith(b"v "):
            parts = line.split()
            if len(parts) < 4:
                raise MeshError(f"OBJ line {number}: a vertex needs x y z")
            try:
                vertices.append((float(parts[1]), float(parts[2]), float(parts[3])))
            except ValueError:
                raise MeshError(f"OBJ line {number}: vertex coordinates are not numbers") from None
        elif line.startswith(b"f "):
            corners = []
            for token in line.split()[1:]:
                try:
                    index = int(token.split(b"/", 1)[0])
                except ValueError:
                    raise MeshError(
                        f"OBJ line {number}: face corner {token.decode(errors='replace')!r} "
                        "is not a vertex index"
                    ) from None
                # 1-based; negative is relative to the vertices read so far.
                resolved = index - 1 if index > 0 else len(vertices) + index
                if index == 0 or not 0 <= resolved < len(vertices):
                    raise MeshError(
                        f"OBJ line {number}: vertex index {index} out of range "
                        f"(1..{len(vertices)} defined so far)"
                    )
                corners.append(resolved)
            if len(corners) < 3:
                raise MeshError(f"OBJ line {number}: a face needs at least 3 corners")
            for k in range(1, len(corners) - 1):
                faces.extend((corners[0], corners[k], corners[k + 1]))
            if len(faces) > 3 * max_triangles:
                raise MeshError(f"OBJ has more than {max_triangles:,} triangles: refused")
    if not faces:
        raise MeshError("OBJ without any face ('f' line): nothing to measure")
    points = np.array(vertices, dtype=np.float64)
    return points[np.array(faces, dtype=np.int64)].reshape(-1, 3, 3)
