"""A person searches for a design and opens it, in a real browser."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_search_and_open_a_design(browser, sample_server):
    page = browser.new_page(locale="en-GB")
    try:
        page.goto(sample_server + "/")
        page.fill("input[name=q]", "jubilee")
        page.click("button[type=submit]")
        page.wait_for_url("**/designs?q=jubilee*")
        assert "designs" in page.inner_text(".results .total")
        page.click("text=Jubilee")
        page.wait_for_selector("h1")
        assert page.inner_text("h1") == "Jubilee"
        assert "CC-BY-4.0" in page.inner_text("#h-licence + p")
        page.screenshot(path="/tmp/refaire-design.png", full_page=True)
    finally:
        page.close()


def test_facet_click_narrows_results_and_french_switch(browser, sample_server):
    page = browser.new_page()
    try:
        page.goto(sample_server + "/designs?lang=en")
        before = page.inner_text(".results .total")
        page.click(".facets section:first-child li:first-child a")
        page.wait_for_selector('.facets a[aria-pressed="true"]')
        assert page.inner_text(".results .total") != before
        page.click("header .lang a[hreflang=fr]")
        page.wait_for_selector("html[lang=fr]")
        assert "Ouverture de la licence" in page.content()
    finally:
        page.close()
