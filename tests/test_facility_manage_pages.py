"""The facility management pages without JavaScript: claim, admin approval, the manage page
(assisted machine entry, prices, hours), the facility page's panel, refusals and escaping."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from refaire.app import create_app
from refaire.ingest.runner import import_sources
from refaire.people import cli_actor
from refaire.people.sessions import COOKIE, create_session
from refaire.people.users import create_user
from refaire.store.facilities import get_facility

LAB_KEY = "fablabs-iopa:b18990ff-18f8-4270-93d1-d91f6628fd3d"  # YOUFACTORY, Villeurbanne
PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def site(sqlite_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    import_sources(sqlite_store, [str(fixtures / "facilities" / "fablabs-iopa-lyon.json")])
    sqlite_store.lab_id = get_facility(sqlite_store, LAB_KEY)[0]
    return sqlite_store


def browser_of(store, email: str, admin: bool = False) -> TestClient:
    user = create_user(
        store, email, PASSWORD, by=cli_actor(store, None), verified=True, is_admin=admin
    )
    client = TestClient(create_app(store=store), follow_redirects=False)
    client.cookies.set(COOKIE, create_session(store, user["id"]))
    return client


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def post_form(client: TestClient, page_url: str, action: str, data: dict) -> object:
    token = csrf(client.get(page_url).text)
    return client.post(action, data={**data, "csrf_token": token})


def test_claim_approve_and_manage_from_the_pages(site) -> None:
    fid = site.lab_id
    alice = browser_of(site, "alice@example.org")
    admin = browser_of(site, "admin@example.org", admin=True)
    anonymous = TestClient(create_app(store=site), follow_redirects=False)

    assert anonymous.get(f"/manage/facilities/{fid}").headers["location"].startswith("/login")
    refused = alice.get(f"/manage/facilities/{fid}")
    assert refused.status_code == 403 and "only the managers of YOUFACTORY" in refused.text
    page = alice.get(f"/facilities/{fid}").text
    assert 'id="claim-link"' in page and "Nobody manages this record" in page
    # the lab's website is a fablabs.io page: the form offers only the admin's approval
    claim_page = alice.get(f"/manage/facilities/{fid}/claim").text
    assert 'value="mail"' not in claim_page
    forged = alice.post(f"/manage/facilities/{fid}/claim", data={"method": "admin"})
    assert forged.status_code == 403
    sent = post_form(
        alice, f"/manage/facilities/{fid}/claim", f"/manage/facilities/{fid}/claim",
        {"method": "admin", "message": "<b>I run it</b>"},
    )  # fmt: skip
    assert sent.status_code == 200 and 'id="claim-sent"' in sent.text

    assert alice.get("/manage/claims").status_code == 403
    listing = admin.get("/manage/claims").text
    assert "alice@example.org" in listing and "&lt;b&gt;I run it&lt;/b&gt;" in listing
    cid = re.search(r'action="/manage/claims/(\d+)/approve"', listing)[1]
    r = admin.post(f"/manage/claims/{cid}/approve", data={"csrf_token": csrf(listing)})
    assert r.status_code == 303

    # assisted machine entry: the text, the proposals, the confirmation
    proposed = alice.get(f"/manage/facilities/{fid}/machines/new", params={"text": "Ultimaker S5"})
    assert proposed.status_code == 200
    form = proposed.text
    assert 'id="machine-confirm-form"' in form and 'value="S5"' in form
    assert 'value="330 x 240 x 300"' in form and '<option value="fdm" selected>' in form
    r = alice.post(
        f"/manage/facilities/{fid}/machines",
        data={"csrf_token": csrf(form), "make": "Ultimaker", "model": "S5", "process": "fdm",
              "materials": "pla, abs", "build_volume_mm": "330 x 240 x 300", "quantity": "2",
              "catalogue": "Ultimaker S5", "text": "Ultimaker S5"},
    )  # fmt: skip
    assert r.status_code == 303
    bad = alice.post(
        f"/manage/facilities/{fid}/machines",
        data={"csrf_token": csrf(form), "model": "Thing", "process": "", "quantity": "1"},
    )
    assert bad.status_code == 422 and "say what the machine does" in bad.text

    # the record: description (escaped), hours in the lab's time zone, prices
    edit_page = alice.get(f"/manage/facilities/{fid}").text
    values = {
        "csrf_token": csrf(edit_page), "description": "<script>alert(1)</script> Fab lab",
        "email": "", "phone": "", "url": "https://www.youfactory.co", "access_type": "public",
        "time_zone": "Europe/Paris", "weekly": "tue-sat 14:00-19:00", "closures": "",
        "hourly_rate_fdm": "4,5", "hourly_rate_sla": "", "hourly_rate_laser": "",
        "material_price_per_g": "pla=0.08", "setup_fee": "", "minimum_order": "",
        "currency": "eur",
    }  # fmt: skip
    assert alice.post(f"/manage/facilities/{fid}", data=values).status_code == 303
    wrong = alice.post(
        f"/manage/facilities/{fid}?lang=fr", data={**values, "time_zone": "Europe/Lyon"}
    )
    assert wrong.status_code == 422 and "été enregistré ; à corriger" in wrong.text
    assert "Europe/Lyon" in wrong.text  # what was typed is kept in the form

    shown = anonymous.get(f"/facilities/{fid}").text
    assert "<script>alert(1)</script>" not in shown and "&lt;script&gt;" in shown
    assert 'id="facility-prices"' in shown and "fdm: 4.5" in shown and "pla: 0.08" in shown
    assert "Europe/Paris" in shown and 'id="open-now"' in shown
    assert 'id="facility-history"' in shown and "facility.machine.add" in shown
    assert "https://www.fablabs.io/labs/youfactory" in shown  # the source's value, kept beside
    assert 'id="suggest-link"' in shown and 'id="manage-link"' not in shown
    assert 'id="manage-link"' in alice.get(f"/facilities/{fid}").text


def test_suggestion_from_a_member_accepted_on_the_manage_page(site) -> None:
    fid = site.lab_id
    bob = browser_of(site, "bob@example.org")
    admin = browser_of(site, "admin@example.org", admin=True)
    url = f"/manage/facilities/{fid}/suggest"
    sent = post_form(bob, url, url, {"email": "hello@youfactory.co", "note": "on the door",
                                      "description": "", "url": "https://www.fablabs.io/labs/youfactory",
                                      "access_type": ""})  # fmt: skip
    assert sent.status_code == 200 and 'id="suggest-sent"' in sent.text
    # nobody manages the lab: the admins decide, on the manage page
    page = admin.get(f"/manage/facilities/{fid}").text
    sid = re.search(r'action="/manage/suggestions/(\d+)/accept"', page)[1]
    own = csrf(bob.get(f"/facilities/{fid}").text)  # bob's token: the refusal is his role's
    refused = bob.post(f"/manage/suggestions/{sid}/accept", data={"csrf_token": own})
    assert refused.status_code == 403 and "only the managers" in refused.text
    r = admin.post(f"/manage/suggestions/{sid}/accept", data={"csrf_token": csrf(page)})
    assert r.status_code == 303
    assert "hello@youfactory.co" in admin.get(f"/facilities/{fid}").text


def test_mail_claim_confirmed_by_a_click_not_by_fetching_the_link(site) -> None:
    from refaire.manage import editing
    from refaire.people.mail import list_outbox
    from refaire.people.roles import manages_facility

    fid = site.lab_id
    editing.edit_facility(site, cli_actor(site, None), fid, {"url": "https://youfactory.co"})
    alice = browser_of(site, "alice@example.org")
    url = f"/manage/facilities/{fid}/claim"
    assert 'value="mail"' in alice.get(url).text and "youfactory.co" in alice.get(url).text
    sent = post_form(alice, url, url, {"method": "mail", "email": "fablab"})
    assert sent.status_code == 200 and "fablab@youfactory.co" in sent.text
    (mail,) = list_outbox()["items"]
    link = re.search(r"http://testserver(/manage/claims/confirm\?token=\S+)", mail["text"])[1]
    # a mail scanner (no cookies) fetching the link changes nothing
    scanner = TestClient(create_app(store=site), follow_redirects=False)
    shown = scanner.get(link)
    assert shown.status_code == 200 and 'id="claim-confirm-form"' in shown.text
    assert not manages_facility(site, alice_actor(site, "alice@example.org"), fid)
    token = re.search(r'name="token" value="([^"]+)"', shown.text)[1]
    done = alice.post(
        "/manage/claims/confirm", data={"token": token, "csrf_token": csrf(alice.get(link).text)}
    )  # noqa: E501
    assert done.status_code == 200 and "you now manage YOUFACTORY" in done.text
    assert manages_facility(site, alice_actor(site, "alice@example.org"), fid)
    again = alice.post(
        "/manage/claims/confirm", data={"token": token, "csrf_token": csrf(alice.get(link).text)}
    )  # noqa: E501
    assert again.status_code == 400 and "already used" in again.text


def alice_actor(store, email: str):
    return cli_actor(store, email)


def test_probable_capability_confirmed_on_the_manage_page(site) -> None:
    from refaire.model import Capability
    from refaire.registry.facilities import facility_detail
    from refaire.store.facilities import replace_facility

    fid, f = get_facility(site, site.lab_id)
    f.processes = [Capability("vinyl-cutting", "probable", "fab-charter-inventory", 0.7)]
    with site.engine.begin() as conn:
        replace_facility(conn, fid, f)
    admin = browser_of(site, "admin@example.org", admin=True)
    page = admin.get(f"/manage/facilities/{fid}").text
    assert 'class="origin probable"' in page and 'value="confirm"' in page
    r = admin.post(
        f"/manage/facilities/{fid}/capabilities",
        data={"csrf_token": csrf(page), "kind": "process", "cap_id": "vinyl-cutting",
              "action": "confirm"},
    )  # fmt: skip
    assert r.status_code == 303
    stated = facility_detail(site, fid)["capabilities"]["stated"]
    assert [(c["id"], c["origin"]) for c in stated] == [("vinyl-cutting", "stated")]
