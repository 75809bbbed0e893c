"""Sharing in the reader's language and without JSON: refusals said in French on French pages
(the API keeps its English), the rules edited as a form, and a member's training sessions on
"my bookings" (listed, given back before the start, 404 for a session one is not in)."""

from __future__ import annotations

import ast
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from _people import csrf_from, sign_in
from _sharing_scenario import build
from refaire.app import create_app
from refaire.cli import app as cli
from refaire.people import audit
from refaire.sharing import resources, trainings

SRC = Path(__file__).resolve().parents[1] / "src" / "refaire"
LOCALES = SRC / "web" / "locales"


@pytest.fixture
def lab(any_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    return build(any_store, fixtures)


def client_of(lab, name: str) -> TestClient:
    c = TestClient(create_app(store=lab.store))
    sign_in(c, lab.store, lab.users[name])
    return c


def test_every_said_key_is_in_both_catalogues() -> None:
    """A service sentence without its French (or English) text would show a bare key."""
    en = json.loads((LOCALES / "en.json").read_text(encoding="utf-8"))
    fr = json.loads((LOCALES / "fr.json").read_text(encoding="utf-8"))
    keys = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Said":
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant):
                    keys.add(first.value)
                elif isinstance(first, ast.JoinedStr):  # f"sharing.what.decide.{decision}"
                    prefix = first.values[0].value
                    assert any(k.startswith(prefix) for k in en), prefix
    assert len(keys) > 50
    assert sorted(k for k in keys if k not in en) == []
    assert sorted(k for k in keys if k not in fr) == []


def test_refusals_in_french_on_french_pages_english_in_the_api(lab) -> None:
    rid, tue = lab.laser["id"], lab.tuesday
    ann = client_of(lab, "ann")
    token = csrf_from(ann, f"/resources/{rid}")
    # Outside the opening hours (the lab opens 09:00).
    form = {"day": str(tue), "start": "06:00", "end": "07:00", "csrf_token": token}
    fr = ann.post(f"/resources/{rid}/book?lang=fr", data=form)
    assert fr.status_code == 422
    assert "est en dehors des horaires d&#39;ouverture" in fr.text
    assert "outside the opening hours" not in fr.text
    en = ann.post(f"/resources/{rid}/book?lang=en", data=form)
    assert "is outside the opening hours or availability" in en.text
    api = ann.post("/api/bookings", json={"resource_id": rid, "starts_at": f"{tue}T06:00",
                   "ends_at": f"{tue}T07:00"}, headers={"X-CSRF-Token": token})  # fmt: skip
    assert api.status_code == 422 and "outside the opening hours" in api.json()["detail"]
    # Untrained: the training's name and the sentence in French, the time where the lab is.
    carl = client_of(lab, "carl")
    refused = carl.post(f"/resources/{rid}/book?lang=fr", data={
        "day": str(tue), "start": "10:00", "end": "11:00",
        "csrf_token": csrf_from(carl, f"/resources/{rid}")})  # fmt: skip
    assert refused.status_code == 403
    assert "demande la formation « Laser safety »" in refused.text
    assert "requires the training" not in refused.text


def test_rules_are_a_form_days_hours_and_exceptions(lab) -> None:
    rid = lab.laser["id"]
    boss = client_of(lab, "boss")
    page = boss.get(f"/resources/{rid}?lang=fr")
    assert 'id="rules-windows"' in page.text and "<textarea" not in page.text
    assert "Réservation la plus courte" in page.text
    form = {"csrf_token": csrf_from(boss, f"/resources/{rid}"), "slot_minutes": "30",
            "min_minutes": "60", "max_minutes": "180", "horizon_days": "30",
            "book_before_minutes": "0", "cancel_before_minutes": "60",
            "price_per_hour": "9,5", "currency": "eur", "approval": "1",
            "w0_days": ["TU", "TH"], "w0_start": "09:00", "w0_end": "18:00",
            "w1_rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", "w1_start": "10:00", "w1_end": "13:00",
            "x0_from": "2027-01-04T09:00", "x0_to": "2027-01-05T18:00", "x0_note": "Révision"}
    saved = boss.post(f"/resources/{rid}/rules", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("saved=rules")
    rules = resources.get_resource(lab.store, rid)["rules"]
    assert [{k: v for k, v in w.items() if k != "since"} for w in rules["availability"]] == [
        {"rrule": "FREQ=WEEKLY;BYDAY=TU,TH", "start": "09:00", "end": "18:00"},
        {"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", "start": "10:00", "end": "13:00"}]
    assert rules["exceptions"] == [
        {"from": "2027-01-04T09:00", "to": "2027-01-05T18:00", "note": "Révision"}]
    assert (rules["min_minutes"], rules["price_per_hour"], rules["currency"]) == (60, 9.5, "EUR")
    assert rules["approval"] is True
    # The page shows the stored rows back: ticked days, the advanced rule, the exception.
    shown = boss.get(f"/resources/{rid}?saved=rules").text
    assert 'id="rules-saved"' in shown
    assert re.search(r'name="w0_days" value="TU"[^>]*checked', shown)
    assert not re.search(r'name="w0_days" value="MO"[^>]*checked', shown)
    assert 'value="FREQ=WEEKLY;INTERVAL=2;BYDAY=SA"' in shown
    # A wrong value: 422, the field named, the sentence in French, nothing stored, the typed
    # values kept in the form.
    bad = boss.post(f"/resources/{rid}/rules?lang=fr", data={
        **form, "min_minutes": "deux", "w0_end": "08:00"})  # fmt: skip
    assert bad.status_code == 422 and 'id="rules-errors"' in bad.text
    assert "un nombre entier entre 5 et 44640 est attendu" in bad.text
    assert "availability[0]" in bad.text and 'value="deux"' in bad.text
    assert resources.get_resource(lab.store, rid)["rules"] == rules
    # Not a manager: refused, nothing changed.
    ann = client_of(lab, "ann")
    assert ann.post(f"/resources/{rid}/rules", data={
        **form, "csrf_token": csrf_from(ann, f"/resources/{rid}"),
        "min_minutes": "30"}).status_code == 403  # fmt: skip
    assert resources.get_resource(lab.store, rid)["rules"] == rules


def test_training_sessions_in_my_bookings(lab, tmp_path) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    session = trainings.add_session(lab.store, lab.manager, lab.training["id"], start,
                                    start + timedelta(hours=2), 4)  # fmt: skip
    trainings.sign_up(lab.store, lab.carl, session["id"])
    carl = client_of(lab, "carl")
    mine = carl.get("/bookings/mine?lang=fr")
    assert f'id="signup-{session["id"]}"' in mine.text and "Laser safety" in mine.text
    assert "Rendre ma place" in mine.text and "Mes formations" in mine.text
    api = carl.get("/api/training-signups").json()
    (s,) = api["sessions"]
    assert s["session_id"] == session["id"] and s["time_zone"] == "Europe/Paris"
    paris = start.astimezone(ZoneInfo("Europe/Paris"))
    assert s["local_start"] == paris.isoformat(timespec="minutes")
    # Ann holds the training: it shows under the trainings she holds.
    ann = client_of(lab, "ann")
    assert ann.get("/api/training-signups").json()["records"][0]["training"] == "Laser safety"
    # Someone not signed up cannot give a place back (404: who is signed up does not leak).
    gone = ann.delete(f"/api/training-sessions/{session['id']}/signups",
                      headers={"X-CSRF-Token": csrf_from(ann, "/resources")})  # fmt: skip
    assert gone.status_code == 404
    back = carl.post(f"/training-sessions/{session['id']}/cancel-signup",
                     data={"csrf_token": csrf_from(carl, "/bookings/mine")},
                     follow_redirects=False)  # fmt: skip
    assert back.status_code == 303 and back.headers["location"] == "/bookings/mine?signup=cancelled"
    assert carl.get("/api/training-signups").json()["sessions"] == []
    assert any(e["action"] == "training.signup.cancel"
               for e in audit.list_entries(lab.store, limit=50)["items"])  # fmt: skip
    # A started session keeps its places: 409.
    past = trainings.add_session(lab.store, lab.manager, lab.training["id"],
                                 datetime.now(UTC) + timedelta(seconds=1),
                                 datetime.now(UTC) + timedelta(hours=1), 4)  # fmt: skip
    trainings.sign_up(lab.store, lab.carl, past["id"])
    time.sleep(1.1)
    late = carl.delete(f"/api/training-sessions/{past['id']}/signups",
                       headers={"X-CSRF-Token": csrf_from(carl, "/resources")})  # fmt: skip
    assert late.status_code == 409 and "has started" in late.json()["detail"]
    # The CLI says the same.
    db = lab.store.url
    out = CliRunner().invoke(cli, ["bookings", "trainings", "--as", "carl@example.org",
                                   "--db", db, "--json"])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert [x["session_id"] for x in json.loads(out.output)["sessions"]] == [past["id"]]
