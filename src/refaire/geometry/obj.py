"""Wavefront OBJ reader: `v` and `f` lines; polygons fan-triangulated.

Face corners may be `i`, `i/t`, `i//n` or `i/t/n`; negative indices count back from the
last vertex defined so far, as the format says. Everything else (normals, texture
coordinates, groups, materials) plays no part in a measurement and is skipped.

Memory: the upload is walked line by line (no list of lines), and vertices and corner
indices go into typed arrays (8 bytes a number) instead of Python tuples and ints (about
100 bytes a vertex); a 10 MB file once took over a gigabyte.
"""

from __future__ import annotations

import io
from array import array

import numpy as np

from refaire.said import Said

from .errors import MeshError


def looks_like_obj(data: bytes, faces: bool = True) -> bool:
    """Vertex lines (and, with `faces`, face lines) in the first 64 KiB, and no NUL byte."""
    head = data[:65536]
    if b"\x00" in head:
        return False
    lines = [line.strip() for line in head.splitlines()]
    has_v = any(line.startswith(b"v ") for line in lines)
    has_f = any(line.startswith(b"f ") for line in lines)
    return has_v and (has_f or not faces)


def _vertex(line: bytes, number: int, out: array) -> None:
    parts = line.split()
    if len(parts) < 4:
        raise MeshError(Said("geom.err.obj_vertex", line=number))
    try:
        out.extend((float(parts[1]), float(parts[2]), float(parts[3])))
    except ValueError:
        raise MeshError(Said("geom.err.obj_numbers", line=number)) from None


def _face(tokens: list[bytes], number: int, count: int, out: array) -> None:
    """Appends the fan triangles of one face's corner tokens."""
    corners = []
    for token in tokens:
        try:
            index = int(token.split(b"/", 1)[0])
        except ValueError:
            raise MeshError(Said("geom.err.obj_corner", line=number,
                                 corner=token[:40].decode(errors="replace"))) from None
        # 1-based; negative is relative to the vertices read so far.
        resolved = index - 1 if index > 0 else count + index
        if index == 0 or not 0 <= resolved < count:
            raise MeshError(Said("geom.err.obj_index", line=number, index=index, n=count))
        corners.append(resolved)
    if len(corners) < 3:
        raise MeshError(Said("geom.err.obj_face", line=number))
    for k in range(1, len(corners) - 1):
        out.extend((corners[0], corners[k], corners[k + 1]))


def read_obj(data: bytes, max_triangles: int) -> np.ndarray:
    """Triangles as a float64 array of shape (n, 3, 3)."""
    vertices = array("d")
    faces = array("q")
    triangles = 0
    for number, raw in enumerate(io.BytesIO(data), start=1):
        line = raw.split(b"#", 1)[0].strip()
        if line.startswith(b"v "):
            _vertex(line, number, vertices)
        elif line.startswith(b"f "):
            tokens = line.split()[1:]
            # Counted before any corner is read: one 10 MB line of corners would fan
            # into five million triangles.
            triangles += max(len(tokens) - 2, 0)
            if triangles > max_triangles:
                raise MeshError(Said("geom.err.obj_over", max=max_triangles))
            _face(tokens, number, len(vertices) // 3, faces)
    if not faces:
        raise MeshError(Said("geom.err.obj_no_face"))
    points = np.frombuffer(vertices, dtype=np.float64).reshape(-1, 3)
    return points[np.frombuffer(faces, dtype=np.int64)].reshape(-1, 3, 3)
