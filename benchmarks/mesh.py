"""Mesh measurement benchmark: numpy reader versus a pure-Python reader, side by side.

1. Writes a 1,000,000-triangle binary STL (a closed torus) in a temporary directory, then
   measures it (best of --repeat runs each) with `refaire.geometry.measure_file` (numpy:
   read, bbox, volume, area and the watertight edge check) and with a pure-Python reader
   (struct.unpack per triangle, then bbox, volume and area in a loop — no watertight
   check, so the ratio is conservative). Prints one JSON line {"triangles", "numpy_s",
   "pure_python_s", "ratio"}, then a check line with the numpy read alone and the volume
   agreement.
2. Measures the same triangles with the current `measure` and with the previous one (kept
   below: vertices welded exactly by sorting a coordinate hash and comparing coordinates,
   then edges numbered; two cross products), and prints both times, their ratio and
   whether the edge counts agree: {"measure_previous_s", "measure_s", "speedup", ...}.
3. For each real mesh of ../shared/data/meshes, prints one JSON line with the deviation of
   bbox and volume from the pure-Python reference.

Run: python benchmarks/mesh.py [--triangles N]
"""

from __future__ import annotations

import argparse
import json
import math
import struct
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from refaire.geometry import measure_file
from refaire.geometry.measure import bbox, measure
from refaire.geometry.stl import BINARY_RECORD, read_stl

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "meshes"


def write_torus(path: Path, triangles: int) -> None:
    """A closed torus of about `triangles` facets (nu × nv quads, two facets each)."""
    nv = max(3, int(math.sqrt(triangles / 4)))
    nu = max(3, triangles // (2 * nv))
    u = np.linspace(0, 2 * np.pi, nu, endpoint=False)[:, None]
    v = np.linspace(0, 2 * np.pi, nv, endpoint=False)[None, :]
    big, small = 40.0, 10.0
    grid = np.stack(
        np.broadcast_arrays(
            (big + small * np.cos(v)) * np.cos(u),
            (big + small * np.cos(v)) * np.sin(u),
            small * np.sin(v),
        ),
        axis=-1,
    ).astype(np.float32)
    i, j = np.meshgrid(np.arange(nu), np.arange(nv), indexing="ij")
    a, b = grid[i, j], grid[(i + 1) % nu, j]
    c, d = grid[(i + 1) % nu, (j + 1) % nv], grid[i, (j + 1) % nv]
    tris = np.concatenate(
        [np.stack([a, b, c], -2).reshape(-1, 3, 3), np.stack([a, c, d], -2).reshape(-1, 3, 3)]
    )
    records = np.zeros(len(tris), dtype=BINARY_RECORD)
    records["v"] = tris
    with path.open("wb") as handle:
        handle.write(b"refaire benchmark torus".ljust(80))
        handle.write(struct.pack("<I", len(tris)))
        handle.write(records.tobytes())


def pure_python(data: bytes) -> dict[str, object]:
    """struct.unpack per triangle; bbox, volume (signed tetrahedra) and area in a loop."""
    n = struct.unpack_from("<I", data, 80)[0]
    low = [math.inf] * 3
    high = [-math.inf] * 3
    volume = area = 0.0
    unpack = struct.Struct("<12fH").unpack_from
    for k in range(n):
        v = unpack(data, 84 + 50 * k)
        ax, ay, az, bx, by, bz, cx, cy, cz = v[3:12]
        for x, y, z in ((ax, ay, az), (bx, by, bz), (cx, cy, cz)):
            low = [min(low[0], x), min(low[1], y), min(low[2], z)]
            high = [max(high[0], x), max(high[1], y), max(high[2], z)]
        volume += ax * (by * cz - bz * cy) - ay * (bx * cz - bz * cx) + az * (bx * cy - by * cx)
        ux, uy, uz, wx, wy, wz = bx - ax, by - ay, bz - az, cx - ax, cy - ay, cz - az
        area += math.sqrt(
            (uy * wz - uz * wy) ** 2 + (uz * wx - ux * wz) ** 2 + (ux * wy - uy * wx) ** 2
        )
    return {
        "triangles": n,
        "bbox": [high[k] - low[k] for k in range(3)],
        "volume": abs(volume) / 6,
        "area": area / 2,
    }


def reference_ascii(data: bytes) -> dict[str, object]:
    """Pure-Python reference for ASCII STL: vertices from split lines."""
    points = [
        tuple(float(w) for w in line.split()[1:4])
        for line in data.decode().splitlines()
        if line.split()[:1] == ["vertex"]
    ]
    low = [min(p[k] for p in points) for k in range(3)]
    high = [max(p[k] for p in points) for k in range(3)]
    volume = 0.0
    for a, b, c in zip(points[0::3], points[1::3], points[2::3], strict=True):
        volume += (
            a[0] * (b[1] * c[2] - b[2] * c[1])
            - a[1] * (b[0] * c[2] - b[2] * c[0])
            + a[2] * (b[0] * c[1] - b[1] * c[0])
        )
    return {"bbox": [high[k] - low[k] for k in range(3)], "volume": abs(volume) / 6}


# --- the previous implementation of `refaire.geometry.measure`, for the side-by-side ----


def _prev_cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.stack(
        (
            u[:, 1] * v[:, 2] - u[:, 2] * v[:, 1],
            u[:, 2] * v[:, 0] - u[:, 0] * v[:, 2],
            u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0],
        ),
        axis=1,
    )


def _prev_mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _prev_sorted_groups(keys: np.ndarray, index_bits: int) -> tuple[np.ndarray, np.ndarray]:
    packed = (keys << np.uint64(index_bits)) | np.arange(len(keys), dtype=np.uint64)
    packed.sort()
    mask = np.uint64((1 << index_bits) - 1)
    return (packed & mask).astype(np.int64), packed >> np.uint64(index_bits)


def _prev_weld(points: np.ndarray) -> np.ndarray:
    n = len(points)
    index_bits = max(1, int(n - 1).bit_length())
    bits = np.ascontiguousarray(points + 0.0).view(np.uint64).reshape(-1, 3)
    h = _prev_mix(_prev_mix(_prev_mix(bits[:, 0]) ^ bits[:, 1]) ^ bits[:, 2])
    order, hashes = _prev_sorted_groups(h >> np.uint64(index_bits), index_bits)
    same_hash = hashes[1:] == hashes[:-1]
    group = np.cumsum(np.concatenate(([True], ~same_hash))) - 1
    ids = np.empty(n, dtype=np.int64)
    ids[order] = group
    differs = np.zeros(n - 1, dtype=bool)
    for k in range(3):
        column = np.ascontiguousarray(bits[:, k])[order]
        differs |= column[1:] != column[:-1]
    differs &= same_hash
    if differs.any():
        clashing = np.isin(group, group[1:][differs])
        members = order[clashing]
        _, exact = np.unique(bits[members], axis=0, return_inverse=True)
        ids[members] = group[-1] + 1 + exact.reshape(-1)
    return ids


def _prev_edge_counts(tris: np.ndarray) -> tuple[int, int, int]:
    ids = _prev_weld(tris.reshape(-1, 3)).reshape(-1, 3)
    keep = (ids[:, 0] != ids[:, 1]) & (ids[:, 1] != ids[:, 2]) & (ids[:, 2] != ids[:, 0])
    ids = ids[keep]
    if len(ids) == 0:
        return 0, 0, 0
    start = ids.reshape(-1)
    end = ids[:, [1, 2, 0]].reshape(-1)
    low, high = np.minimum(start, end), np.maximum(start, end)
    keys = (low * (int(ids.max()) + 1) + high).astype(np.uint64)
    packed = (keys << np.uint64(1)) | (start < end).astype(np.uint64)
    packed.sort()
    edge = packed >> np.uint64(1)
    starts = np.flatnonzero(np.concatenate(([True], edge[1:] != edge[:-1])))
    counts = np.diff(np.append(starts, len(edge)))
    forward = np.add.reduceat((packed & np.uint64(1)).astype(np.int64), starts)
    return (
        int((counts == 1).sum()),
        int((counts > 2).sum()),
        int(((counts == 2) & (forward != 1)).sum()),
    )


def previous_measure(tris: np.ndarray) -> dict[str, object]:
    """bbox, area, volume and edge counts exactly as the previous `measure` computed them."""
    low, high = bbox(tris)
    areas2 = np.sqrt(
        np.einsum("ij,ij->i", c := _prev_cross(tris[:, 1] - tris[:, 0], tris[:, 2] - tris[:, 0]), c)
    )
    moved = tris - low
    volume = float(
        np.einsum("ij,ij->i", moved[:, 0], _prev_cross(moved[:, 1], moved[:, 2])).sum() / 6
    )
    return {"volume": volume, "area": float(areas2.sum() / 2), "edges": _prev_edge_counts(tris)}  # fmt: skip


def side_by_side(path: Path, repeat: int) -> dict[str, object]:
    """The previous and the current `measure` on the same triangles, alternated, best of N."""
    tris, _ = read_stl(path.read_bytes(), 10**8)
    previous_s = current_s = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        before = previous_measure(tris)
        previous_s = min(previous_s, time.perf_counter() - start)
        start = time.perf_counter()
        now = measure(tris)
        current_s = min(current_s, time.perf_counter() - start)
    counts = (now.boundary_edges, now.nonmanifold_edges, now.misoriented_edges)
    return {
        "measure_previous_s": round(previous_s, 3),
        "measure_s": round(current_s, 3),
        "speedup": round(previous_s / current_s, 2),
        "same_edge_counts": before["edges"] == counts,
        "volume_rel_dev": abs(now.volume - before["volume"]) / abs(before["volume"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triangles", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of N runs, for both")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "torus.stl"
        write_torus(path, args.triangles)
        numpy_s = pure_s = read_s = math.inf
        for _ in range(args.repeat):
            start = time.perf_counter()
            report = measure_file(path)
            numpy_s = min(numpy_s, time.perf_counter() - start)
            start = time.perf_counter()
            read_stl(path.read_bytes(), args.triangles)
            read_s = min(read_s, time.perf_counter() - start)
            start = time.perf_counter()
            ref = pure_python(path.read_bytes())
            pure_s = min(pure_s, time.perf_counter() - start)
    assert report.ok and report.triangles == ref["triangles"], report.problems
    print(
        json.dumps(
            {
                "triangles": report.triangles,
                "numpy_s": round(numpy_s, 3),
                "pure_python_s": round(pure_s, 3),
                "ratio": round(pure_s / numpy_s, 1),
            }
        )
    )
    print(
        json.dumps(
            {
                "check": "torus numpy vs pure python",
                "numpy_read_only_s": round(read_s, 3),
                "volume_rel_dev": abs(report.volume_mm3 - ref["volume"]) / ref["volume"],
                "watertight": report.watertight,
            }
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "torus.stl"
        write_torus(path, args.triangles)
        print(json.dumps({"triangles": args.triangles, **side_by_side(path, args.repeat)}))
    # A damaged copy: the counts must still agree when there is something to count.
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "torus.stl"
        write_torus(path, args.triangles)
        data = bytearray(path.read_bytes())
        n = (len(data) - 84) // 50
        del data[84 + 50 * (n // 2) : 84 + 50 * (n // 2 + 100)]  # a hole of 100 facets
        data[80:84] = struct.pack("<I", n - 100)
        path.write_bytes(bytes(data))
        print(json.dumps({"holed_torus": True, **side_by_side(path, 1)}))
    if not SHARED.is_dir():
        print(json.dumps({"skipped": f"no real meshes at {SHARED}"}), file=sys.stderr)
        return
    for mesh in sorted(SHARED.glob("*.stl")):
        data = mesh.read_bytes()
        is_binary = 84 + 50 * struct.unpack_from("<I", data, 80)[0] == len(data)
        ref = pure_python(data) if is_binary else reference_ascii(data)
        got = measure_file(mesh)
        print(
            json.dumps(
                {
                    "file": mesh.name,
                    "bbox_max_rel_dev": max(
                        abs(g - r) / r for g, r in zip(got.bbox_mm, ref["bbox"], strict=True) if r
                    ),
                    "volume_rel_dev": abs(got.volume_mm3 - ref["volume"]) / ref["volume"],
                }
            )
        )
    for mesh in sorted(SHARED.glob("*.3mf")):
        got = measure_file(mesh)
        print(json.dumps({"file": mesh.name, "note": "3MF reference lives in tests/test_geometry.py",
                          "volume_mm3": got.volume_mm3, "ok": got.ok}))  # fmt: skip


if __name__ == "__main__":
    main()
