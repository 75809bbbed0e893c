"""The observatory in a real browser: SVG charts drawn and visible, density map, language switch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import serve_in_thread
from refaire.ingest.runner import import_sources
from refaire.store import open_store

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "refaire" / "sample"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = open_store(str(tmp_path_factory.mktemp("obs") / "obs.db"))
    import_sources(store, [str(SAMPLE / "oshwa"), str(SAMPLE / "facilities")])
    url, stop = serve_in_thread(store)
    yield url
    stop()


def test_charts_render_and_language_switches(browser, server: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/observatory?lang=en")
    for name in ("sectors", "index", "countries", "maturity", "growth"):
        chart = page.locator(f"#chart-{name} svg")
        assert chart.count() == 1
        chart.scroll_into_view_if_needed()
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100
        # bars are <path> elements inside groups carrying the chart's gid
        bars = page.locator(f"#chart-{name} svg g[id^='bar-'] path")
        assert bars.count() > 0, name
    assert "Open designs per sector" in page.locator("#chart-sectors svg title").text_content()
    # density map: graduated circles over the offline outline
    page.locator("#density-map").scroll_into_view_if_needed()
    page.wait_for_selector("#density-map path.density-cell")
    assert int(page.locator("#density-map").get_attribute("data-cells")) > 10
    page.screenshot(path="/tmp/observatory-en.png", full_page=False)
    # switch language through the header link
    page.locator("header .lang a[hreflang=fr]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert (
        "Conceptions ouvertes par secteur"
        in page.locator("#chart-sectors svg title").text_content()
    )
    assert page.locator("#chart-sectors svg g[id^='bar-'] path").count() > 0
    assert page.get_by_role("heading", name="Potentiel de transformation par secteur").is_visible()
    page.screenshot(path="/tmp/observatory-fr.png", full_page=True)
    assert not errors, errors
    page.close()


def test_signals_page_filters(browser, server: str) -> None:
    page = browser.new_page()
    page.goto(server + "/observatory/signals?lang=en")
    assert page.get_by_role("heading", name="Record a signal").is_visible()
    page.select_option("#f-sector", "A61")
    page.click("form.sig-filter button")
    assert "sector=A61" in page.url
    page.close()


def test_index_table_sorts_and_charts_read_on_a_phone(browser, server: str) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.set_default_timeout(120_000)  # the first visit computes the index: slow on a busy CI
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/observatory?lang=fr")
    # the smallest chart text as displayed, in CSS pixels
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('.obs-chart svg')].flatMap(svg => {
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return [...svg.querySelectorAll('text')].map(
                t => parseFloat(t.style.fontSize) * scale);
        }))"""
    )
    assert smallest >= 12, smallest
    charts = page.locator(".obs-chart").all()
    tops = {round(c.bounding_box()["x"]) for c in charts}
    assert len(tops) == 1  # one chart per row on a phone
    table = page.locator("#index-table")
    assert table.get_attribute("data-sortable") == "ready"
    header = page.locator("#index-table thead th").nth(1)  # designs
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    counts = [
        int(x.replace("\u202f", "").replace("\u00a0", ""))
        for x in page.locator("#index-table tbody tr td:nth-child(2)").all_text_contents()
    ]
    assert counts == sorted(counts, reverse=True) and len(counts) > 2
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    # a sector's report, with its title block and where-made map
    page.goto(server + "/observatory/sectors/H?lang=fr")
    assert page.locator("#report-title-block").is_visible()
    page.wait_for_selector("#where-map path.leaflet-interactive", timeout=15000)
    assert not errors, errors
    page.close()
