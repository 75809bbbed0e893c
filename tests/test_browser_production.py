"""The issue's "done when", in a real browser: a member near Lyon requests 10 filter clamps in
PETG and sends the request to two labs; both quote (pre-filled lines); the member accepts one;
the lab starts and ships it; the member marks it received and reviews the lab; the same lab's
offer for another design is published, found "near me" from Lyon and ordered; the day's
Valueflows export reads back as RDF. The request page is also read at phone width in French.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from _production_scenario import build
from conftest import serve_in_thread
from refaire.people.sessions import COOKIE, create_session

pytestmark = pytest.mark.browser
VF = Namespace("https://w3id.org/valueflows/ont/vf#")


@pytest.fixture
def served(sqlite_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    prod = build(sqlite_store, fixtures)
    url, stop = serve_in_thread(sqlite_store)
    yield prod, url
    stop()


def as_(browser, prod, url: str, name: str, **options):
    context = browser.new_context(locale="en-GB", **(options or {
        "viewport": {"width": 1200, "height": 900}}))  # fmt: skip
    context.add_cookies([{"name": COOKIE, "value": create_session(
        prod.store, prod.users[name]["id"]), "url": url}])  # fmt: skip
    context.set_default_timeout(120_000)  # a shared, loaded machine: routing builds an index
    return context.new_page()


def quote(page, url: str, request_path: str) -> None:
    page.goto(f"{url}{request_path}?lang=en")
    form = page.locator("section.quote-form form").first
    assert float(form.locator("input[name=amount_0]").input_value()) > 0  # pre-filled
    form.locator("input[name=lead_days]").fill("5")
    form.locator("button.send-quote").click()
    page.wait_for_load_state()


def test_done_when_in_a_browser(browser, served) -> None:
    prod, url = served
    ann = as_(browser, prod, url, "ann")
    ann.goto(f"{url}/designs/{prod.design}?lang=en")
    ann.click("#request-make")
    ann.fill("input[name=quantity]", "10")
    ann.fill("input[name=material]", "petg")
    ann.fill("input[name=place]", "Lyon")
    ann.fill("input[name=radius_km]", "30")
    ann.click("#request-form button[type=submit]")
    ann.wait_for_url("**/production/requests/*")
    request_path = ann.url.split(url, 1)[1].split("?")[0]
    assert "No payment is processed" in ann.inner_text("main")
    routing = ann.locator("#routing").inner_text()
    assert "stated" in routing
    ann.check(f"#to-facility-{prod.lab_a}")
    ann.check(f"#to-facility-{prod.lab_b}")
    ann.click("#send-chosen")
    ann.wait_for_load_state()
    assert ann.locator("#recipients li").count() == 2

    boss_a, boss_b = (as_(browser, prod, url, n) for n in ("boss_a", "boss_b"))
    quote(boss_a, url, request_path)
    quote(boss_b, url, request_path)
    ann.goto(f"{url}{request_path}?lang=en")
    assert ann.locator("#quote-comparison tbody tr").count() == 2
    ann.locator("#quote-comparison tbody tr").first.locator("button.accept-quote").click()
    ann.wait_for_url("**/orders/*")
    order_path = ann.url.split(url, 1)[1].split("?")[0]

    for move in ("in_production", "shipped"):
        boss_a.goto(f"{url}{order_path}?lang=en")
        boss_a.click(f"#move-{move}")
        boss_a.wait_for_load_state()
    assert "shipped" in boss_a.inner_text("#order-state")
    ann.goto(f"{url}{order_path}?lang=en")
    ann.click("#move-received")
    ann.wait_for_load_state()
    ann.select_option("#review-form select[name=rating]", "5")
    ann.fill("#review-form textarea[name=text]", "Perfect clamps, on time")
    ann.click("#review-send")
    ann.wait_for_load_state()
    assert "Perfect clamps" in ann.inner_text("#reviews")
    ann.goto(f"{url}/facilities/{prod.lab_a}?lang=en")
    assert "5.0/5 from 1 review" in ann.inner_text("#production-reviews")

    boss_a.goto(f"{url}/offers/new?design={prod.other_design}&lang=en")
    boss_a.select_option("select[name=facility]", str(prod.lab_a))
    boss_a.fill("input[name=material]", "petg")
    boss_a.fill("input[name=price]", "6.00")
    boss_a.fill("input[name=radius_km]", "40")
    boss_a.click("#offer-form button[type=submit]")
    boss_a.wait_for_url("**/offers/*")

    ann.goto(f"{url}/offers?lang=en")
    ann.fill("input[name=near]", "Lyon")
    ann.click("#offer-search button[type=submit]")
    ann.wait_for_load_state()
    assert ann.locator("table.offers tbody tr").count() == 1
    ann.locator("table.offers tbody tr a").first.click()
    ann.fill("#order-offer input[name=quantity]", "2")
    ann.click("#order-offer-send")
    ann.wait_for_url("**/orders/*")
    assert "accepted" in ann.inner_text("#order-state")

    day = datetime.now(UTC).date().isoformat()
    doc = ann.request.get(f"{url}/api/valueflows?day={day}")
    g = Graph().parse(data=doc.text(), format="json-ld")
    assert len(list(g.subjects(RDF.type, VF.Commitment))) == 2
    assert len(list(g.subjects(RDF.type, VF.EconomicEvent))) == 1
    assert list(g.subjects(RDF.type, VF.Proposal))

    phone = as_(browser, prod, url, "ann", viewport={"width": 390, "height": 844},
                is_mobile=True)  # fmt: skip
    for path in (request_path, order_path, "/offers"):
        phone.goto(f"{url}{path}?lang=fr")
        assert phone.evaluate("document.documentElement.lang") == "fr"
        wide = phone.evaluate("Math.max(document.documentElement.scrollWidth, window.innerWidth)")
        assert wide <= 390, (path, wide)
    assert "Refaire ne traite aucun paiement" in phone.inner_text("main")
    phone.screenshot(path="/tmp/refaire-production-phone.png", full_page=True)
