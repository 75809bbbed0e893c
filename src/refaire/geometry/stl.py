"""STL reader: binary with one numpy call, ASCII with a tolerant regular expression,
converted chunk by chunk.

Binary versus ASCII is decided by the size rule `84 + 50 * n == size` and never by the
"solid" header: many exporters (SolidWorks, some CAM tools) write binary files whose
80-byte header starts with "solid", and an ASCII file can never satisfy the size rule by
accident because its bytes 80..84 are text, which reads as a count of hundreds of millions.
"""

from __future__ import annotations

import re

import numpy as np

from refaire.said import Said

from .errors import MeshError

HEADER_BYTES = 84
RECORD_BYTES = 50

# Little-endian by the format's definition; the attribute word is read and ignored.
BINARY_RECORD = np.dtype(
    [("normal", "<f4", (3,)), ("v", "<f4", (3, 3)), ("attr", "<u2")],
)
assert BINARY_RECORD.itemsize == RECORD_BYTES

_VERTEX = re.compile(rb"vertex\s+(\S+)\s+(\S+)\s+(\S+)", re.IGNORECASE)


def declared_count(data: bytes) -> int | None:
    """The triangle count a binary header claims, or None when there is no header."""
    if len(data) < HEADER_BYTES:
        return None
    return int.from_bytes(data[80:84], "little")


def binary_size_matches(data_size: int, head: bytes) -> bool:
    n = declared_count(head)
    return n is not None and HEADER_BYTES + RECORD_BYTES * n == data_size


def looks_ascii(data: bytes) -> bool:
    """ASCII STL: starts with "solid" (after blanks) and talks about facets."""
    start = data[:1024].lstrip()
    if start[:5].lower() != b"solid":
        return False
    # A binary file with a "solid" header that failed the size rule (truncated) would
    # otherwise be parsed as text: require the keyword and no NUL bytes near the start.
    return b"\x00" not in data[:1024] and b"facet" in data[:4096].lower()


def read_binary(data: bytes, max_triangles: int) -> np.ndarray:
    """Triangles as a float64 array of shape (n, 3, 3); the size rule is checked here too."""
    n = declared_count(data)
    if n is None:
        raise MeshError(Said("geom.err.stl_short", size=len(data)))
    if n > max_triangles:
        raise MeshError(Said("geom.err.stl_over", n=n, max=max_triangles))
    expected = HEADER_BYTES + RECORD_BYTES * n
    if expected != len(data):
        present = (len(data) - HEADER_BYTES) / RECORD_BYTES
        what = Said("geom.word.truncated" if len(data) < expected else "geom.word.trailing")
        raise MeshError(Said("geom.err.stl_size", n=n, expected=expected, size=len(data),
                             present=present, what=what))
    if n == 0:
        raise MeshError(Said("geom.err.stl_zero"))
    records = np.frombuffer(data, dtype=BINARY_RECORD, count=n, offset=HEADER_BYTES)
    # float64 for the sums: float32 volume accumulation loses digits on large meshes.
    return records["v"].astype(np.float64)


_CHUNK = 3 * 8_192  # vertices converted at a time: about 5 MB of tuples


def read_ascii(data: bytes, max_triangles: int) -> np.ndarray:
    """Every `vertex x y z` in order, grouped by three; facet keywords are not trusted.

    Vertices are converted to float64 a chunk at a time, so that the Python tuples of
    byte strings (about 200 bytes a vertex) never exist for the whole file at once.
    """
    # Counted without a lowered copy of the file; mixed-case keywords are caught below.
    vertex_count = data.count(b"vertex") + data.count(b"VERTEX")
    if vertex_count > 3 * max_triangles:
        raise MeshError(Said("geom.err.ascii_about", n=vertex_count // 3, max=max_triangles))
    blocks: list[np.ndarray] = []
    chunk: list[tuple[bytes, ...]] = []
    for match in _VERTEX.finditer(data):
        chunk.append(match.groups())
        if len(chunk) == _CHUNK:
            blocks.append(_coordinates(data, chunk))
            chunk = []
            if len(blocks) * _CHUNK > 3 * max_triangles:
                raise MeshError(Said("geom.err.ascii_over", max=max_triangles))
    if chunk:
        blocks.append(_coordinates(data, chunk))
    found = sum(len(b) for b in blocks)
    if not found:
        raise MeshError(Said("geom.err.ascii_empty"))
    if found % 3:
        raise MeshError(Said("geom.err.ascii_vertices", n=found))
    return np.concatenate(blocks).reshape(-1, 3, 3)


def _coordinates(data: bytes, rows: list[tuple[bytes, ...]]) -> np.ndarray:
    try:
        return np.array(rows, dtype=np.float64)
    except ValueError:
        bad = next(v for row in rows for v in row if not _is_number(v))
        line = data[: data.find(bad)].count(b"\n") + 1
        raise MeshError(Said("geom.err.ascii_number", line=line, bad=bad.decode(errors="replace"))) from None


def _is_number(token: bytes) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def read_stl(data: bytes, max_triangles: int) -> tuple[np.ndarray, str]:
    """Triangles and the variant read ("binary" or "ascii")."""
    if binary_size_matches(len(data), data[:HEADER_BYTES]):
        return read_binary(data, max_triangles), "binary"
    if looks_ascii(data):
        return read_ascii(data, max_triangles), "ascii"
    return read_binary(data, max_triangles), "binary"
