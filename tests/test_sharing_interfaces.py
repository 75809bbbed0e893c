"""Sharing through its interfaces: the JSON API (status codes, the 409 body, OpenAPI), the
`refaire resources|bookings` commands, and the pages without JavaScript (book, taken slot
with next free slots, my bookings, cancel, the managers' week view, French)."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from typer.testing import CliRunner

from _people import csrf_from, sign_in
from _sharing_scenario import build
from refaire.app import create_app
from refaire.cli import app as cli
from refaire.sharing import service


@pytest.fixture
def lab(any_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    return build(any_store, fixtures)


def client_of(lab, name: str | None) -> TestClient:
    c = TestClient(create_app(store=lab.store))
    if name:
        sign_in(c, lab.store, lab.users[name])
    return c


def api_headers(c: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": csrf_from(c, "/resources")}


def test_api_book_conflict_change_cancel(lab) -> None:
    rid, tue = lab.laser["id"], lab.tuesday
    ann, bob = client_of(lab, "ann"), client_of(lab, "bob")
    body = {"resource_id": rid, "starts_at": f"{tue}T14:00", "ends_at": f"{tue}T16:00"}
    assert (
        TestClient(create_app(store=lab.store)).post("/api/bookings", json=body).status_code == 401
    )
    made = ann.post("/api/bookings", json=body, headers=api_headers(ann))
    assert made.status_code == 201, made.text
    b = made.json()
    taken = bob.post("/api/bookings", json=body, headers=api_headers(bob))
    assert taken.status_code == 409
    assert taken.json()["conflict"] == {
        "booking_id": b["id"], "starts_at": b["starts_at"], "ends_at": b["ends_at"],
        "local": f"{tue} 14:00–16:00 (Europe/Paris)",
    }  # fmt: skip
    assert f"taken from {tue} 14:00–16:00 (Europe/Paris)" in taken.json()["detail"]
    assert len(taken.json()["next_free"]) == 3
    carl = client_of(lab, "carl")
    refused = carl.post("/api/bookings", json={**body, "starts_at": f"{tue}T10:00",
                        "ends_at": f"{tue}T11:00"}, headers=api_headers(carl))  # fmt: skip
    assert refused.status_code == 403 and "Laser safety" in refused.json()["detail"]
    bad = bob.post("/api/bookings", json={**body, "ends_at": f"{tue}T14:00"},
                   headers=api_headers(bob))  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ends_at"
    assert bob.post("/api/bookings", json={**body, "resource_id": 9999},
                    headers=api_headers(bob)).status_code == 404  # fmt: skip

    assert bob.get(f"/api/bookings/{b['id']}").status_code == 403
    moved = ann.patch(f"/api/bookings/{b['id']}", json={"starts_at": f"{tue}T09:00",
                      "ends_at": f"{tue}T10:00"}, headers=api_headers(ann))  # fmt: skip
    assert moved.status_code == 200 and moved.json()["local_start"] == f"{tue} 09:00"
    assert bob.post(f"/api/bookings/{b['id']}/cancel", headers=api_headers(bob)).status_code == 403
    done = ann.post(f"/api/bookings/{b['id']}/cancel", headers=api_headers(ann))
    assert done.json()["status"] == "cancelled"
    again = ann.post(f"/api/bookings/{b['id']}/cancel", headers=api_headers(ann))
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"]

    mine = ann.get("/api/bookings", params={"mine": "true"}).json()
    assert mine["total"] == 1 and mine["items"][0]["status"] == "cancelled"
    assert ann.get("/api/bookings", params={"facility": lab.fid}).status_code == 403
    boss = client_of(lab, "boss")
    week = boss.get("/api/bookings", params={"facility": lab.fid}).json()
    assert week["items"][0]["member"] == "ann@example.org"
    csv_text = boss.get("/api/bookings.csv", params={"facility": lab.fid})
    assert csv_text.headers["content-type"].startswith("text/csv")
    assert csv_text.content.startswith("\ufeff".encode())


def test_api_feeds_slots_and_rules(lab) -> None:
    rid, tue = lab.laser["id"], lab.tuesday
    anon = TestClient(create_app(store=lab.store))
    slots = anon.get(f"/api/resources/{rid}/slots", params={"from": str(tue), "days": 1}).json()
    assert slots["slots"][0]["local_start"].startswith(f"{tue}T09:00")
    assert len(slots["slots"]) == 18
    assert anon.get(f"/api/resources/{rid}/slots", params={"days": 400}).status_code == 422
    feed = anon.get(f"/api/resources/{rid}/calendar.ics")
    assert feed.headers["content-type"].startswith("text/calendar")
    assert Calendar.from_ical(feed.content).walk("VEVENT")
    fac = anon.get(f"/api/facilities/{lab.fid}/calendar.ics")
    assert Calendar.from_ical(fac.content)["x-wr-calname"]

    ann = client_of(lab, "ann")
    service.book(lab.store, lab.ann, rid, f"{tue}T14:00", f"{tue}T15:00")
    link = ann.post("/api/bookings/feed", headers=api_headers(ann)).json()
    mine = anon.get(link["path"])
    assert mine.status_code == 200 and len(Calendar.from_ical(mine.content).walk("VEVENT")) == 1
    assert anon.get("/api/bookings/feed/cal_forged.ics").status_code == 404

    boss = client_of(lab, "boss")
    bad = boss.patch(f"/api/resources/{rid}/rules", json={"availability": [
        {"rrule": "FREQ=SECONDLY", "start": "09:00", "end": "10:00"}]},
        headers=api_headers(boss))  # fmt: skip
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rules.availability[0]"
    assert ann.patch(f"/api/resources/{rid}/rules", json={"approval": True},
                     headers=api_headers(ann)).status_code == 403  # fmt: skip
    ok = boss.patch(f"/api/resources/{rid}/rules", json={"approval": True},
                    headers=api_headers(boss))  # fmt: skip
    assert ok.json()["rules"]["approval"] is True

    spec = anon.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/resources",
        "/api/bookings",
        "/api/bookings/{bid}/cancel",
        "/api/resources/{rid}/calendar.ics",
        "/api/facilities/{ident}/resources",
    ):
        assert path in spec, path
    assert "409" in spec["/api/bookings"]["post"]["responses"]


def run(*args: str) -> dict:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_cli_resources_and_bookings(lab) -> None:
    db, rid, tue = lab.store.url, lab.laser["id"], lab.tuesday
    listed = run("resources", "list", "--db", db, "--json")
    assert listed["items"][0]["name"] == "Trotec Speedy 400"
    b = run(
        "bookings",
        "book",
        str(rid),
        "--start",
        f"{tue}T14:00",
        "--end",
        f"{tue}T16:00",
        "--as",
        "ann@example.org",
        "--db",
        db,
        "--json",
    )
    assert b["status"] == "confirmed" and b["mail"] == "sent"
    taken = CliRunner().invoke(cli, ["bookings", "book", str(rid), "--start", f"{tue}T15:00",
                                     "--end", f"{tue}T16:00", "--as", "bob@example.org",
                                     "--db", db])  # fmt: skip
    assert taken.exit_code == 1 and "is taken from" in taken.output
    operator = CliRunner().invoke(
        cli,
        [
            "bookings",
            "book",
            str(rid),
            "--start",
            f"{tue}T10:00",
            "--end",
            f"{tue}T11:00",
            "--db",
            db,
        ],
    )
    assert operator.exit_code == 1 and "--as EMAIL" in operator.output
    mine = run("bookings", "list", "--mine", "--as", "ann@example.org", "--db", db, "--json")
    assert [x["id"] for x in mine["items"]] == [b["id"]]
    slots = run("resources", "slots", str(rid), "--from", str(tue), "--days", "1", "--db", db,
                "--json")  # fmt: skip
    assert [s["free_units"] for s in slots["slots"]].count(0) == 4
    tool = run("resources", "lend", "Scie sauteuse", "--pickup", "Lyon 3e", "--tz",
               "Europe/Paris", "--as", "carl@example.org", "--db", db, "--json")  # fmt: skip
    assert tool["kind"] == "tool"
    bad_tz = CliRunner().invoke(
        cli,
        [
            "resources",
            "lend",
            "Saw",
            "--pickup",
            "x",
            "--tz",
            "Paris",
            "--as",
            "carl@example.org",
            "--db",
            db,
        ],
    )
    assert bad_tz.exit_code == 1 and "unknown IANA time zone" in bad_tz.output
    csv_out = CliRunner().invoke(cli, ["bookings", "list", "--facility", str(lab.fid), "--csv",
                                       "--db", db])  # fmt: skip
    assert csv_out.exit_code == 0 and "Trotec Speedy 400" in csv_out.output
    cancelled = run("bookings", "cancel", str(b["id"]), "--as", "ann@example.org", "--db", db,
                    "--json")  # fmt: skip
    assert cancelled["status"] == "cancelled"
    feed = CliRunner().invoke(cli, ["bookings", "facility-feed", str(lab.fid), "--db", db])
    assert feed.output.startswith("BEGIN:VCALENDAR")


def test_pages_book_taken_mine_cancel_week_view(lab) -> None:
    rid, tue = lab.laser["id"], lab.tuesday
    ann, bob = client_of(lab, "ann"), client_of(lab, "bob")
    page = ann.get(f"/resources/{rid}", params={"week": str(tue)})
    assert page.status_code == 200 and 'id="week-table"' in page.text
    form = {"day": str(tue), "start": "14:00", "end": "16:00",
            "csrf_token": csrf_from(ann, f"/resources/{rid}")}  # fmt: skip
    done = ann.post(f"/resources/{rid}/book", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/bookings/mine?booked=")
    week = ann.get(f"/resources/{rid}", params={"week": str(tue)}).text
    assert week.count('class="taken"') == 4

    taken = bob.post(f"/resources/{rid}/book", data={**form, "start": "15:00", "end": "16:00",
                     "csrf_token": csrf_from(bob, f"/resources/{rid}")})  # fmt: skip
    assert taken.status_code == 409 and 'id="booking-conflict"' in taken.text
    assert f"{tue} 16:00–17:00 (Europe/Paris)" in taken.text  # the next free slot, one click
    taken_fr = bob.post(f"/resources/{rid}/book?lang=fr", data={**form, "start": "15:00",
                        "end": "16:00", "csrf_token": csrf_from(bob, f"/resources/{rid}")})
    assert f"Ce créneau est pris : {tue} 14:00–16:00 (Europe/Paris)" in taken_fr.text
    assert "is taken from" not in taken_fr.text
    bob.post(f"/resources/{rid}/book", data={**form, "start": "16:00", "end": "17:00",
             "csrf_token": csrf_from(bob, f"/resources/{rid}")})  # fmt: skip

    boss = client_of(lab, "boss")
    view = boss.get(f"/manage/facilities/{lab.fid}/bookings", params={"day": str(tue)})
    assert "ann@example.org" in view.text and "bob@example.org" in view.text
    assert client_of(lab, "carl").get(f"/manage/facilities/{lab.fid}/bookings").status_code == 403

    mine = ann.get("/bookings/mine")
    (bid,) = re.findall(r'id="booking-(\d+)"', mine.text)
    feed = ann.post("/bookings/feed", data={"csrf_token": csrf_from(ann, "/bookings/mine")})
    url = re.search(r'id="feed-url" readonly size="80" value="([^"]+)"', feed.text).group(1)
    assert "/api/bookings/feed/cal_" in url
    out = ann.post(f"/bookings/{bid}/cancel", data={"csrf_token": csrf_from(ann, "/bookings/mine")},
                   follow_redirects=False)  # fmt: skip
    assert out.status_code == 303
    assert "cancelled" in ann.get("/bookings/mine").text

    fr = ann.get(f"/resources/{rid}", params={"lang": "fr"})
    assert "Heures affichées en Europe/Paris" in fr.text and "Réserver ce créneau" in fr.text


def test_pages_escape_record_text(lab) -> None:
    carl = client_of(lab, "carl")
    data = {
        "name": "<script>alert(1)</script>",
        "pickup_place": "<b>Lyon</b>",
        "time_zone": "Europe/Paris",
        "csrf_token": csrf_from(carl, "/resources"),
    }
    made = carl.post("/resources/lend", data=data, follow_redirects=False)
    assert made.status_code == 303
    page = carl.get(made.headers["location"]).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>Lyon</b>" not in carl.get("/resources").text


def test_pages_manager_schedules_a_session_and_records_training(lab) -> None:
    boss = client_of(lab, "boss")
    page = f"/manage/facilities/{lab.fid}/bookings"
    tid = lab.training["id"]
    form = {
        "day": "2099-01-06",
        "start": "09:00",
        "end": "11:00",
        "capacity": "6",
        "time_zone": "Europe/Paris",
        "back": page,
        "csrf_token": csrf_from(boss, page),
    }
    done = boss.post(f"/trainings/{tid}/sessions", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == page
    assert "2099-01-06 08:00 UTC — 6 places left" in boss.get(page).text  # 09:00 in Paris
    bad = boss.post(f"/trainings/{tid}/sessions", data={**form, "capacity": "0"})
    assert bad.status_code == 422 and "capacity" in bad.text
    trained = boss.post(f"/trainings/{tid}/records", data={
        "member": "carl@example.org", "back": page, "csrf_token": csrf_from(boss, page)},
        follow_redirects=False)  # fmt: skip
    assert trained.status_code == 303
    carl = client_of(lab, "carl")
    rid, tue = lab.laser["id"], lab.tuesday
    b = carl.post(f"/resources/{rid}/book", data={"day": str(tue), "start": "10:00",
                  "end": "11:00", "csrf_token": csrf_from(carl, f"/resources/{rid}")},
                  follow_redirects=False)  # fmt: skip
    assert b.status_code == 303
