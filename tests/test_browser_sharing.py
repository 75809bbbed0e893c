"""The issue's "done when", in a real browser: a member trained on the laser books it for
Tuesday 14:00-16:00; a second member trying the same slot is told it is taken and offered
the next free slots (and takes one); the manager sees both on the week view; the first
member makes a calendar address, subscribes (the feed parses), and cancels from "my
bookings"."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from _sharing_scenario import build
from conftest import serve_in_thread
from refaire.people.sessions import COOKIE, create_session

pytestmark = pytest.mark.browser


@pytest.fixture
def served(sqlite_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    lab = build(sqlite_store, fixtures)
    url, stop = serve_in_thread(sqlite_store)
    yield lab, url
    stop()


def signed_in(browser, lab, url: str, name: str):
    context = browser.new_context(locale="en-GB", viewport={"width": 1200, "height": 900})
    context.add_cookies([{"name": COOKIE, "value": create_session(lab.store, lab.users[name]["id"]),
                          "url": url}])  # fmt: skip
    return context


def book(page, day: str, start: str, end: str) -> None:
    page.fill("#b-day", day)
    page.fill("#b-start", start)
    page.fill("#b-end", end)
    page.click("#book-form button[type=submit]")


def test_done_when_in_a_browser(browser, served) -> None:
    lab, url = served
    rid, tue = lab.laser["id"], lab.tuesday.isoformat()
    ann = signed_in(browser, lab, url, "ann").new_page()
    ann.goto(f"{url}/resources/{rid}?week={tue}&lang=en")
    book(ann, tue, "14:00", "16:00")
    ann.wait_for_url("**/bookings/mine?booked=*")
    row = ann.locator("#my-bookings tbody tr").first
    assert f"{tue} 14:00–16:00" in row.inner_text() and "confirmed" in row.inner_text()

    bob = signed_in(browser, lab, url, "bob").new_page()
    bob.goto(f"{url}/resources/{rid}?week={tue}&lang=en")
    book(bob, tue, "14:00", "16:00")
    conflict = bob.locator("#booking-conflict")
    assert "taken from" in conflict.inner_text()
    assert f"{tue} 14:00–16:00 (Europe/Paris)" in conflict.inner_text()
    offers = bob.locator("#next-free button")
    assert offers.count() == 3 and offers.first.inner_text() == f"{tue} 16:00–18:00 (Europe/Paris)"
    offers.first.click()
    bob.wait_for_url("**/bookings/mine?booked=*")
    assert f"{tue} 16:00–18:00" in bob.locator("#my-bookings").inner_text()

    boss = signed_in(browser, lab, url, "boss").new_page()
    boss.goto(f"{url}/manage/facilities/{lab.fid}/bookings?view=week&day={tue}&lang=en")
    view = boss.locator("#facility-bookings").inner_text()
    assert "ann@example.org" in view and "bob@example.org" in view
    assert "14:00–16:00" in view and "16:00–18:00" in view

    ann.click("#feed-new")
    feed_url = ann.input_value("#feed-url")
    feed = ann.request.get(feed_url)
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Trotec Speedy 400 (confirmed)"]
    ann.goto(f"{url}/bookings/mine?lang=en")
    ann.click("#my-bookings form[action$='/cancel'] button")
    ann.wait_for_load_state()
    assert "cancelled" in ann.locator("#my-bookings tbody tr").first.inner_text()
    ann.screenshot(path="/tmp/refaire-bookings.png", full_page=True)
