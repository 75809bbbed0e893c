"""A person signs up in a real browser, reads the verification link from the mail a real SMTP
server received, follows it, logs in, sets their town and makes an API token that works."""

from __future__ import annotations

import re

import httpx
import pytest

from conftest import serve_in_thread
from refaire.people.mail import read_message

pytestmark = pytest.mark.browser
PASSWORD = "Lyon-fablab-2026"


def test_sign_up_verify_log_in_and_make_a_token(browser, sqlite_store, smtp_server, monkeypatch):
    smtp_url, received = smtp_server
    monkeypatch.setenv("REFAIRE_SMTP_URL", smtp_url)
    base, stop = serve_in_thread(sqlite_store)
    page = browser.new_page(locale="fr-FR")
    try:
        page.goto(base + "/")
        page.click("header.site a[href='/signup']")
        page.fill("#f-email", "claire@example.org")
        page.fill("#f-password", "motdepasse")  # "password" in French: a common leaked one
        page.fill("#f-display_name", "Claire")
        page.evaluate("document.querySelector('form[action=\"/signup\"]').noValidate = true")
        page.click("form[action='/signup'] button[type=submit]")
        assert "les plus courants" in page.inner_text("#form-errors")
        page.fill("#f-password", PASSWORD)
        page.click("form[action='/signup'] button[type=submit]")
        assert "claire@example.org" in page.inner_text("main")
        assert len(received) == 1
        text = read_message(received[0])["text"]
        assert read_message(received[0])["subject"] == "Confirmez votre adresse pour Refaire"
        link = re.search(r"(http://\S+/verify\?token=\S+)", text).group(1)
        page.goto(link)
        page.click("form[action='/verify'] button[type=submit]")
        assert "confirmée" in page.inner_text("main")
        page.click("main a[href='/login']")
        page.fill("#f-email", "claire@example.org")
        page.fill("#f-password", PASSWORD)
        page.click("form[action='/login'] button[type=submit]")
        page.wait_for_url(base + "/account")
        assert page.inner_text("header.site .who a[href='/account']") == "Claire"
        page.fill("#p-town", "Saint-Étienne")
        page.fill("#p-country", "fr")
        page.click("form[action='/account'] button[type=submit]")
        assert page.input_value("#p-town") == "Saint-Étienne"
        assert "placé à 45.4" in page.inner_text("main")
        page.fill("#tk-name", "mon script")
        page.click("form[action='/account/tokens'] button[type=submit]")
        token = page.inner_text("#new-token code")
        me = httpx.get(base + "/api/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["email"] == "claire@example.org" and me["town"] == "Saint-Étienne"
        page.screenshot(path="/tmp/refaire-account.png", full_page=True)
        page.click("form[action='/logout'] button[type=submit]")
        assert page.locator("header.site a[href='/login']").count() == 1
    finally:
        page.close()
        stop()
