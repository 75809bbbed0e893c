"""Property tests of the geometry readers: bytes mutated from small real files (and pure
noise) never raise anything but `MeshError`, the readers' documented error; through the
public functions, never an "internal error".

The seeds are in tests/fixtures/fuzz/geometry (and a real binary STL of tests/fixtures/meshes).
The example count is small for CI; REFAIRE_FUZZ_EXAMPLES raises it for a long fuzz run,
which also prints the slowest call (benchmarks are where time is reported, not asserts).
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refaire.geometry import measure_bytes
from refaire.geometry.dxf import read_dxf
from refaire.geometry.errors import MeshError
from refaire.geometry.obj import read_obj
from refaire.geometry.stl import read_stl
from refaire.geometry.svg import read_svg
from refaire.geometry.threemf import read_3mf
from refaire.geometry.vector2d import measure_vector_bytes

FIXTURES = Path(__file__).parent / "fixtures"
FUZZ = FIXTURES / "fuzz" / "geometry"
EXAMPLES = int(os.environ.get("REFAIRE_FUZZ_EXAMPLES", "60"))
SLOWEST: dict[str, tuple[float, bytes]] = {}

fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=EXAMPLES <= 60,  # CI: the same examples every run
)


def zipped(model: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        z.writestr("3D/3dmodel.model", model)
    return buffer.getvalue()


SEEDS = {
    "stl-binary": (FIXTURES / "meshes" / "flypi_manipulator_thumbscrew.stl").read_bytes(),
    "stl-ascii": (FUZZ / "tetra_ascii.stl").read_bytes(),
    "obj": (FUZZ / "cube.obj").read_bytes(),
    "3mf-xml": (FUZZ / "tetra.model").read_bytes(),
    "svg": (FUZZ / "plate.svg").read_bytes(),
    "dxf": (FUZZ / "plate.dxf").read_bytes(),
}
READERS = {
    "stl-binary": lambda data: read_stl(data, 100_000),
    "stl-ascii": lambda data: read_stl(data, 100_000),
    "obj": lambda data: read_obj(data, 100_000),
    "3mf-xml": lambda data: read_3mf(zipped(data), 100_000, 10_000_000),
    "3mf-zip": lambda data: read_3mf(data, 100_000, 10_000_000),
    "svg": read_svg,
    "dxf": read_dxf,
}
SEEDS["3mf-zip"] = zipped(SEEDS["3mf-xml"])
# Tokens that steer mutations into the parsers' interesting corners.
TOKENS = [b"-", b"1e308", b"nan", b"inf", b"0", b"-1", b"99999999", b"<", b">", b"\"", b"&",
          b"\n", b" ", b"/", b"<!ENTITY a \"x\">", b"<g>", b"</g>", b"a 1 1 0 1 1 5 5",
          b"\x00", b"\xff\xfe", b"f 1 2 3", b"v 1 2", b"SPLINE", b"71\n", b"40\n",
          b"<component objectid=\"2\"/>", b"transform=\"", b"vertex"]  # fmt: skip


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "token", "dup", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at : at + draw(st.integers(1, 64))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
        elif op == "truncate":
            del data[at:]
    return bytes(data)


def _call(kind: str, data: bytes) -> None:
    start = time.perf_counter()
    try:
        READERS[kind](data)
    except MeshError as exc:
        assert str(exc)  # a message for the person who sent the file
    finally:
        spent = time.perf_counter() - start
        if spent > SLOWEST.get(kind, (0.0, b""))[0]:
            SLOWEST[kind] = (spent, data)


@pytest.mark.parametrize("kind", sorted(READERS))
def test_mutated_files_raise_only_mesh_error(kind: str) -> None:
    @fuzz_settings
    @given(mutated(SEEDS[kind]))
    def check(data: bytes) -> None:
        _call(kind, data)

    check()


@pytest.mark.parametrize("kind", sorted(READERS))
def test_noise_raises_only_mesh_error(kind: str) -> None:
    @fuzz_settings
    @given(st.binary(max_size=2048))
    def check(data: bytes) -> None:
        _call(kind, data)

    check()


@fuzz_settings
@given(st.sampled_from(sorted(SEEDS)), st.data())
def test_public_functions_never_report_an_internal_error(kind: str, data) -> None:
    payload = data.draw(mutated(SEEDS[kind]))
    if kind in ("svg", "dxf"):
        report = measure_vector_bytes(f"x.{kind}", payload).to_dict()
    else:
        name = {"obj": "x.obj", "3mf-xml": "x.model", "3mf-zip": "x.3mf"}.get(kind, "x.stl")
        report = measure_bytes(name, payload).to_dict()
    for problem in report["problems"]:
        assert "internal error" not in problem["message"], problem


def teardown_module() -> None:
    if EXAMPLES > 60:  # a long fuzz run: say what was slowest, per reader
        for kind, (spent, data) in sorted(SLOWEST.items()):
            print(f"\nslowest {kind}: {spent:.3f} s for {len(data)} bytes")
