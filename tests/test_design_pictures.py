"""Pictures of designs: the manifest's image made loadable (or refused), and a thumbnail
drawn from each measured mesh at import or upload, served by the API and shown by the pages
(a grid of cards, a plain list with ?view=list, the design page)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from refaire.app import create_app
from refaire.geometry.upload import measure_mesh_upload
from refaire.ingest.runner import import_sources
from refaire.pictures import picture_url
from refaire.registry.part_meshes import attach_meshes
from refaire.store import open_store
from refaire.store.designs import get_design

MESHES = Path(__file__).parent / "fixtures" / "meshes"
CLAMP = MESHES / "tw4_filter_clamp.stl"
MODULE = """okhv = "OKH-LOSHv1.0"
name = "{name}"
repo = "https://github.com/someone/{name}"
license = "CERN-OHL-S-2.0"
licensor = "Someone"
function = "Holds filters in place."
{extra}
"""


@pytest.mark.parametrize(
    ("image", "repo", "expected"),
    [
        ("https://example.org/a.png", None, "https://example.org/a.png"),
        (
            "https://github.com/o/r/blob/main/Photos/x.jpg",
            None,
            "https://raw.githubusercontent.com/o/r/main/Photos/x.jpg",
        ),
        ("pics/a b.png", "https://github.com/o/r", "https://raw.githubusercontent.com/o/r/HEAD/pics/a%20b.png"),
        ("./img/x.png", "https://gitlab.com/g/sub/r.git", "https://gitlab.com/g/sub/r/-/raw/HEAD/img/x.png"),
        ("pics/a.png   # recommended | absolute or relative path", "https://github.com/o/r",
         "https://raw.githubusercontent.com/o/r/HEAD/pics/a.png"),
        ("pics/a.png", "https://example.org/r", None),  # no known raw-file address
        ("http://example.org/a.png", None, None),  # pages load no plain-http image
        ("javascript:alert(1)", "https://github.com/o/r", None),
        ("data:image/png;base64,AAAA", None, None),
        ("../../etc/passwd", "https://github.com/o/r", None),
        ("/abs/a.png", "https://github.com/o/r", None),
        ("[image path]", "https://github.com/o/r", None),
        (None, None, None),
    ],
)
def test_picture_url(image, repo, expected):
    assert picture_url(image, repo) == expected


def _repo(root: Path, name: str, extra: str, mesh: bool) -> Path:
    repo = root / name
    repo.mkdir(parents=True)
    (repo / "okh.toml").write_text(MODULE.format(name=name, extra=extra), encoding="utf-8")
    if mesh:
        (repo / "clamp.stl").write_bytes(CLAMP.read_bytes())
    return repo


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("pictures")
    repos = [
        _repo(root, "Meshed", '[[part]]\nname = "Clamp"\nexport = ["clamp.stl"]\n', True),
        _repo(root, "Pictured", 'image = "https://github.com/someone/Pictured/blob/main/p.jpg"\n'
              '[[part]]\nname = "Clamp"\nexport = ["clamp.stl"]\n', True),
        _repo(root, "Hostile", 'image = "javascript:alert(1)"\n', False),
    ]
    s = open_store(str(root / "refaire.db"))
    summary = import_sources(s, [str(r) for r in repos])
    assert summary.designs == 3, summary.to_dict()
    yield s
    s.close()


def _id(store, name: str) -> int:
    for i in range(1, 4):
        found = get_design(store, i)
        if found and found[1].name == name:
            return i
    raise AssertionError(name)


def _png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image.convert("RGB")


def _drawn_share(image: Image.Image) -> float:
    """Share of pixels that are not the background colour (the mesh's silhouette)."""
    pixels = np.asarray(image, dtype=int)
    return float((np.abs(pixels - pixels[0, 0]).max(axis=2) > 12).mean())


def test_import_draws_a_thumbnail_of_the_measured_mesh(store):
    part = get_design(store, _id(store, "Meshed"))[1].parts[0]
    assert part.mesh == "clamp.stl"
    image = _png(base64.b64decode(part.thumbnail))
    assert image.size == (160, 160)
    # the clamp fills a real share of the picture, not nothing and not everything
    assert 0.05 < _drawn_share(image) < 0.9


def test_upload_measurement_in_the_worker_draws_it_too(store):
    report = measure_mesh_upload("clamp.stl", CLAMP.read_bytes())
    assert report.ok and report.thumbnail
    assert "thumbnail" not in report.to_dict()  # the measurement report stays a report
    broken = measure_mesh_upload("clamp.stl", b"solid x\nendsolid x\n")
    assert broken.thumbnail is None


def test_attaching_a_mesh_gives_the_part_a_thumbnail(tmp_path):
    repo = _repo(tmp_path, "Later", '[[part]]\nname = "Clamp"\nexport = ["cad/clamp.stl"]\n', False)
    s = open_store(str(tmp_path / "later.db"))
    import_sources(s, [str(repo)])
    assert get_design(s, 1)[1].parts[0].thumbnail is None
    result = attach_meshes(s, 1, [("clamp.stl", CLAMP.read_bytes())])
    assert result["saved"]
    assert get_design(s, 1)[1].parts[0].thumbnail
    s.close()


def test_api_serves_the_thumbnail_and_lists_its_url(store):
    client = TestClient(create_app(store=store))
    meshed = _id(store, "Meshed")
    detail = client.get(f"/api/designs/{meshed}").json()
    assert detail["thumbnail_url"] == f"/api/designs/{meshed}/thumbnail.png"
    assert detail["parts"][0]["thumbnail_url"] == f"/api/designs/{meshed}/thumbnail.png?part=0"
    assert "thumbnail" not in detail["parts"][0]  # the PNG itself is not inlined in JSON
    r = client.get(detail["parts"][0]["thumbnail_url"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert _png(r.content).size == (160, 160)
    assert client.get(f"/api/designs/{meshed}/thumbnail.png?part=5").status_code == 404
    hostile = _id(store, "Hostile")
    assert client.get(f"/api/designs/{hostile}/thumbnail.png").status_code == 404
    assert client.get("/api/designs/999/thumbnail.png").status_code == 404
    items = {i["name"]: i for i in client.get("/api/designs").json()["items"]}
    assert items["Pictured"]["picture"] == "https://raw.githubusercontent.com/someone/Pictured/main/p.jpg"
    assert items["Hostile"]["picture"] is None and items["Hostile"]["thumbnail_url"] is None
    assert items["Meshed"]["picture"] is None and items["Meshed"]["thumbnail_url"]


def test_search_page_is_a_grid_of_pictures_with_a_plain_list_view(store):
    client = TestClient(create_app(store=store))
    grid = client.get("/designs?lang=fr").text
    meshed, pictured = _id(store, "Meshed"), _id(store, "Pictured")
    assert 'class="cards grid"' in grid
    assert f'src="/api/designs/{meshed}/thumbnail.png"' in grid
    # the manifest's picture first, the mesh's when it fails to load
    assert (
        'src="https://raw.githubusercontent.com/someone/Pictured/main/p.jpg"' in grid
        and f'data-fallback="/api/designs/{pictured}/thumbnail.png"' in grid
    )
    assert 'loading="lazy"' in grid and "javascript:" not in grid
    assert "cartes avec images" in grid
    plain = client.get("/designs?view=list").text
    assert 'class="cards"' in plain and "<img" not in plain


def test_design_page_shows_the_picture_and_puts_getting_it_made_first(store):
    client = TestClient(create_app(store=store))
    page = client.get(f"/designs/{_id(store, 'Meshed')}").text
    assert 'id="design-picture"' in page and "thumbnail.png?part=0" in page
    assert page.index('id="make-it"') < page.index('id="h-parts"')
    assert page.index("match-panel") < page.index("quote-panel") < page.index('id="h-parts"')
