"""Mesh measurement: real meshes against an independent pure-Python reference, and
hostile or broken files that must give a clear `ok: False` instead of an exception."""

from __future__ import annotations

import io
import math
import random
import re
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from refaire.geometry import measure_bytes, measure_file

MESH_FIXTURES = Path(__file__).parent / "fixtures" / "meshes"

# --- an independent reference: plain Python, one triangle at a time ---------------------


def ref_read_stl(data: bytes) -> list[tuple[tuple[float, ...], ...]]:
    """Binary by the size rule, else ASCII by splitting lines; struct per triangle."""
    n = struct.unpack("<I", data[80:84])[0] if len(data) >= 84 else -1
    if 84 + 50 * n == len(data):
        tris = []
        for i in range(n):
            v = struct.unpack_from("<12f", data, 84 + 50 * i)
            tris.append((v[3:6], v[6:9], v[9:12]))
        return tris
    points = []
    for line in data.decode().splitlines():
        words = line.split()
        if words and words[0] == "vertex":
            points.append(tuple(float(w) for w in words[1:4]))
    return [tuple(points[i : i + 3]) for i in range(0, len(points), 3)]


def ref_read_3mf(data: bytes) -> list[tuple[tuple[float, ...], ...]]:
    """Regex reading of the root model's item → component → sub-model mesh chain."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    root = archive.read("3D/3dmodel.model").decode()

    def matrix(text: str) -> list[float]:
        return [float(v) for v in text.split()]

    item = matrix(re.search(r'<item [^>]*transform="([^"]+)"', root).group(1))
    component = re.search(r"<component ([^>]*)/>", root).group(1)
    comp = matrix(re.search(r'transform="([^"]+)"', component).group(1))
    sub = archive.read(re.search(r'p:path="/?([^"]+)"', component).group(1)).decode()
    verts = [
        tuple(float(x) for x in m)
        for m in re.findall(r'<vertex x="([^"]+)" y="([^"]+)" z="([^"]+)"', sub)
    ]

    def apply(m: list[float], p: tuple[float, ...]) -> tuple[float, ...]:
        return tuple(p[0] * m[c] + p[1] * m[3 + c] + p[2] * m[6 + c] + m[9 + c] for c in range(3))

    placed = [apply(item, apply(comp, p)) for p in verts]
    tris = re.findall(r'<triangle v1="(\d+)" v2="(\d+)" v3="(\d+)"', sub)
    return [tuple(placed[int(i)] for i in t) for t in tris]


def ref_bbox(tris) -> list[float]:
    return [
        max(p[k] for t in tris for p in t) - min(p[k] for t in tris for p in t) for k in range(3)
    ]


def ref_volume(tris) -> float:
    """Divergence theorem with the field (0, 0, z): Σ z̄ · (n_z dA), not the tetrahedra."""
    total = 0.0
    for a, b, c in tris:
        cross_z = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        total += 0.5 * cross_z * (a[2] + b[2] + c[2]) / 3.0
    return abs(total)


def ref_area(tris) -> float:
    total = 0.0
    for a, b, c in tris:
        u = [b[k] - a[k] for k in range(3)]
        v = [c[k] - a[k] for k in range(3)]
        cx = u[1] * v[2] - u[2] * v[1]
        cy = u[2] * v[0] - u[0] * v[2]
        cz = u[0] * v[1] - u[1] * v[0]
        total += 0.5 * math.sqrt(cx * cx + cy * cy + cz * cz)
    return total


def check_against_reference(path: Path) -> None:
    data = path.read_bytes()
    tris = ref_read_3mf(data) if path.suffix == ".3mf" else ref_read_stl(data)
    report = measure_file(path)
    assert report.ok, report.problems
    assert report.triangles == len(tris)
    for got, want in zip(report.bbox_mm, ref_bbox(tris), strict=True):
        assert got == pytest.approx(want, rel=0.005)
    assert report.volume_mm3 == pytest.approx(ref_volume(tris), rel=0.01)
    assert report.area_mm2 == pytest.approx(ref_area(tris), rel=0.01)


# --- builders for synthetic meshes -------------------------------------------------------


def box(sx: float, sy: float, sz: float) -> list[tuple[tuple[float, float, float], ...]]:
    """A closed box, outward-facing, 12 triangles."""
    p = [(x * sx, y * sy, z * sz) for x in (0, 1) for y in (0, 1) for z in (0, 1)]
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    tris = []
    for a, b, c, d in quads:
        tris += [(p[a], p[b], p[c]), (p[a], p[c], p[d])]
    return tris


def binary_stl(tris, header: bytes = b"refaire test", count: int | None = None) -> bytes:
    out = bytearray(header.ljust(80, b" ")[:80])
    out += struct.pack("<I", len(tris) if count is None else count)
    for t in tris:
        out += struct.pack("<3f", 0, 0, 0)
        for p in t:
            out += struct.pack("<3f", *p)
        out += b"\0\0"
    return bytes(out)


def ascii_stl(tris) -> bytes:
    lines = ["solid test"]
    for t in tris:
        lines += ["  facet normal 0 0 0", "    outer loop"]
        lines += [f"      vertex {p[0]:.6e} {p[1]:.6e} {p[2]:.6e}" for p in t]
        lines += ["    endloop", "  endfacet"]
    return ("\n".join(lines + ["endsolid test"]) + "\n").encode()


def threemf(model: str, extra: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("3D/3dmodel.model", model)
        for name, text in (extra or {}).items():
            z.writestr(name, text)
    return buffer.getvalue()


def mesh_xml(tris) -> str:
    verts, index, faces = [], {}, []
    for t in tris:
        ids = []
        for p in t:
            if p not in index:
                index[p] = len(verts)
                verts.append(p)
            ids.append(index[p])
        faces.append(ids)
    v = "".join(f'<vertex x="{x}" y="{y}" z="{z}"/>' for x, y, z in verts)
    f = "".join(f'<triangle v1="{a}" v2="{b}" v3="{c}"/>' for a, b, c in faces)
    return f"<mesh><vertices>{v}</vertices><triangles>{f}</triangles></mesh>"


NS = 'xmlns="http://schemas.microsoft.com/3dmanufacturing/core/2015/02"'


def problems_text(report) -> str:
    return " | ".join(p["message"] for p in report.problems)


# --- real meshes ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in MESH_FIXTURES.glob("*.*[!d]")))
def test_fixture_meshes_match_reference(name: str) -> None:
    check_against_reference(MESH_FIXTURES / name)


def test_shared_meshes_match_reference(shared_data: Path) -> None:
    paths = sorted((shared_data / "meshes").iterdir())
    assert len(paths) >= 6
    for path in paths:
        check_against_reference(path)
        assert measure_file(path).watertight is True


def test_real_3mf_uses_submodel_and_transform() -> None:
    report = measure_file(MESH_FIXTURES / "door_knob.3mf")
    assert report.ok and report.units_assumed == "millimeter"
    assert report.triangles == 9344
    assert report.to_dict()["ok"] is True


def test_report_dict_shape() -> None:
    d = measure_file(MESH_FIXTURES / "flypi_manipulator_thumbscrew.stl").to_dict()
    assert set(d) == {
        "file", "triangles", "bbox_mm", "volume_mm3", "area_mm2", "watertight",
        "units_assumed", "problems", "ok",
    }  # fmt: skip
    assert d["units_assumed"] == "mm" and d["problems"] == [] and len(d["bbox_mm"]) == 3


# --- synthetic, exact ------------------------------------------------------------------------


def test_binary_with_solid_header_is_read_as_binary() -> None:
    data = binary_stl(box(10, 20, 30), header=b"solid exported by a CAD tool")
    report = measure_bytes("part.stl", data)
    assert report.ok, report.problems
    assert report.bbox_mm == [10, 20, 30]
    assert report.volume_mm3 == pytest.approx(6000)
    assert report.area_mm2 == pytest.approx(2 * (200 + 600 + 300))
    assert report.watertight is True


def test_ascii_stl() -> None:
    report = measure_bytes("a.stl", ascii_stl(box(20, 20, 20)))
    assert report.ok and report.triangles == 12
    assert report.volume_mm3 == pytest.approx(8000) and report.watertight
    assert report.problems == []  # a 20 mm cube is not suspected of being in inches


def test_inside_out_and_open_and_degenerate() -> None:
    flipped = [(a, c, b) for a, b, c in box(10, 10, 10)]
    report = measure_bytes("f.stl", binary_stl(flipped))
    assert report.ok and report.volume_mm3 == pytest.approx(1000)
    assert "inside-out" in problems_text(report)

    open_box = box(10, 10, 10)[:-2]
    report = measure_bytes("o.stl", binary_stl(open_box))
    assert report.ok and report.watertight is False
    assert "not watertight" in problems_text(report)

    sliver = ((0.0, 0.0, 0.0), (5.0, 0.0, 0.0), (10.0, 0.0, 0.0))
    report = measure_bytes("d.stl", binary_stl(box(10, 10, 10) + [sliver, sliver]))
    assert report.ok and "2 zero-area facets" in problems_text(report)


def test_unit_suspicions_are_flagged_not_rescaled() -> None:
    report = measure_bytes("m.stl", binary_stl(box(0.05, 0.03, 0.01)))
    assert report.ok and report.bbox_mm == pytest.approx([0.05, 0.03, 0.01])
    assert "metres" in problems_text(report) and "not rescaled" in problems_text(report)
    report = measure_bytes("i.stl", binary_stl(box(1.5, 0.75, 0.25)))
    assert report.bbox_mm == [1.5, 0.75, 0.25] and "inches" in problems_text(report)


def test_obj_polygons_and_negative_indices() -> None:
    text = "\n".join(
        [
            "# a 2 mm cube, quads, second half with negative indices",
            *[f"v {x} {y} {z}" for x in (0, 2) for y in (0, 2) for z in (0, 2)],
            "f 1 2 4 3",
            "f 5/1 7/1 8/1 6/1",
            "f 1//1 5//1 6//1 2//1",
            "f -6 -5 -1 -2",  # 3 4 8 7
            "f -8 -6 -2 -4",  # 1 3 7 5
            "f 2 6 8 4",
        ]
    )
    report = measure_bytes("cube.obj", text.encode())
    assert report.ok, report.problems
    assert report.triangles == 12 and report.volume_mm3 == pytest.approx(8)
    assert report.watertight is True
    bad = measure_bytes("bad.obj", b"v 0 0 0\nv 1 0 0\nf 1 2 9\n")
    assert not bad.ok and "out of range" in problems_text(bad)


@pytest.mark.parametrize(
    ("unit", "factor"), [("millimeter", 1), ("centimeter", 10), ("inch", 25.4), ("micron", 0.001)]
)
def test_3mf_units(unit: str, factor: float) -> None:
    model = (
        f'<model unit="{unit}" {NS}><resources><object id="1" type="model">'
        f"{mesh_xml(box(2, 3, 4))}</object></resources>"
        '<build><item objectid="1"/></build></model>'
    )
    report = measure_bytes("u.3mf", threemf(model))
    assert report.ok or unit == "micron", report.problems
    assert report.units_assumed == unit
    assert report.bbox_mm == pytest.approx([2 * factor, 3 * factor, 4 * factor])
    assert report.volume_mm3 == pytest.approx(24 * factor**3)


def test_3mf_components_mirror_and_production_path() -> None:
    root = (
        f'<model unit="millimeter" {NS} '
        'xmlns:p="http://schemas.microsoft.com/3dmanufacturing/production/2015/06">'
        '<resources><object id="5"><components>'
        '<component p:path="/3D/Objects/part.model" objectid="1" transform="1 0 0 0 1 0 0 0 1 0 0 0"/>'
        '<component p:path="/3D/Objects/part.model" objectid="1" '
        'transform="-1 0 0 0 1 0 0 0 1 -5 0 0"/>'
        "</components></object></resources>"
        '<build><item objectid="5" transform="0 1 0 -1 0 0 0 0 1 100 100 0"/></build></model>'
    )
    sub = (
        f'<model unit="millimeter" {NS}><resources><object id="1" type="model">'
        f"{mesh_xml(box(4, 2, 1))}</object></resources><build/></model>"
    )
    report = measure_bytes("c.3mf", threemf(root, {"3D/Objects/part.model": sub}))
    assert report.ok, report.problems
    assert report.triangles == 24
    # x spans [0, 4] and, mirrored then shifted, [-9, -5]: 13 mm; then turned 90° about z
    assert report.bbox_mm == pytest.approx([2, 13, 1])
    assert report.volume_mm3 == pytest.approx(16)


# --- hostile and broken input: ok False, a clear message, never an exception ---------------


def test_truncated_and_wrong_count() -> None:
    data = (MESH_FIXTURES / "flypi_manipulator_thumbscrew.stl").read_bytes()
    report = measure_bytes("t.stl", data[:-30])
    assert not report.ok and "truncated" in problems_text(report)
    wrong = data[:80] + struct.pack("<I", 253) + data[84:]
    report = measure_bytes("w.stl", wrong)
    assert not report.ok and "declares 253 triangles" in problems_text(report)


def test_nan_coordinates() -> None:
    tris = box(10, 10, 10)
    tris[3] = ((math.nan, 0.0, 0.0), tris[3][1], tris[3][2])
    tris[4] = ((math.inf, 0.0, 0.0), tris[4][1], tris[4][2])
    report = measure_bytes("n.stl", binary_stl(tris))
    assert not report.ok and "2 of 12 triangles have NaN or infinite" in problems_text(report)


def test_bomb_header_is_refused_before_allocating(tmp_path: Path) -> None:
    claims = 10_000_000
    small = binary_stl(box(1, 1, 1), count=claims)
    report = measure_bytes("bomb.stl", small)
    assert not report.ok and "10,000,000 triangles" in problems_text(report)

    # A sparse 500 MB file that really is that size: refused from its header, unread.
    path = tmp_path / "huge.stl"
    with path.open("wb") as handle:
        handle.write(small[:84])
        handle.truncate(84 + 50 * claims)
    tracemalloc.start()
    report = measure_file(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert not report.ok and "over the limit of 5,000,000" in problems_text(report)
    assert peak < 5_000_000


def test_random_bytes_empty_and_missing(tmp_path: Path) -> None:
    noise = random.Random(7).randbytes(5000)
    report = measure_bytes("noise.bin", noise)
    assert not report.ok and report.problems
    report = measure_bytes("noise.stl", noise)
    assert not report.ok and "binary STL" in problems_text(report)
    assert problems_text(measure_bytes("e.stl", b"")) == "empty file"
    report = measure_file(tmp_path / "absent.stl")
    assert not report.ok and "cannot read" in problems_text(report)
    report = measure_bytes("x.txt", b"hello world, no mesh here\n")
    assert not report.ok and "not a mesh" in problems_text(report)


def test_step_is_refused_clearly() -> None:
    report = measure_bytes("p.step", b"ISO-10303-21;\nHEADER;\nENDSEC;\n")
    assert not report.ok
    assert problems_text(report) == "STEP is not supported: convert to STL or 3MF"


def test_zip_bomb_3mf() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("3D/3dmodel.model", b"<model>" + b" " * 60_000_000 + b"</model>")
    data = buffer.getvalue()
    assert len(data) < 200_000
    report = measure_bytes("bomb.3mf", data)
    assert not report.ok and "zip bomb" in problems_text(report)
    report = measure_bytes("bomb.3mf", data, max_triangles=1000)
    assert not report.ok and "limit" in problems_text(report)


def test_entity_3mf_is_refused() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE model [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<model unit="millimeter" {NS}><metadata name="x">&b;</metadata></model>'
    )
    report = measure_bytes("laughs.3mf", threemf(laughs))
    assert not report.ok and "refused as unsafe" in problems_text(report)


def test_component_bomb_3mf_is_refused() -> None:
    copies = "".join('<component objectid="1"/>' for _ in range(1000))
    more = "".join('<component objectid="2"/>' for _ in range(1000))
    model = (
        f'<model unit="millimeter" {NS}><resources>'
        f'<object id="1">{mesh_xml(box(1, 1, 1))}</object>'
        f'<object id="2"><components>{copies}</components></object>'
        f'<object id="3"><components>{more}</components></object>'
        '</resources><build><item objectid="3"/></build></model>'
    )
    report = measure_bytes("c.3mf", threemf(model))
    assert not report.ok and "more than 100,000 objects" in problems_text(report)
    fewer = model.replace(copies, copies[: len(copies) // 50])  # 20 × 1000 boxes
    report = measure_bytes("c.3mf", threemf(fewer), max_triangles=100_000)
    assert not report.ok and "more than 100,000 triangles" in problems_text(report)


def test_broken_3mf_variants() -> None:
    assert "zip" in problems_text(measure_bytes("z.3mf", b"PK\x03\x04 not really a zip"))
    no_model = threemf("<x/>").replace(b"3D/3dmodel.model", b"3D/other.modelxx")
    assert not measure_bytes("n.3mf", no_model).ok
    bad_xml = measure_bytes("b.3mf", threemf("<model><unclosed></model>"))
    assert not bad_xml.ok and "not well-formed" in problems_text(bad_xml)
    missing = (
        f'<model unit="millimeter" {NS}><resources></resources>'
        '<build><item objectid="9"/></build></model>'
    )
    assert "missing" in problems_text(measure_bytes("m.3mf", threemf(missing)))


# --- 2D drawings for laser cutting -------------------------------------------------------------

from refaire.geometry.vector2d import measure_vector_bytes, measure_vector_file  # noqa: E402

SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


def test_svg_paths_transforms_and_units() -> None:
    # A 30 × 20 plate with a half-round right end (r 10) and a 5 mm square hole, and an open
    # 2 mm stroke; drawn in cm user units scaled by a group transform.
    svg = (
        f'<svg {SVG_NS} width="10cm" height="5cm" viewBox="0 0 10 5">'
        '<g transform="translate(1 1) scale(0.1)">'
        "<path d='M0,0 H30 A10,10 0 0 1 30,20 L0 20 Z'/>"
        "<path d='m5 5 c0 0 5 0 5 0 s 0 5 0 5 q-2.5 0 -5 0 z'/>"
        "<path d='M1 1 T3 1'/>"
        "</g></svg>"
    ).encode()
    report = measure_vector_bytes("plate.svg", svg)
    assert report.ok, report.problems
    # user unit = 1 cm = 10 mm, group scale 0.1 → path units are millimetres
    outer = 30 + 20 + 30 + math.pi * 10
    assert report.cut_length_mm == pytest.approx(outer + 20 + 2, rel=1e-4)
    assert report.area_mm2 == pytest.approx(30 * 20 + math.pi * 50 - 25, rel=1e-4)
    assert report.bbox_mm == pytest.approx([40, 20], rel=1e-4)
    assert report.units_assumed == "cm" and report.contours == 2 and report.open_paths == 1


def test_svg_shapes_rotation_and_px_default() -> None:
    svg = (
        f'<svg {SVG_NS} width="96" height="96">'
        '<polygon points="0,0 96,0 96,96 0,96"/>'
        '<line x1="0" y1="0" x2="96" y2="96" transform="rotate(90 48 48)"/>'
        '<ellipse cx="48" cy="48" rx="20" ry="10" style="display: none"/>'
        "</svg>"
    ).encode()
    report = measure_vector_bytes("px.svg", svg)
    assert report.units_assumed == "px"
    assert report.bbox_mm == pytest.approx([25.4, 25.4])  # 96 px = 1 in
    assert report.area_mm2 == pytest.approx(25.4**2)
    assert report.cut_length_mm == pytest.approx(25.4 * (4 + math.sqrt(2)))
    assert report.open_paths == 1


def dxf(entities: list[tuple], insunits: int | None = None) -> bytes:
    out = []
    if insunits is not None:
        out += ["0", "SECTION", "2", "HEADER", "9", "$INSUNITS", "70", str(insunits), "0", "ENDSEC"]
    out += ["0", "SECTION", "2", "ENTITIES"]
    for kind, *pairs in entities:
        out += ["0", kind]
        for code, value in pairs:
            out += [str(code), str(value)]
    out += ["0", "ENDSEC", "0", "EOF"]
    return ("\n".join(out) + "\n").encode()


def test_dxf_lines_chain_bulges_circles_units() -> None:
    square = [
        ("LINE", (10, 0), (20, 0), (11, 4), (21, 0)),
        ("LINE", (10, 4), (20, 2), (11, 4), (21, 0)),  # drawn backwards
        ("LINE", (10, 0), (20, 2), (11, 4), (21, 2)),
        ("LINE", (10, 0), (20, 0), (11, 0), (21, 2)),
    ]
    hole = [("CIRCLE", (10, 2), (20, 1), (40, 0.5))]
    # a slot: two straight sides and two half-circle ends from bulges of 1
    slot = [("LWPOLYLINE", (90, 4), (70, 1), (10, 10), (20, 0), (10, 12), (20, 0), (42, 1),
             (10, 12), (20, 1), (10, 10), (20, 1), (42, 1))]  # fmt: skip
    report = measure_vector_bytes("part.dxf", dxf(square + hole + slot, insunits=1))
    assert report.ok, report.problems
    assert report.units_assumed == "in" and report.contours == 3 and report.open_paths == 0
    inch = 25.4
    area = (8 - math.pi * 0.25) + (2 + math.pi * 0.25)
    assert report.area_mm2 == pytest.approx(area * inch**2, rel=1e-4)
    length = 12 + math.pi + (4 + math.pi)
    assert report.cut_length_mm == pytest.approx(length * inch, rel=1e-4)
    assert report.bbox_mm == pytest.approx([12.5 * inch, 2 * inch], rel=1e-4)


def test_dxf_arc_spline_ellipse_and_ignored() -> None:
    arc = ("ARC", (10, 0), (20, 0), (40, 10), (50, 0), (51, 90))
    # a clamped cubic B-spline with collinear control points is the straight segment
    spline = ("SPLINE", (70, 0), (71, 3), *[(40, k) for k in (0, 0, 0, 0, 1, 1, 1, 1)],
              (10, 0), (20, -5), (10, 1), (20, -5), (10, 2), (20, -5), (10, 3), (20, -5))  # fmt: skip
    ellipse = (
        "ELLIPSE",
        (10, 50),
        (20, 50),
        (11, 4),
        (21, 0),
        (40, 0.5),
        (41, 0),
        (42, 2 * math.pi),
    )
    text = ("TEXT", (1, "hello"))
    report = measure_vector_bytes("m.dxf", dxf([arc, spline, ellipse, text]))
    assert report.ok and report.units_assumed == "mm"
    ellipse_area = math.pi * 4 * 2
    assert report.area_mm2 == pytest.approx(ellipse_area, rel=1e-3)
    # Ramanujan's perimeter of the 4 × 2 ellipse
    h = ((4 - 2) / (4 + 2)) ** 2
    perimeter = math.pi * 6 * (1 + 3 * h / (10 + math.sqrt(4 - 3 * h)))
    assert report.cut_length_mm == pytest.approx(math.pi * 5 + 3 + perimeter, rel=1e-4)
    assert "1 TEXT entity not measured" in problems_text(report)


def test_hostile_and_broken_drawings(tmp_path: Path) -> None:
    laughs = f'<!DOCTYPE svg [<!ENTITY a "aaaa">]><svg {SVG_NS}><rect width="1" height="1"/></svg>'
    report = measure_vector_bytes("l.svg", laughs.encode())
    assert not report.ok and "entities" in problems_text(report)
    public = (
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        f'<svg {SVG_NS} width="10mm" height="10mm" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'
    )
    assert measure_vector_bytes("p.svg", public.encode()).area_mm2 == pytest.approx(100)
    assert "binary DXF" in problems_text(
        measure_vector_bytes("b.dxf", b"AutoCAD Binary DXF\r\n\x1a\x00")
    )
    bad_path = f"<svg {SVG_NS}><path d='M 0 0 L 1 x'/></svg>".encode()
    assert not measure_vector_bytes("x.svg", bad_path).ok
    assert not measure_vector_bytes("e.svg", b"").ok
    assert not measure_vector_bytes("n.txt", b"just text").ok
    assert not measure_vector_file(tmp_path / "absent.dxf").ok
    assert "no outline" in problems_text(measure_vector_bytes("v.svg", f"<svg {SVG_NS}/>".encode()))
