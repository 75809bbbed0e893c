"""A visitor opens every main page over records written by an attacker, in a real browser:
the attacker's text shows literally, none of it runs, no record URL becomes a `javascript:`
or `data:` link, and the pages run under the Content-Security-Policy without one violation
(so every script the pages need is a file the server ships, /api/docs included)."""

from __future__ import annotations

import pytest

from _hostile import DESIGN_NAME, EVIL_NAME, hostile_store
from conftest import serve_in_thread

pytestmark = pytest.mark.browser

# Playwright's init scripts are not subject to the page's CSP: this one records violations.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    store, facility_id, design_id = hostile_store(
        str(tmp_path_factory.mktemp("web-safety") / "hostile.db")
    )
    url, stop = serve_in_thread(store)
    yield url, facility_id, design_id
    stop()
    store.close()


def _open(browser, url: str):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    console: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(WATCH)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, console, errors


def _assert_clean(page, console: list[str], errors: list[str], where: str) -> None:
    csp = page.evaluate("window.__csp")
    assert csp == [], f"{where}: CSP violations {csp}"
    assert not [m for m in console if "Content Security Policy" in m], f"{where}: {console}"
    assert errors == [], f"{where}: script errors {errors}"
    assert page.evaluate("window.__xss") is None, f"{where}: an injected script ran"
    # the attacker's markup stayed text: no element it would have created exists
    assert page.locator('img[src="x"]').count() == 0, where
    injected = page.evaluate(
        "Array.from(document.scripts).filter(s => (!s.type || /javascript/.test(s.type))"
        " && s.text.includes('__xss')).length"
    )  # JSON data blocks (type=application/json) carry the names as data, never run
    assert injected == 0, where
    bad_links = page.evaluate(
        "Array.from(document.links).map(a => a.protocol).filter(p => !/^(https?|mailto):$/.test(p))"
    )
    assert bad_links == [], f"{where}: non-http links {bad_links}"


def test_every_main_page_under_the_policy(browser, hostile_server):
    url, facility_id, design_id = hostile_server
    pages = [
        "/",
        "/designs",
        f"/designs/{design_id}",
        "/facilities",
        f"/facilities/{facility_id}",
        "/map",
        f"/designs/{design_id}/match?near=45.764,4.8357&radius_km=30",
        "/quote",
        "/observatory",
        "/observatory/signals",
        "/designs?lang=fr",
    ]
    for path in pages:
        page, console, errors = _open(browser, url + path)
        try:
            _assert_clean(page, console, errors, path)
            if path == f"/designs/{design_id}":
                assert DESIGN_NAME in page.inner_text("h1")
            if path == f"/facilities/{facility_id}":
                assert EVIL_NAME in page.inner_text("h1")
                # the javascript: URL is shown, not linked
                assert "javascript:window.__xss=3" in page.inner_text("main")
        finally:
            page.close()


def test_map_tooltips_and_popups_show_names_as_text(browser, hostile_server):
    url, _facility_id, design_id = hostile_server
    page, console, errors = _open(
        browser, f"{url}/designs/{design_id}/match?near=45.764,4.8357&radius_km=30"
    )
    try:
        page.wait_for_function("Number(document.getElementById('match-map').dataset.markers) > 0")
        # open every marker's tooltip and popup, as hovering and clicking would
        texts = page.evaluate(
            """() => Array.from(document.querySelectorAll('path.match-marker')).map(el => {
                 el.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
                 const tips = document.querySelectorAll('.leaflet-tooltip');
                 const text = tips.length ? tips[tips.length - 1].textContent : null;
                 el.dispatchEvent(new MouseEvent('mouseout', {bubbles: true}));
                 el.dispatchEvent(new MouseEvent('click', {bubbles: true}));
                 const pop = document.querySelector('.leaflet-popup-content');
                 return [text, pop ? pop.textContent : null];
               })"""
        )
        tooltips = [t for t, _ in texts]
        popups = [p for _, p in texts]
        assert EVIL_NAME in tooltips, tooltips
        assert any(p and p.startswith(EVIL_NAME) for p in popups), popups
        assert page.locator(".leaflet-pane img, .leaflet-pane script").count() == 0
        _assert_clean(page, console, errors, "match map")
    finally:
        page.close()


def test_api_docs_load_under_the_policy(browser, hostile_server):
    url, _f, _d = hostile_server
    page, console, errors = _open(browser, f"{url}/api/docs")
    try:
        page.wait_for_selector(".swagger-ui .info .title", timeout=15000)
        assert "Refaire" in page.inner_text(".swagger-ui .info .title")
        page.wait_for_selector(".opblock-summary-path", timeout=15000)
        assert "/api/designs" in page.locator(".opblock-summary-path").all_inner_texts()
        _assert_clean(page, console, errors, "/api/docs")
    finally:
        page.close()
