"""A person uploads a real mesh on /quote and reads the size, the fit and the price, in a
real browser; and drops a file on the drop zone."""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES, serve_in_thread

pytestmark = pytest.mark.browser

MESH = FIXTURES / "meshes" / "tw4_filter_clamp.stl"  # 208.5 × 101.5 × 33.5 mm


@pytest.fixture(scope="module")
def quote_server(tmp_path_factory):
    """The app over a store holding the real OKW atelier (a Prusa i3 MK3S printer)."""
    from refaire.ingest.runner import import_sources
    from refaire.store import open_store

    store = open_store(str(tmp_path_factory.mktemp("quote") / "quote.db"))
    import_sources(store, [str(FIXTURES / "facilities" / "okw-atelier-fr.yml")])
    url, stop = serve_in_thread(store)
    yield url
    stop()
    store.close()


def test_upload_a_mesh_and_read_the_quote(browser, quote_server):
    page = browser.new_page(locale="en-GB", viewport={"width": 1200, "height": 900})
    try:
        page.goto(quote_server + "/quote?lang=en")
        page.set_input_files("#q-file", str(MESH))
        page.select_option("#q-material", "petg")
        page.fill("#q-qty", "3")
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=total]")
        assert page.inner_text("[data-testid=size]") == "208.5 × 101.5 × 33.5 mm"
        card = page.locator(".quote-card").first
        assert "Atelier partagé" in card.inner_text()
        assert "The part fits a machine here" in card.inner_text()
        assert "Prusa i3 MK3S" in card.locator("table.machines").inner_text()
        total = card.locator("[data-testid=total]").inner_text()
        assert re.fullmatch(r"\d+\.\d\d", total) and float(total) > 0
        assert "estimated: default rates" in card.inner_text()
        page.screenshot(path="/tmp/refaire-quote.png", full_page=True)
    finally:
        page.close()


def test_drop_zone_fills_the_file_input_in_french(browser, quote_server):
    page = browser.new_page()
    try:
        page.goto(quote_server + "/quote?lang=fr")
        assert page.locator(".dropzone.live").count() == 1
        data = list(MESH.read_bytes())
        # A drop event carrying the file, as the browser makes one from a desktop drag.
        page.evaluate(
            """([bytes, name]) => {
                const file = new File([new Uint8Array(bytes)], name);
                const dt = new DataTransfer();
                dt.items.add(file);
                const zone = document.querySelector("[data-dropzone]");
                zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
            }""",
            [data, MESH.name],
        )
        assert page.evaluate("document.getElementById('q-file').files[0].name") == MESH.name
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=total]")
        assert page.inner_text("[data-testid=size]") == "208,5 × 101,5 × 33,5 mm"
        assert "Détail du prix" in page.content()
    finally:
        page.close()
