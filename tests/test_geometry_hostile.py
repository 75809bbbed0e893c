"""Hostile uploads (tests/fixtures/hostile, written by its generate.py): each small file
used to hold a CPU for seconds or minutes; each is now refused with a clear message or
measured with work proportional to its size. Work is counted, never timed."""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import pytest

from refaire.geometry import measure_bytes, vector2d
from refaire.geometry.vector2d import measure_vector_bytes

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


def messages(report) -> str:
    return "; ".join(p["message"] for p in report.problems)


def test_fixtures_are_what_the_generator_writes() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", HOSTILE / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    for name, make in generate.FIXTURES.items():
        data, fresh = (HOSTILE / name).read_bytes(), make()
        assert len(data) < 100_000
        if name.endswith(".3mf"):  # deflate output may differ between zlib builds
            data, fresh = (
                zipfile.ZipFile(io.BytesIO(d)).read("3D/3dmodel.model") for d in (data, fresh)
            )
        assert data == fresh, name


def test_nested_empty_components_are_refused_by_count() -> None:
    report = measure_bytes("n.3mf", (HOSTILE / "nested_components.3mf").read_bytes())
    assert not report.ok
    assert messages(report) == "3MF components place more than 100,000 objects: refused"


def test_spline_of_absurd_degree_is_refused() -> None:
    report = measure_vector_bytes("s.dxf", (HOSTILE / "spline_degree60.dxf").read_bytes())
    assert not report.ok
    assert "DXF SPLINE of degree 60: degrees above 11 are refused" in messages(report)


@pytest.mark.parametrize("name", ["laughs_utf16.svg", "laughs_utf16.3mf"])
def test_utf16_billion_laughs_is_refused_as_unsafe(name: str) -> None:
    data = (HOSTILE / name).read_bytes()
    if name.endswith(".3mf"):
        xml = zipfile.ZipFile(io.BytesIO(data)).read("3D/3dmodel.model")
    else:
        xml = data
    assert xml.startswith(b"\xff\xfe") and b"<!ENTITY" not in xml  # hidden from byte search
    measure = measure_vector_bytes if name.endswith(".svg") else measure_bytes
    report = measure(name, data)
    assert not report.ok
    assert "declares entities or external references" in messages(report)
    assert "refused as unsafe" in messages(report)


def test_utf16_svg_without_entities_is_measured() -> None:
    text = (
        '<?xml version="1.0" encoding="UTF-16"?>'
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
        f'<svg {SVG_NS} width="10mm" height="10mm" viewBox="0 0 10 10">'
        '<rect width="10" height="4"/></svg>'
    )
    report = measure_vector_bytes("u.svg", text.encode("utf-16"))
    assert report.ok and report.format == "svg"
    assert report.area_mm2 == pytest.approx(40)


def test_external_entity_is_refused() -> None:
    text = (
        '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f"<svg {SVG_NS}><title>&x;</title></svg>"
    )
    report = measure_vector_bytes("x.svg", text.encode("utf-16-be"))
    assert not report.ok and "refused as unsafe" in messages(report)


def test_many_loose_lines_are_joined_with_linear_lookups(monkeypatch) -> None:
    calls = {"near": 0}
    original = vector2d._Ends.near

    def counted(self, points, alive):
        calls["near"] += 1
        return original(self, points, alive)

    monkeypatch.setattr(vector2d._Ends, "near", counted)
    report = measure_vector_bytes("l.svg", (HOSTILE / "many_lines.svg").read_bytes())
    assert report.ok and report.open_paths == 2000 and report.contours == 0
    # One lookup per path and per join attempt: linear, where pairwise was 2000².
    assert calls["near"] <= 2 * 2000


def test_loose_lines_still_close_into_contours_in_any_order() -> None:
    # A 10 × 10 square as four lines given shuffled and some reversed, plus a triangle.
    lines = [((10, 0), (10, 10)), ((0, 0), (10, 0)), ((0, 10), (0, 0)), ((0, 10), (10, 10)),
             ((20, 0), (23, 0)), ((20, 4), (23, 0)), ((20, 0), (20, 4))]  # fmt: skip
    body = "".join(f'<line x1="{a[0]}" y1="{a[1]}" x2="{b[0]}" y2="{b[1]}"/>' for a, b in lines)
    svg = f'<svg {SVG_NS} width="30mm" height="10mm" viewBox="0 0 30 10">{body}</svg>'
    report = measure_vector_bytes("sq.svg", svg.encode())
    assert report.contours == 2 and report.open_paths == 0
    assert report.area_mm2 == pytest.approx(100 + 6)
    assert report.cut_length_mm == pytest.approx(40 + 3 + 4 + 5)


def test_nested_squares_alternate_parts_and_holes() -> None:
    report = measure_vector_bytes("n.svg", (HOSTILE / "nested_squares.svg").read_bytes())
    assert report.ok and report.contours == 1500
    # Square k (side 2k) is a hole when an odd number of squares surround it.
    expected = sum((4 * k * k) * (1 if (1500 - k) % 2 == 0 else -1) for k in range(1, 1501))
    assert report.area_mm2 == pytest.approx(expected)


def test_nesting_past_its_work_bound_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(vector2d, "MAX_NESTING_WORK", 10_000)
    report = measure_vector_bytes("n.svg", (HOSTILE / "nested_squares.svg").read_bytes())
    assert not report.ok
    assert "1,500 nested contours are too many" in messages(report)


def test_flattening_budget_refuses_curve_floods() -> None:
    # 6,000 circles of 361 points each: 2.2 million points from 180 KB.
    circles = "".join(f'<circle cx="{k}" cy="0" r="1"/>' for k in range(6000))
    report = measure_vector_bytes("c.svg", f"<svg {SVG_NS}>{circles}</svg>".encode())
    assert not report.ok
    assert "flattens into more than 2,000,000 points" in messages(report)
    dxf = "0\nSECTION\n2\nENTITIES\n" + "0\nCIRCLE\n10\n0\n20\n0\n40\n5\n" * 6000 + "0\nENDSEC\n"
    report = measure_vector_bytes("c.dxf", dxf.encode())
    assert not report.ok and "flattens into more than" in messages(report)


def test_deep_svg_nesting_is_refused() -> None:
    svg = f"<svg {SVG_NS}>" + "<g>" * 500 + '<rect width="1" height="1"/>' + "</g>" * 500 + "</svg>"
    report = measure_vector_bytes("d.svg", svg.encode())
    assert not report.ok and "nest deeper than 200 levels" in messages(report)


def test_malformed_dxf_numbers_are_located() -> None:
    dxf = "0\nSECTION\n2\nENTITIES\n0\nLINE\n10\nnan-ish\n20\n0\n0\nENDSEC\n"
    report = measure_vector_bytes("b.dxf", dxf.encode())
    assert not report.ok
    assert messages(report) == "DXF entity 1 (LINE): a value is not a valid number"


def test_unknown_xml_encoding_is_a_clear_refusal() -> None:
    svg = f'<?xml version="1.0" encoding="TF-8"?><svg {SVG_NS}><rect width="1" height="1"/></svg>'
    report = measure_vector_bytes("e.svg", svg.encode())
    assert not report.ok
    assert messages(report) == "SVG cannot be decoded: unknown encoding: TF-8"


def test_thousands_of_lines_from_one_point_join_in_linear_steps(monkeypatch) -> None:
    # A star: every line starts at the origin; each joins one other into a V, never more.
    seen = {"candidates": 0}
    original = vector2d._Ends.near

    def counted(self, points, alive):
        for k in original(self, points, alive):
            seen["candidates"] += 1
            yield k

    monkeypatch.setattr(vector2d._Ends, "near", counted)
    lines = "".join(
        f'<line x1="0" y1="0" x2="{100 * math.cos(k / 700):.6f}" y2="{100 * math.sin(k / 700):.6f}"/>'
        for k in range(4000)
    )
    report = measure_vector_bytes("star.svg", f"<svg {SVG_NS}>{lines}</svg>".encode())
    assert report.ok and report.open_paths == 2000 and report.contours == 0
    assert seen["candidates"] <= 3 * 4000


def test_svg_element_floods_are_refused_before_parsing() -> None:
    svg = f"<svg {SVG_NS}>" + "<g/>" * 500_001 + "</svg>"
    report = measure_vector_bytes("g.svg", svg.encode())
    assert not report.ok
    assert messages(report) == "SVG has more than 500,000 elements: refused"
