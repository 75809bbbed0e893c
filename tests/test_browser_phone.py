"""A maker in Lyon opens every main page on a 390 px phone, in English and in French: nothing
runs off the side of the screen (no sideways scroll), and the text stays readable against its
background (WCAG AA contrast of the computed colours of every visible text element)."""

from __future__ import annotations

import pytest

from _people import make_user
from conftest import serve_in_thread
from refaire.people.sessions import COOKIE, create_session

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}

# Contrast of each visible element's text colour against the first opaque background found
# walking up its ancestors (WCAG 2.1 relative luminance). Text over images or gradients is not
# judged here; the pages have none.
_CONTRAST_JS = """
() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = ({r, g, b}) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const bgOf = el => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a >= 0.99) return c; }
    return {r: 255, g: 255, b: 255, a: 1}; };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const s = getComputedStyle(el); const box = el.getBoundingClientRect();
    if (s.visibility === 'hidden' || s.display === 'none' || box.width < 2 || box.height < 2) continue;
    if (box.right < 0 || box.bottom < 0) continue;  // skip links parked off screen
    const fg = parse(s.color); const bg = bgOf(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(s.fontSize); const bold = parseInt(s.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) bad.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return bad;
}
"""

_WIDEST_JS = """
() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 391)
  .filter(e => !e.closest('.scroll-x, pre, .leaflet-container'))
  .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${e.className} right=${Math.round(e.getBoundingClientRect().right)}`)
"""


@pytest.fixture(scope="module")
def phone_site(sample_store):
    from refaire.store.designs import iter_designs
    from refaire.store.facilities import iter_facilities

    design_id = next(iter_designs(sample_store))[0]
    facility_id = next(iter_facilities(sample_store))[0]
    user = make_user(sample_store, "phone-reader@example.org")
    url, stop = serve_in_thread(sample_store)
    yield url, design_id, facility_id, create_session(sample_store, user["id"])
    stop()


def _pages(design_id: int, facility_id: int) -> list[str]:
    return [
        "/", "/designs", "/designs?q=lamp", f"/designs/{design_id}", "/facilities",
        f"/facilities/{facility_id}", "/map", f"/designs/{design_id}/match?near=45.764,4.8357",
        "/quote", "/observatory", "/observatory/signals", "/login", "/signup", "/account",
        "/designs?view=list", f"/facilities/{facility_id}/designs",
    ]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_main_page_fits_a_phone_and_reads(browser, phone_site, lang):
    url, design_id, facility_id, session = phone_site
    context = browser.new_context(viewport=PHONE, locale=f"{lang}-FR", is_mobile=True)
    context.add_cookies([{"name": COOKIE, "value": session, "url": url}])
    page = context.new_page()
    failures = []
    try:
        for path in _pages(design_id, facility_id):
            sep = "&" if "?" in path else "?"
            response = page.goto(f"{url}{path}{sep}lang={lang}")
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
            # A phone browser widens its layout viewport to fit wide content (so scrollWidth
            # equals innerWidth there); the screen's own 390 px is the bound that matters.
            wide = page.evaluate("Math.max(document.documentElement.scrollWidth, window.innerWidth)")
            if wide > PHONE["width"]:
                failures.append(f"{path}: {wide} px wide: {page.evaluate(_WIDEST_JS)}")
            low = page.evaluate(_CONTRAST_JS)
            if low:
                failures.append(f"{path}: low contrast {low[:5]}")
        assert page.evaluate("document.documentElement.lang") == lang
    finally:
        context.close()
    assert not failures, "\n".join(failures)
