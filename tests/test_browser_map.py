"""The facility map in a real browser: markers, clusters, offline outline, process filter.

Runs Debian's chromium through Playwright against a uvicorn server in a thread,
with background networking disabled: the page must work with no tile server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import serve_in_thread
from refaire.ingest.runner import import_sources
from refaire.store import open_store
from refaire.store.facility_search import facility_points

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "refaire" / "sample" / "facilities"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    store = open_store(str(tmp_path_factory.mktemp("map") / "map.db"))
    import_sources(store, [str(SAMPLE)])
    url, stop = serve_in_thread(store)
    yield url, store
    stop()


@pytest.fixture(scope="module")
def page(browser):
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors  # type: ignore[attr-defined]
    yield pg
    pg.close()


def test_map_shows_markers_outline_and_filters(server, page):
    base, store = server
    all_points = len(facility_points(store))
    laser_points = len(facility_points(store, process="laser-cutting"))
    assert 0 < laser_points < all_points

    page.goto(f"{base}/map?lang=en")
    page.wait_for_selector(".marker-cluster, .leaflet-marker-icon", timeout=20_000)
    # selectors, not wait_for_function: a string predicate needs 'unsafe-eval', which the CSP
    # of every page (rightly) refuses
    page.wait_for_selector("#map[data-outline]", state="attached", timeout=20_000)
    # the bundled outline is drawn (one SVG path per country), no tiles needed
    assert page.locator("path.world-outline").count() > 150
    assert page.locator("#map").get_attribute("data-count") == str(all_points)
    assert page.locator("#map-count").inner_text() == f"{all_points:,} facilities on the map"
    # cluster labels add up to what is on the map (clusters + lone markers)
    in_clusters = sum(int(t) for t in page.locator(".marker-cluster span").all_inner_texts())
    lone = page.locator(".leaflet-marker-icon:not(.marker-cluster)").count()
    assert in_clusters + lone == all_points
    page.screenshot(path="/tmp/refaire-map-all.png")

    page.select_option("#m-process", "laser-cutting")
    page.wait_for_selector(f"#map[data-count='{laser_points}']", state="attached", timeout=20_000)
    assert page.locator("#map-count").inner_text() == f"{laser_points} facilities on the map"
    assert page.url.endswith("/map?process=laser-cutting")
    assert page.locator("#map-list-link").get_attribute("href") == (
        "/facilities?process=laser-cutting"
    )
    in_clusters = sum(int(t) for t in page.locator(".marker-cluster span").all_inner_texts())
    lone = page.locator(".leaflet-marker-icon:not(.marker-cluster)").count()
    assert in_clusters + lone == laser_points
    page.screenshot(path="/tmp/refaire-map-laser.png")
    assert page.errors == []  # type: ignore[attr-defined]


def test_marker_popup_links_to_the_facility(server, page):
    base, store = server
    page.goto(f"{base}/map?process=sewing&lang=en")
    page.wait_for_selector(".marker-cluster, .leaflet-marker-icon", timeout=20_000)
    # zoom in until a lone marker is visible, then open its popup
    for _ in range(12):
        if page.locator(".leaflet-marker-icon:not(.marker-cluster)").count():
            break
        page.locator(".marker-cluster").first.click()
        page.wait_for_timeout(600)
    marker = page.locator(".leaflet-marker-icon:not(.marker-cluster)").first
    name = marker.get_attribute("title")
    link = page.locator(".leaflet-popup-content a")
    # a click that lands while the zoom animation still moves the marker opens nothing:
    # let the map settle, and click again if no popup came
    for _ in range(4):
        page.wait_for_timeout(700)
        marker.click()
        try:
            link.wait_for(timeout=3_000)
            break
        except Exception:  # noqa: BLE001 (Playwright's TimeoutError; retried)
            continue
    link.wait_for(timeout=5_000)
    # the popup: the place's name, what kind of capability data is known, a link
    assert page.locator(".leaflet-popup-content strong").inner_text() == name
    assert page.locator(".leaflet-popup-content [class^='data-']").inner_text().startswith(
        "Capabilities"
    )
    assert link.inner_text() == "Open its page"
    link.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text() == name
    assert "/facilities/" in page.url


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_map_on_lyon_draws_the_regions_offline(server, browser, monkeypatch, lang):
    monkeypatch.setenv("REFAIRE_TILE_URL", "none")  # no tile server: the bundled layers are the map
    base, _ = server
    pg = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    try:
        # a world view draws no regional lines and does not even fetch them
        pg.goto(f"{base}/map?lang={lang}")
        pg.wait_for_selector("#map[data-towns]", state="attached", timeout=20_000)
        assert pg.locator("path.region-line").count() == 0
        pg.goto("about:blank")  # a new document: the link's view is read on load
        pg.goto(f"{base}/map?lang={lang}#map=8/45.76/4.84")
        pg.wait_for_selector("#map[data-regions]:not([data-regions='0'])", state="attached", timeout=30_000)
        # thin lines with a drawn shape (Leaflet leaves the path empty when out of view)
        drawn = [d for d in pg.locator("path.region-line").evaluate_all("ps => ps.map(p => p.getAttribute('d') || '')") if len(d) > 100]
        assert drawn, "no admin-1 boundary drawn around Lyon"
        names = pg.locator(".region-label").all_inner_texts()
        assert "Rhône" in names and "Isère" in names
        assert "Lyon" in pg.locator(".town-label").all_inner_texts()
        pg.screenshot(path=f"/tmp/refaire-map-lyon-{lang}.png")
    finally:
        pg.close()
    assert errors == []
