"""Someone opens a design in a real browser, asks where to make it near Lyon, and reads
the matches, the two-place plan and the markers on the map."""

from __future__ import annotations

import pytest

from conftest import serve_in_thread
from test_match import DESIGNS, FACILITIES

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lyon_server(tmp_path_factory):
    from refaire.store import open_store
    from refaire.store.designs import get_design, save_designs
    from refaire.store.facilities import save_facilities

    store = open_store(str(tmp_path_factory.mktemp("match-web") / "lyon.db"))
    save_facilities(store, FACILITIES)
    save_designs(store, DESIGNS)
    url, stop = serve_in_thread(store)
    yield url, get_design(store, "t:kiosk")[0]
    stop()
    store.close()


def test_where_can_i_make_this(browser, lyon_server):
    url, kiosk = lyon_server
    page = browser.new_page(locale="en-GB", viewport={"width": 1200, "height": 900})
    try:
        page.goto(f"{url}/designs/{kiosk}?lang=en")
        panel = page.locator(".match-panel")
        assert "Where can I make this?" in panel.inner_text()
        assert "Frame: cnc-milling" in panel.inner_text()
        page.select_option("#mp-preset", label="Lyon")  # fills the coordinates
        assert page.input_value("#mp-near") == "45.764,4.8357"
        page.fill("#mp-near", "45.7640,4.8357")
        page.fill("#mp-radius", "30")
        page.click("#mp-submit")
        page.wait_for_selector("#match-list")
        assert f"/designs/{kiosk}/match" in page.url
        summary = page.inner_text("#match-summary")
        assert "4 can make part of it, 0 all of it" in summary
        names = page.locator("#match-list > li h3 a").all_inner_texts()
        assert names[:2] == ["Atelier Villeurbanne", "Makerspace Vénissieux"]
        plan = page.locator(".plan").first.inner_text()
        assert "Plan: 2 places make every part" in plan
        assert "Frame at Makerspace Vénissieux" in plan
        assert "Cover at Atelier Villeurbanne" in plan
        first = page.locator("#match-list > li").first.inner_text()
        assert "fits in 400 × 400 × 400 mm" in first
        page.wait_for_function("document.getElementById('match-map').dataset.markers === '4'")
        assert page.locator("path.match-marker").count() == 4
        assert page.locator("path.match-marker.partial").count() == 4
        page.wait_for_function("Number(document.getElementById('match-map').dataset.outline) > 100")
        page.screenshot(path="/tmp/refaire-match.png", full_page=True)
    finally:
        page.close()


def test_results_in_french_and_facility_section(browser, lyon_server):
    url, kiosk = lyon_server
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(f"{url}/designs/{kiosk}/match?near=45.764,4.8357&radius_km=30&lang=fr")
        assert "Plans sur plusieurs lieux" in page.inner_text("main")
        assert "Frame chez Makerspace Vénissieux" in page.inner_text(".plan")
        page.click("#match-list > li:nth-child(2) h3 a")
        page.wait_for_selector(".match-here")
        here = page.inner_text(".match-here")
        assert "Ce qu'on peut fabriquer ici" in here and "Alu bracket" in here
        page.screenshot(path="/tmp/refaire-match-facility.png", full_page=True)
    finally:
        page.close()
