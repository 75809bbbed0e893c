"""The "done when" of facility management in a real browser (Chromium through Playwright),
against the real app on 127.0.0.1 and a real SMTP server (aiosmtpd):

a person signs up, follows the verification link from the mail, claims a Lyon fab lab (a real
fablabs.io row), an admin approves, the person adds two machines with the resolver's help and
sets prices; the match page near Lyon then finds the lab with stated capabilities, a quote at
the lab uses its prices, and another member is refused the lab's manage page.
"""

from __future__ import annotations

import re

import pytest

from conftest import serve_in_thread
from refaire.ingest.runner import import_sources
from refaire.people import cli_actor
from refaire.people.mail import read_message
from refaire.people.sessions import COOKIE, create_session
from refaire.people.users import create_user
from refaire.store.designs import get_design, save_designs
from refaire.store.facilities import get_facility
from test_facility_manage_interfaces import LAB_KEY, LAMP
from test_quote import cube_stl

PASSWORD = "a lab on the Carré de Soie 2026"


@pytest.fixture
def site(sqlite_store, fixtures, smtp_server, monkeypatch):
    url, received = smtp_server
    monkeypatch.setenv("REFAIRE_SMTP_URL", url)
    import_sources(sqlite_store, [str(fixtures / "facilities" / "fablabs-iopa-lyon.json")])
    save_designs(sqlite_store, [LAMP])
    base, stop = serve_in_thread(sqlite_store)
    yield sqlite_store, base, received
    stop()


def signed_in(browser, store, base: str, email: str, admin: bool = False):
    """A browser context with the session of a new account (made by the operator)."""
    user = create_user(store, email, None, by=cli_actor(store, None), verified=True,
                       is_admin=admin)  # fmt: skip
    context = browser.new_context()
    host = base.split("//", 1)[1].split(":")[0]
    context.add_cookies(
        [{"name": COOKIE, "value": create_session(store, user["id"]), "domain": host, "path": "/"}]
    )
    return context


def test_done_when_in_the_browser(browser, site, tmp_path) -> None:
    store, base, received = site
    fid = get_facility(store, LAB_KEY)[0]
    lamp = get_design(store, "t:lamp")[0]
    context = browser.new_context()
    page = context.new_page()

    # sign up, then the link of the verification mail, then log in
    page.goto(f"{base}/signup")
    page.fill("#f-email", "alice@example.org")
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/signup'] button[type=submit]")
    mail = read_message(received[-1])
    assert mail["to"] == "alice@example.org"
    link = re.search(r"https?://\S+/verify\?token=\S+", mail["text"])[0]
    page.goto(link)
    page.click("form[action='/verify'] button[type=submit]")
    page.goto(f"{base}/login")
    page.fill("#f-email", "alice@example.org")
    page.fill("#f-password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")

    # claim the lab from its page; an admin approves on the claims page
    page.goto(f"{base}/facilities/{fid}")
    page.click("#claim-link")
    page.click("#claim-form button[type=submit]")
    assert page.locator("#claim-sent").is_visible()
    admin = signed_in(browser, store, base, "admin@example.org", admin=True).new_page()
    admin.goto(f"{base}/manage/claims")
    assert "alice@example.org" in admin.inner_text("#claims-table")
    admin.click("#claims-table form[action$='/approve'] button")
    admin.close()

    # two machines, each proposed from what was typed, then confirmed (the second corrected)
    page.goto(f"{base}/facilities/{fid}")
    page.click("#manage-link")
    page.fill("#m-machine-text", "Ultimaker S5")
    page.click("#machine-text-form button[type=submit]")
    assert page.input_value("#mc-model") == "S5"
    assert page.input_value("#mc-volume") == "330 x 240 x 300"
    assert page.input_value("#mc-process") == "fdm"
    page.click("#machine-confirm-form button[type=submit]")
    assert page.locator("#manage-saved").is_visible()
    page.fill("#m-machine-text", "découpeuse laser Trotec")
    page.click("#machine-text-form button[type=submit]")
    assert page.input_value("#mc-process") == "laser-cutting"
    page.fill("#mc-model", "Speedy 300")
    page.fill("#mc-materials", "plywood, acrylic")
    page.fill("#mc-bed", "726 x 432")
    page.click("#machine-confirm-form button[type=submit]")
    assert page.locator("#manage-saved").is_visible()
    # prices
    page.fill("#m-hourly_rate_fdm", "4.5")
    page.fill("#m-material_price_per_g", "pla=0.08")
    page.fill("#m-setup_fee", "0")
    page.fill("#m-minimum_order", "0")
    page.fill("#m-currency", "EUR")
    page.click("#manage-form button[type=submit]")
    assert page.locator("#manage-saved").is_visible()

    # a match near Lyon finds the lab, with the capabilities its manager stated
    page.goto(f"{base}/designs/{lamp}/match?near=45.76,4.84")
    text = page.inner_text("main")
    assert "YOUFACTORY" in text and "Speedy 300" in text and "Ultimaker S5" in text
    # a quote at the lab uses its prices
    page.goto(f"{base}/facilities/{fid}")
    assert "4.5" in page.inner_text("#facility-prices")
    stl = tmp_path / "cube.stl"
    stl.write_bytes(cube_stl(20))
    panel = page.locator(".quote-panel form")
    panel.locator("input[type=file]").set_input_files(str(stl))
    panel.locator("select[name=material]").select_option("pla")
    panel.locator("button[type=submit]").click()
    assert "4.5 EUR/h" in page.inner_text("main")
    context.close()

    # another member cannot change the lab
    bob = signed_in(browser, store, base, "bob@example.org").new_page()
    response = bob.goto(f"{base}/manage/facilities/{fid}")
    assert response.status == 403 and "only the managers of YOUFACTORY" in bob.inner_text("main")
    bob.close()
