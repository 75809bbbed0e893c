"""Pictures and maps in a real browser, at desktop and phone widths, in English and French:
the search grid shows the mesh thumbnail (and falls back to it when a manifest's picture
cannot load, as offline), the design page puts its picture and "where can I make this?"
first, and the map, offline, names towns and says what is known of each place."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import serve_in_thread
from refaire.ingest.runner import import_sources
from refaire.store import open_store

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
CLAMP = ROOT / "tests" / "fixtures" / "meshes" / "tw4_filter_clamp.stl"
FACILITIES = ROOT / "src" / "refaire" / "sample" / "facilities" / "spaceapi"
MODULE = """okhv = "OKH-LOSHv1.0"
name = "{name}"
repo = "https://github.com/someone/{name}"
license = "CERN-OHL-S-2.0"
licensor = "Someone"
function = "Holds filters in place."
{extra}
[[part]]
name = "Clamp"
tsdc = "3DP"
material = "PLA"
export = ["clamp.stl"]
"""
SIZES = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    root = tmp_path_factory.mktemp("pictures-browser")
    repos = []
    # a picture on a host the offline browser cannot reach: the thumbnail takes its place
    for name, extra in (("Meshed", ""), ("Pictured", 'image = "https://example.invalid/p.jpg"')):
        repo = root / name
        repo.mkdir()
        (repo / "okh.toml").write_text(MODULE.format(name=name, extra=extra), encoding="utf-8")
        (repo / "clamp.stl").write_bytes(CLAMP.read_bytes())
        repos.append(str(repo))
    store = open_store(str(root / "refaire.db"))
    import_sources(store, [*repos, str(FACILITIES)])
    url, stop = serve_in_thread(store)
    yield url, store
    stop()


def _fits(page) -> None:
    wide = page.evaluate("Math.max(document.documentElement.scrollWidth, window.innerWidth)")
    assert wide <= page.viewport_size["width"], wide


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_grid_design_page_and_map(browser, site, lang, size):
    url, _ = site
    page = browser.new_page(viewport=size)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{url}/designs?lang={lang}")
        page.wait_for_load_state("networkidle")
        cards = page.locator(".cards.grid .card")
        assert cards.count() == 2
        # every card ends with a drawn picture: the thumbnail, directly or as the fallback
        thumbs = page.locator(".pic img")
        assert thumbs.count() == 2
        for i in range(2):
            img = thumbs.nth(i)
            assert "/thumbnail.png" in img.get_attribute("src")
            assert img.evaluate("i => i.complete && i.naturalWidth") == 160
        _fits(page)
        page.screenshot(path=f"/tmp/refaire-grid-{lang}-{size['width']}.png")
        # the list view has no pictures
        page.goto(f"{url}/designs?view=list&lang={lang}")
        assert page.locator(".cards .card").count() == 2 and page.locator("img").count() == 0

        page.goto(f"{url}/designs/1?lang={lang}")
        page.wait_for_load_state("networkidle")
        picture = page.locator("#design-picture img")
        assert picture.evaluate("i => i.naturalWidth") == 160
        assert page.locator("#make-it").bounding_box()["y"] < page.locator("#h-parts").bounding_box()["y"]
        assert page.locator(".part-thumb").count() == 1
        _fits(page)

        page.goto(f"{url}/map?lang={lang}")
        page.wait_for_selector("#map[data-towns]", state="attached", timeout=20_000)
        # offline: the tiles fail, the towns are drawn with their names
        page.wait_for_selector(".town-label", timeout=20_000)
        assert page.locator(".town-label").count() > 10
        assert page.locator("#map").get_attribute("data-tiles") == "failed"
        _fits(page)
        page.screenshot(path=f"/tmp/refaire-map-towns-{lang}-{size['width']}.png")
    finally:
        page.close()
    assert errors == []
