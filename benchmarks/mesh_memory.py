"""Peak memory of measuring text meshes (OBJ, ASCII STL): is "memory stays bounded" true?

Writes a ~10 MB OBJ and a ~10 MB ASCII STL of a closed torus in a temporary directory,
then in a fresh subprocess per file reads the bytes and measures them with
`refaire.geometry.measure_bytes`. Python's and numpy's allocations are traced
(tracemalloc) from after the read to the end of the measurement: the peak is what
measuring costs beyond holding the upload. Side by side: the file size, the result triangles array alone (n × 9 float64:
the floor any reader returning triangles pays), and the ratio of cost to file size.

Run: python benchmarks/mesh_memory.py [--mb 10]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, tracemalloc
from refaire.geometry import measure_bytes
path = sys.argv[1]
data = open(path, "rb").read()
tracemalloc.start()
report = measure_bytes(path, data)
_, peak = tracemalloc.get_traced_memory()
print(json.dumps({"ok": report.ok, "triangles": report.triangles, "problems": report.problems,
                  "measure_mb": peak / 2**20}))
"""


def torus(
    rings: int, sides: int
) -> tuple[list[tuple[float, float, float]], list[tuple[int, int, int]]]:
    vertices, faces = [], []
    for i in range(rings):
        a = 2 * math.pi * i / rings
        for j in range(sides):
            b = 2 * math.pi * j / sides
            r = 40 + 12 * math.cos(b)
            vertices.append((r * math.cos(a), r * math.sin(a), 12 * math.sin(b)))
    for i in range(rings):
        for j in range(sides):
            p, q = i * sides + j, ((i + 1) % rings) * sides + j
            p2, q2 = i * sides + (j + 1) % sides, ((i + 1) % rings) * sides + (j + 1) % sides
            faces += [(p, q, q2), (p, q2, p2)]
    return vertices, faces


def write_obj(path: Path, mb: float) -> None:
    # About 34 bytes per vertex line and 2 faces of ~22 bytes per vertex.
    side = int(math.sqrt(mb * 1e6 / 75))
    vertices, faces = torus(side, side)
    with path.open("w") as out:
        out.writelines(f"v {x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in vertices)
        out.writelines(f"f {a + 1} {b + 1} {c + 1}\n" for a, b, c in faces)


def write_ascii_stl(path: Path, mb: float) -> None:
    side = int(math.sqrt(mb * 1e6 / 190 / 2))
    vertices, faces = torus(side, side)
    with path.open("w") as out:
        out.write("solid torus\n")
        for face in faces:
            out.write(" facet normal 0 0 0\n  outer loop\n")
            out.writelines("   vertex {:.6f} {:.6f} {:.6f}\n".format(*vertices[k]) for k in face)
            out.write("  endloop\n endfacet\n")
        out.write("endsolid torus\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for name, write in (("torus.obj", write_obj), ("torus.stl", write_ascii_stl)):
            path = Path(tmp) / name
            write(path, args.mb)
            size_mb = path.stat().st_size / 1e6
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True
            )
            result = json.loads(out.stdout)
            floor_mb = result["triangles"] * 72 / 2**20
            print(json.dumps({
                "file": name, "file_mb": round(size_mb, 1), "triangles": result["triangles"],
                "ok": result["ok"], "measure_peak_mb": round(result["measure_mb"], 1),
                "triangle_array_mb": round(floor_mb, 1),
                "peak_per_file_byte": round(result["measure_mb"] * 2**20 / (size_mb * 1e6), 1),
            }))  # fmt: skip


if __name__ == "__main__":
    main()
