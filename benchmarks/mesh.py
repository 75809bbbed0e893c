"""Mesh measurement benchmark: numpy reader versus a pure-Python reader, side by side.

1. Writes a 1,000,000-triangle binary STL (a closed torus) in a temporary directory, then
   measures it (best of --repeat runs each) with `refaire.geometry.measure_file` (numpy: read, bbox, volume, area and the
   watertight edge check) and with a pure-Python reader (struct.unpack per triangle, then
   bbox, volume and area in a loop — no watertight check, so the ratio is conservative).
   Prints one JSON line {"triangles", "numpy_s", "pure_python_s", "ratio"}, then a check
   line with the numpy read alone and the volume agreement.
2. For each real mesh of ../shared/data/meshes, prints one JSON line with the deviation of
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
