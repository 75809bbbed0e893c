"""Measurements of a triangle soup, all vectorised with numpy.

Input everywhere: a float64 array of shape (n, 3, 3), triangle × corner × xyz.

- volume: sum of signed tetrahedra (origin, a, b, c) — the divergence theorem on a closed
  surface. The mesh is first moved to its bounding-box corner so that parts placed far from
  the origin (3MF build plates put them at 150+ mm) do not lose digits to cancellation.
- watertight: vertices are identified by a 64-bit hash of their exact coordinates, then every
  undirected edge must be used by exactly two triangles, once in each direction (an
  edge-manifold, consistently oriented closed surface). That is the condition under which the signed volume is right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(slots=True)
class Measures:
    triangles: int
    bbox_min: tuple[float, float, float]
    bbox_size: tuple[float, float, float]
    volume: float  # signed: negative when the facets face inwards
    area: float
    degenerate: int  # zero-area facets
    boundary_edges: int  # used by one triangle: holes
    nonmanifold_edges: int  # used by three or more triangles
    misoriented_edges: int  # used twice in the same direction: flipped facets

    @property
    def watertight(self) -> bool:
        return self.boundary_edges == 0 and self.nonmanifold_edges == 0


def bbox(tris: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    points = tris.reshape(-1, 3)
    # Column by column: numpy's axis-0 reduction over (n, 3) is several times slower.
    low = np.array([points[:, k].min() for k in range(3)])
    high = np.array([points[:, k].max() for k in range(3)])
    return low, high


def areas_and_volume(tris: np.ndarray, origin: np.ndarray) -> tuple[np.ndarray, float]:
    """Twice each triangle's area, and the signed volume taken about `origin`.

    One cross product serves both: with a' = a − origin, a'·(b'×c') = a'·((b−a)×(c−a))
    (the other terms are triple products holding a' twice, which vanish), and (b−a)×(c−a)
    is the area's cross product already.
    """
    a = tris[:, 0]
    u = tris[:, 1] - a
    v = tris[:, 2] - a
    # Written out component by component with in-place updates: np.cross and np.stack
    # build several (n, 3) temporaries and take about twice as long.
    cx = u[:, 1] * v[:, 2]
    cx -= u[:, 2] * v[:, 1]
    cy = u[:, 2] * v[:, 0]
    cy -= u[:, 0] * v[:, 2]
    cz = u[:, 0] * v[:, 1]
    cz -= u[:, 1] * v[:, 0]
    volume = sum(float(np.dot(a[:, k] - origin[k], c)) for k, c in enumerate((cx, cy, cz)))
    areas2 = cx * cx
    areas2 += cy * cy
    areas2 += cz * cz
    return np.sqrt(areas2, out=areas2), volume / 6.0


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads every input bit over the whole word (a bijection)."""
    x = x ^ (x >> np.uint64(30))
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


# Odd multipliers (golden ratio, xxHash primes): multiplying by an odd constant is a
# bijection of 64-bit words.
_K = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F), np.uint64(0x165667B19E3779F9))
_32 = np.uint64(32)


def point_hash(points: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each point's exact coordinates, shape (n, 3) → (n,).

    Equal coordinates give equal hashes (-0.0 counts as 0.0); different ones collide with
    probability about 2⁻⁶⁴ per pair.
    """
    # +0.0 turns -0.0 into 0.0: the same place must weld.
    bits = np.ascontiguousarray(points + 0.0).view(np.uint64).reshape(-1, 3)
    h = np.zeros(len(bits), dtype=np.uint64)
    for k in range(3):
        column = bits[:, k]
        # Folding the high word down first matters: float32 coordinates (every STL) have
        # 29 zero low bits, and a product only carries low bits upwards, so without the
        # fold the sign and exponent would only reach the top few bits of the hash.
        word = column >> _32
        word ^= column
        word *= _K[k]
        h ^= word
    return _mix(h)


def edge_counts(tris: np.ndarray) -> tuple[int, int, int]:
    """(boundary, non-manifold, misoriented) edge counts, vertices welded by position.

    Vertices are identified by `point_hash` and undirected edges by a hash of their two
    ends' hashes: no vertex numbering is built, which saves two sorts and the random
    gathers that verifying coordinates would cost (most of the time on large meshes).
    Two different edges are confused only when their 63-bit identities collide, about
    e² / 2⁶⁴ for e edges (under 10⁻⁶ for a million triangles), and that can only flip the
    watertight verdict, never the volume.
    """
    h = point_hash(tris.reshape(-1, 3)).reshape(-1, 3)
    # Facets collapsed to a segment or a point carry no surface: their edges cancel out or
    # are spurious, so they are left out of the topology.
    keep = (h[:, 0] != h[:, 1]) & (h[:, 1] != h[:, 2]) & (h[:, 2] != h[:, 0])
    if not keep.all():
        h = h[keep]
    if len(h) == 0:
        return 0, 0, 0
    start = h.reshape(-1)
    end = np.roll(h, -1, axis=1).reshape(-1)
    forward = start < end
    low = np.minimum(start, end)
    high = np.maximum(start, end)
    # Ends are already mixed hashes: multiply-xor keeps the pair ordered (low, high).
    low *= _K[0]
    low ^= high
    # The direction of each use rides in the lowest bit: sorting keeps one edge's uses
    # together and a consistently oriented pair has exactly one use going low→high.
    packed = low & ~np.uint64(1)
    packed |= forward
    packed.sort()
    if _closed_and_oriented(packed):
        return 0, 0, 0
    edge = packed >> np.uint64(1)
    starts = np.flatnonzero(np.concatenate(([True], edge[1:] != edge[:-1])))
    counts = np.diff(np.append(starts, len(edge)))
    forward_uses = np.add.reduceat((packed & np.uint64(1)).astype(np.int64), starts)
    boundary = int((counts == 1).sum())
    nonmanifold = int((counts > 2).sum())
    misoriented = int(((counts == 2) & (forward_uses != 1)).sum())
    return boundary, nonmanifold, misoriented


def _closed_and_oriented(packed: np.ndarray) -> bool:
    """The common case, checked with strided views only: the sorted uses come in pairs,
    edge e backwards (2e) then forwards (2e + 1)."""
    if len(packed) % 2:
        return False
    even, odd = packed[0::2], packed[1::2]
    # Sorted, so the next pair's backward use (an even number) is at least 2e + 2: a
    # different edge. Nothing else needs checking.
    return bool(((even & np.uint64(1)) == 0).all() and (odd == even + np.uint64(1)).all())


def measure(tris: np.ndarray) -> Measures:
    low, high = bbox(tris)
    size = high - low
    areas2, volume = areas_and_volume(tris, low)
    # Zero area relative to the part's scale: float32 STL corners of a collinear facet
    # leave a residue around 1e-7 of the squared size, far below any printable sliver.
    diagonal2 = float(size @ size) or 1.0
    degenerate = int((areas2 <= 1e-10 * diagonal2).sum())
    boundary, nonmanifold, misoriented = edge_counts(tris)
    return Measures(
        triangles=len(tris),
        bbox_min=(float(low[0]), float(low[1]), float(low[2])),
        bbox_size=(float(size[0]), float(size[1]), float(size[2])),
        volume=volume,
        area=float(areas2.sum() / 2.0),
        degenerate=degenerate,
        boundary_edges=boundary,
        nonmanifold_edges=nonmanifold,
        misoriented_edges=misoriented,
    )
