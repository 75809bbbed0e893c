"""Parts get their geometry from real meshes: at import (beside the manifest), and uploaded
through the API, the CLI and the web page. Sizes are checked against a bounding box and a
volume computed here, independently of `refaire.geometry`, from the binary STL records."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from _people import csrf_from, make_user, sign_in
from refaire.app import create_app
from refaire.cli import app as cli
from refaire.ingest.runner import import_sources
from refaire.store import open_store
from refaire.store.designs import get_design

MESHES = Path(__file__).parent / "fixtures" / "meshes"
THUMBSCREW = MESHES / "flypi_manipulator_thumbscrew.stl"
CLAMP = MESHES / "tw4_filter_clamp.stl"
TOKEN = "s3cret-test-token"
runner = CliRunner()

MODULE = """okhv = "OKH-LOSHv1.0"
name = "Dummy Module"
repo = "https://example.org/dummy-module"
license = "CERN-OHL-S-2.0"
licensor = "Someone"
function = "Holds things together."
"""


def stl_truth(path: Path) -> tuple[list[float], float]:
    """(bbox size x, y, z; volume) of a binary STL, read from its 50-byte records."""
    data = path.read_bytes()
    (count,) = struct.unpack_from("<I", data, 80)
    records = np.frombuffer(data, dtype=np.uint8, count=count * 50, offset=84).reshape(count, 50)
    corners = records[:, 12:48].copy().view("<f4").reshape(count, 3, 3).astype(np.float64)
    points = corners.reshape(-1, 3)
    size = (points.max(axis=0) - points.min(axis=0)).tolist()
    a, b, c = corners[:, 0], corners[:, 1], corners[:, 2]
    volume = abs(float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum()) / 6.0)
    return size, volume


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def copy(src: Path, dest: Path) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    return dest


def import_one(tmp_path: Path, repo: Path):
    store = open_store(str(tmp_path / "refaire.db"))
    summary = import_sources(store, [str(repo)])
    assert summary.designs == 1, summary.to_dict()
    found = get_design(store, 1)
    assert found is not None
    return store, summary, found[1]


def dims(part) -> list[float]:
    return list(part.dimensions.as_tuple())


def test_losh_part_manifest_measured_beside_itself(tmp_path):
    repo = tmp_path / "repo"
    write(repo / "okh.toml", MODULE)
    write(
        repo / "3DParts" / "ClampRing" / "okh-ClampRing.toml",
        'okhv = "OKH-LOSHv1.0"\nname = "Clamp Ring"\ntsdc = "3DP"\nmaterial = "PLA"\n'
        'source = "ClampRing.scad"\nexport = ["ClampRing.pdf", "ClampRing.stl"]\n',
    )
    copy(THUMBSCREW, repo / "3DParts" / "ClampRing" / "ClampRing.stl")
    store, summary, design = import_one(tmp_path, repo)
    size, volume = stl_truth(THUMBSCREW)
    [part] = design.parts
    assert part.name == "Clamp Ring"
    assert part.dimensions.source == "measured"
    assert dims(part) == pytest.approx(size, rel=1e-6)
    assert part.volume_mm3 == pytest.approx(volume, rel=1e-6)
    assert part.area_mm2 and part.area_mm2 > 0
    # Rebased onto the module's directory like the part's other files.
    assert part.mesh == "3DParts/ClampRing/ClampRing.stl"
    store.close()


def test_inline_part_with_stated_size_that_disagrees(tmp_path):
    repo = tmp_path / "repo"
    write(
        repo / "okh.toml",
        MODULE + '\n[[part]]\nname = "Clamp Ring"\nexport = ["parts/ClampRing.stl"]\n'
        "[part.outer-dimensions]\nwidth = 28\ndepth = 28\nheight = 30\n",
    )
    copy(THUMBSCREW, repo / "parts" / "ClampRing.stl")
    store, summary, design = import_one(tmp_path, repo)
    size, _ = stl_truth(THUMBSCREW)
    [part] = design.parts
    assert part.dimensions.source == "measured"
    assert dims(part) == pytest.approx(size, rel=1e-6)
    [warning] = [p for p in design.problems if p.severity == "warning"]
    assert "28 x 28 x 30 mm" in warning.message and "18 x 18 x 28 mm" in warning.message
    assert warning.field == "parts[0].mesh"
    assert any(p.message == warning.message for p in summary.problems)
    store.close()


def test_stated_size_within_ten_percent_is_kept(tmp_path):
    repo = tmp_path / "repo"
    write(
        repo / "okh.toml",
        MODULE + '\n[[part]]\nname = "Thumbscrew"\nexport = ["thumbscrew.stl"]\n'
        "[part.outer-dimensions]\nwidth = 18\ndepth = 18\nheight = 29\n",
    )
    copy(THUMBSCREW, repo / "thumbscrew.stl")
    store, _, design = import_one(tmp_path, repo)
    [part] = design.parts
    assert part.dimensions.source == "stated"
    assert dims(part) == [18, 18, 29]
    assert part.volume_mm3 == pytest.approx(stl_truth(THUMBSCREW)[1], rel=1e-6)
    assert part.mesh == "thumbscrew.stl"
    assert not [p for p in design.problems if p.severity == "warning"]
    store.close()


def test_design_without_parts_gets_a_part_from_its_only_mesh(tmp_path):
    repo = tmp_path / "repo"
    write(repo / "okh.toml", MODULE + 'export = ["stls/filter_clamp.stl", "drawing.pdf"]\n')
    copy(CLAMP, repo / "stls" / "filter_clamp.stl")
    store, _, design = import_one(tmp_path, repo)
    [part] = design.parts
    assert part.name == "filter_clamp"
    assert part.exports == ["stls/filter_clamp.stl"]
    assert dims(part) == pytest.approx(stl_truth(CLAMP)[0], rel=1e-6)
    assert part.dimensions.source == "measured"
    store.close()


def test_design_level_mesh_named_after_a_part(tmp_path, shared_data):
    leg = shared_data / "meshes" / "Open-Hardware-Leaders+Otto-DIY__3Dprint__OttoDIY_Leg_V9.stl"
    repo = tmp_path / "repo"
    write(
        repo / "okh.toml",
        MODULE + 'export = ["3Dprint/Otto_Leg.stl", "3Dprint/clamp.stl"]\n'
        '[[part]]\nname = "Otto leg"\n[[part]]\nname = "Body"\n',
    )
    copy(leg, repo / "3Dprint" / "Otto_Leg.stl")
    copy(CLAMP, repo / "3Dprint" / "clamp.stl")
    store, _, design = import_one(tmp_path, repo)
    leg_part, body = design.parts
    assert dims(leg_part) == pytest.approx(stl_truth(leg)[0], rel=1e-6)
    assert leg_part.mesh == "3Dprint/Otto_Leg.stl"
    # Two parts, two files, no name in common: the body is not given a guess.
    assert body.dimensions is None and body.mesh is None
    store.close()


def test_path_escapes_and_absolute_paths_are_refused(tmp_path):
    repo = tmp_path / "deep" / "er" / "repo"
    copy(THUMBSCREW, tmp_path / "outside.stl")
    write(
        repo / "okh.toml",
        MODULE + '\n[[part]]\nname = "Escape"\nexport = ["../../../outside.stl"]\n'
        f'\n[[part]]\nname = "Absolute"\nexport = ["{tmp_path / "outside.stl"}"]\n',
    )
    store, _, design = import_one(tmp_path, repo)
    assert all(p.dimensions is None and p.mesh is None for p in design.parts)
    messages = [p.message for p in design.problems if p.severity == "warning"]
    assert any("outside the repository" in m for m in messages)
    assert any("absolute path" in m for m in messages)
    store.close()


def test_broken_mesh_warns_and_keeps_the_stated_size(tmp_path):
    repo = tmp_path / "repo"
    write(
        repo / "okh.toml",
        MODULE + '\n[[part]]\nname = "Lid"\nexport = ["lid.stl", "https://example.org/lid.stl",'
        ' "gone.stl"]\n[part.outer-dimensions]\nwidth = 40\ndepth = 30\nheight = 5\n',
    )
    # A binary STL cut short in its triangle records: a real file, broken.
    (repo / "lid.stl").write_bytes(THUMBSCREW.read_bytes()[:1000])
    store, _, design = import_one(tmp_path, repo)
    [part] = design.parts
    assert part.dimensions.source == "stated" and dims(part) == [40, 30, 5]
    assert part.volume_mm3 is None and part.mesh is None
    [warning] = [p for p in design.problems if p.severity == "warning"]
    assert warning.message.startswith("mesh 'lid.stl' could not be measured: ")
    assert len(warning.message) > len("mesh 'lid.stl' could not be measured: ") + 5
    infos = [p.message for p in design.problems if p.severity == "info"]
    assert any("'gone.stl' not found" in m for m in infos)
    assert not any("example.org" in p.message for p in design.problems)
    store.close()


def test_size_limit_and_unit_suspicion(tmp_path):
    from refaire.ingest.part_geometry import measure_parts
    from refaire.model import Design, Part

    copy(THUMBSCREW, tmp_path / "m" / "big.stl")
    design = Design(key="k", name="n", format="okh", parts=[Part("Big", exports=["big.stl"])])
    problems = measure_parts(design, tmp_path / "m", max_bytes=1000)
    assert design.parts[0].dimensions is None
    assert "over the 1,000-byte limit" in problems[0].message
    # Written in metres: every side under 1 "mm" — measured, but flagged.
    tris = np.array(
        [[[0, 0, 0], [0.02, 0, 0], [0, 0.02, 0]], [[0, 0, 0], [0, 0, 0.01], [0.02, 0, 0]]]
    )
    body = b"\0" * 80 + struct.pack("<I", len(tris))
    for t in tris:
        body += struct.pack("<12fH", 0, 0, 0, *t.reshape(-1), 0)
    (tmp_path / "m" / "tiny.stl").write_bytes(body)
    design = Design(key="k", name="n", format="okh", parts=[Part("Tiny", exports=["tiny.stl"])])
    problems = measure_parts(design, tmp_path / "m")
    assert design.parts[0].dimensions.source == "measured"
    assert any(p.severity == "warning" and "metres" in p.message for p in problems)


def test_matching_reads_the_measured_size(tmp_path):
    from refaire.match.requirements import requirements_of

    repo = tmp_path / "repo"
    write(
        repo / "okh.toml",
        MODULE + '\n[[part]]\nname = "Clamp"\ntsdc = "3DP"\nexport = ["clamp.stl"]\n',
    )
    copy(CLAMP, repo / "clamp.stl")
    store, _, design = import_one(tmp_path, repo)
    items = requirements_of(design).to_dict()["items"]
    assert items
    size = sorted(stl_truth(CLAMP)[0], reverse=True)
    for item in items:
        assert item["size_mm"] == pytest.approx(size, rel=1e-6)
        assert item["size_source"] == "measured"
    store.close()


# --- uploads: API, CLI, web -------------------------------------------------------------


@pytest.fixture
def stored(tmp_path):
    """A store with one design whose part names a mesh that is not on disk."""
    repo = tmp_path / "repo"
    write(
        repo / "okh.toml",
        MODULE + '\n[[part]]\nname = "Knob"\nexport = ["cad/door_knob.3mf"]\n'
        '[[part]]\nname = "Filter clamp"\n',
    )
    store = open_store(str(tmp_path / "refaire.db"))
    import_sources(store, [str(repo)])
    yield store
    store.close()


def test_api_upload_needs_the_token_and_measures(stored, monkeypatch):
    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", TOKEN)
    client = TestClient(create_app(store=stored))
    files = [
        ("files", ("filter_clamp.stl", CLAMP.read_bytes(), "model/stl")),
        ("files", ("door_knob.3mf", (MESHES / "door_knob.3mf").read_bytes(), "model/3mf")),
        ("files", ("unrelated.stl", THUMBSCREW.read_bytes(), "model/stl")),
    ]
    assert client.post("/api/designs/1/meshes", files=files).status_code == 401
    bad = {"Authorization": "Bearer nope"}
    assert client.post("/api/designs/1/meshes", files=files, headers=bad).status_code == 401
    auth = {"Authorization": f"Bearer {TOKEN}"}
    resp = client.post("/api/designs/1/meshes", files=files, headers=auth)
    assert resp.status_code == 200, resp.text
    clamp, knob, unrelated = resp.json()["files"]
    assert clamp["part"] == "Filter clamp" and clamp["attached"]
    assert knob["part"] == "Knob" and knob["dimensions"]["source"] == "measured"
    assert not unrelated["attached"] and "no part" in unrelated["reason"]
    _, design = get_design(stored, 1)
    knob_part, clamp_part = design.parts
    assert dims(clamp_part) == pytest.approx(stl_truth(CLAMP)[0], rel=1e-6)
    assert clamp_part.volume_mm3 == pytest.approx(stl_truth(CLAMP)[1], rel=1e-6)
    assert knob_part.mesh == "cad/door_knob.3mf"
    assert [round(v, 3) for v in dims(knob_part)] == [75.642, 75.642, 26.042]
    assert client.post("/api/designs/999/meshes", files=files, headers=auth).status_code == 404


def test_api_upload_creates_a_part_for_a_design_without_parts(tmp_path, monkeypatch):
    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", TOKEN)
    write(tmp_path / "repo" / "okh.toml", MODULE)
    store = open_store(str(tmp_path / "refaire.db"))
    import_sources(store, [str(tmp_path / "repo")])
    client = TestClient(create_app(store=store))
    resp = client.post(
        "/api/designs/1/meshes",
        files=[("files", ("thumbscrew.stl", THUMBSCREW.read_bytes(), "model/stl"))],
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    [result] = resp.json()["files"]
    assert result["created"] and result["part"] == "thumbscrew"
    [part] = get_design(store, 1)[1].parts
    assert dims(part) == pytest.approx(stl_truth(THUMBSCREW)[0], rel=1e-6)
    store.close()


def test_cli_measure(stored, tmp_path):
    clamp = copy(CLAMP, tmp_path / "filter-clamp.stl")
    broken = tmp_path / "knob.stl"
    broken.write_bytes(b"solid knob\nfacet normal 0 0 1\n")
    out = runner.invoke(
        cli, ["designs", "measure", "1", str(clamp), str(broken), "--json", "--db", stored.url]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    clamp_result, broken_result = data["files"]
    assert data["saved"] and clamp_result["part"] == "Filter clamp"
    assert not broken_result["attached"] and broken_result["reason"].startswith("could not")
    part = get_design(stored, 1)[1].parts[1]
    assert dims(part) == pytest.approx(stl_truth(CLAMP)[0], rel=1e-6)
    out = runner.invoke(cli, ["designs", "measure", "1", str(broken), "--db", stored.url])
    assert out.exit_code == 1 and "could not" in out.stdout


def test_web_form_uploads_and_shows_the_measured_size(stored):
    client = TestClient(create_app(store=stored))
    page = client.get("/designs/1")
    assert 'action="/designs/1/meshes#meshes"' not in page.text  # the form is for admins
    files = [("files", ("Filter_Clamp.stl", CLAMP.read_bytes(), "model/stl"))]
    anonymous = client.post("/designs/1/meshes", data={"csrf_token": csrf_from(client)}, files=files)
    assert anonymous.status_code == 401 and "Only a site admin" in anonymous.text
    sign_in(client, stored, make_user(stored, "admin@example.org", admin=True))
    page = client.get("/designs/1")
    assert 'action="/designs/1/meshes#meshes"' in page.text and 'name="token"' not in page.text
    token = csrf_from(client, "/designs/1")
    resp = client.post("/designs/1/meshes", data={"csrf_token": token}, files=files)
    assert resp.status_code == 200
    assert "measured onto part" in resp.text
    page = client.get("/designs/1", headers={"Accept-Language": "fr"})
    assert 'class="tag measured"' in page.text and "mesuré" in page.text
    # French decimals (Babel): a comma, never the dot of the English page
    assert "208,505 × 101,458 × 33,5 mm" in page.text and "17,5 cm³" in page.text


def test_a_served_app_attaches_meshes_through_a_queued_job(stored, monkeypatch):
    """With the queue (`refaire serve`), one job measures and attaches the meshes; the
    request waits for it and answers as without the queue; the job is in the log."""
    from refaire.jobs import log as job_log

    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    files = [("files", ("filter_clamp.stl", CLAMP.read_bytes(), "model/stl"))]
    with TestClient(create_app(store=stored, jobs=True, job_workers=1)) as client:
        resp = client.post("/api/designs/1/meshes", files=files, headers=auth)
        assert resp.status_code == 200, resp.text
        (clamp,) = resp.json()["files"]
        assert clamp["part"] == "Filter clamp" and clamp["attached"]
        assert client.post("/api/designs/999/meshes", files=files, headers=auth).status_code == 404
        # the page's form: the same job, the page rendered once it is done
        sign_in(client, stored, make_user(stored, "admin@example.org", admin=True))
        token = csrf_from(client, "/designs/1")
        page = client.post("/designs/1/meshes", data={"csrf_token": token}, files=files)
        assert page.status_code == 200 and "measured onto part" in page.text
    _, design = get_design(stored, 1)
    assert dims(design.parts[1]) == pytest.approx(stl_truth(CLAMP)[0], rel=1e-6)
    jobs = job_log.list_jobs(stored, state="done")["items"]
    assert [j["name"] for j in jobs] == ["measure", "measure"]
    assert all("meshes for design 1" in j["label"] for j in jobs)
