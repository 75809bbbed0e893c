"""Facility management services on SQLite and PostgreSQL: claims, manager-stated edits that a
re-import keeps, probable capabilities confirmed or removed, suggestions, co-managers.

The facilities are the four real fablabs.io labs around Lyon (tests/fixtures/facilities/
fablabs-iopa-lyon.json); their website is a fablabs.io page, which proves nothing about who
runs them, so a mail claim needs the lab's own website first.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from sqlalchemy import select

from refaire.ingest.runner import import_sources
from refaire.manage import claims, editing, suggestions
from refaire.manage.access import ManageError, NotAllowed
from refaire.manage.panel import management
from refaire.model import Capability
from refaire.people import cli_actor
from refaire.people.actor import ANONYMOUS, Actor
from refaire.people.audit import list_entries
from refaire.people.auth import actor_for_user
from refaire.people.mail import list_outbox
from refaire.people.roles import manages_facility
from refaire.people.users import create_user
from refaire.registry.facilities import facility_detail
from refaire.store.facilities import get_facility, replace_facility, save_facilities
from refaire.store.tables import facility_capabilities

LAB_KEY = "fablabs-iopa:b18990ff-18f8-4270-93d1-d91f6628fd3d"  # YOUFACTORY, Villeurbanne
PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def lyon(any_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    source = fixtures / "facilities" / "fablabs-iopa-lyon.json"
    import_sources(any_store, [str(source)])
    any_store.lab_id = get_facility(any_store, LAB_KEY)[0]
    any_store.source = source
    return any_store


def member(store, email: str) -> Actor:
    user = create_user(store, email, PASSWORD, by=cli_actor(store, None), verified=True)
    return actor_for_user(store, user, via="session")


def approved_manager(store, email: str = "alice@example.org") -> Actor:
    alice = member(store, email)
    claim = claims.claim_facility(store, alice, store.lab_id)
    claims.decide_claim(store, cli_actor(store, None), claim["id"], True)
    return alice


def test_claim_waits_for_an_admin_and_a_managed_lab_cannot_be_claimed(lyon) -> None:
    admin = cli_actor(lyon, None)
    alice, bob = member(lyon, "alice@example.org"), member(lyon, "bob@example.org")
    first = claims.claim_facility(lyon, alice, lyon.lab_id, message="I run it")
    claims.claim_facility(lyon, bob, lyon.lab_id)
    assert first["status"] == "pending" and first["name"] == "YOUFACTORY"
    with pytest.raises(ManageError, match="already have a pending claim") as again:
        claims.claim_facility(lyon, alice, lyon.lab_id)
    assert again.value.status == 409
    with pytest.raises(NotAllowed, match="only site admins"):
        claims.list_claims(lyon, alice)
    mine = claims.list_claims(lyon, alice, mine=True)
    assert [c["id"] for c in mine["items"]] == [first["id"]]
    listed = claims.list_claims(lyon, admin)
    assert listed["total"] == 2
    assert {c["user_email"] for c in listed["items"]} == {"alice@example.org", "bob@example.org"}
    with pytest.raises(NotAllowed, match="only site admins"):
        claims.decide_claim(lyon, bob, first["id"], True)
    assert not manages_facility(lyon, alice, lyon.lab_id)

    done = claims.decide_claim(lyon, admin, first["id"], True)
    assert done["status"] == "approved" and done["decided_by"] == admin.label
    assert manages_facility(lyon, alice, lyon.lab_id)
    # bob's claim came too late: approving it now would make two unrelated managers
    with pytest.raises(ManageError, match="got managers meanwhile"):
        claims.decide_claim(lyon, admin, listed["items"][0]["id"], True)
    carol = member(lyon, "carol@example.org")
    with pytest.raises(ManageError, match="already has managers.*invite") as managed:
        claims.claim_facility(lyon, carol, lyon.lab_id)
    assert managed.value.status == 409
    with pytest.raises(NotAllowed) as anonymous:
        claims.claim_facility(lyon, ANONYMOUS, lyon.lab_id)
    assert anonymous.value.status == 401
    actions = [e["action"] for e in list_entries(lyon, target_type="facility_claim")["items"]]
    assert actions.count("facility.claim") == 2 and "facility.claim.approve" in actions


def test_mail_claim_only_at_the_labs_own_domain(lyon) -> None:
    alice = member(lyon, "alice@example.org")
    # the record's website is its fablabs.io page: no address there proves anything
    with pytest.raises(ManageError, match="no website of its own"):
        claims.claim_facility(lyon, alice, lyon.lab_id, method="mail", email="contact")
    editing.edit_facility(
        lyon, cli_actor(lyon, None), lyon.lab_id, {"url": "https://www.youfactory.co/"}
    )
    with pytest.raises(ManageError, match="youfactory.co"):
        claims.claim_facility(
            lyon, alice, lyon.lab_id, method="mail", email="me@youfactory.co.evil.example"
        )
    claim = claims.claim_facility(
        lyon, alice, lyon.lab_id, method="mail", email="Contact", base_url="http://lab.test"
    )
    assert claim["email"] == "contact@youfactory.co" and "token_hash" not in claim
    (mail,) = list_outbox()["items"]
    assert mail["to"] == "contact@youfactory.co" and "YOUFACTORY" in mail["subject"]
    token = re.search(r"http://lab\.test/manage/claims/confirm\?token=(\S+)", mail["text"])[1]
    with pytest.raises(ManageError, match="unknown or was already used"):
        claims.confirm_by_mail(lyon, token[:-1] + ("A" if token[-1] != "A" else "B"))
    assert not manages_facility(lyon, alice, lyon.lab_id)
    done = claims.confirm_by_mail(lyon, token)
    assert done["status"] == "approved" and manages_facility(lyon, alice, lyon.lab_id)
    with pytest.raises(ManageError, match="already used"):
        claims.confirm_by_mail(lyon, token)


def test_manager_statements_win_and_survive_a_reimport(lyon, tmp_path) -> None:
    alice = approved_manager(lyon)
    hours = {"time_zone": "Europe/Paris", "weekly": {"tue": [["14:00", "20:00"]]}}
    pricing = {"hourly_rate": {"fdm": 4.5}, "material_price_per_g": 0.08, "currency": "EUR"}
    d = editing.edit_facility(
        lyon, alice, lyon.lab_id,
        {"description": "Fab lab of the Carré de Soie", "url": "https://www.youfactory.co",
         "access_type": "public", "hours": hours, "pricing": pricing},
    )  # fmt: skip
    assert d["changed"] == ["access_type", "description", "hours", "pricing", "url"]
    editing.add_machine(
        lyon, alice, lyon.lab_id,
        {"make": "Ultimaker", "model": "S5", "process": "fdm", "materials": ["pla", "abs"],
         "build_volume_mm": [330, 240, 300], "catalogue": "Ultimaker S5"},
    )  # fmt: skip
    # the same values again change nothing and add no history
    again = editing.edit_facility(lyon, alice, lyon.lab_id, {"description": d["description"]})
    assert again["changed"] == []

    def check_kept() -> dict:
        f = facility_detail(lyon, lyon.lab_id)
        assert f["url"] == "https://www.youfactory.co"
        assert f["description"] == "Fab lab of the Carré de Soie"
        assert f["pricing"]["hourly_rate"] == {"fdm": 4.5}
        assert [e["model"] for e in f["equipment"]] == ["S5"]
        (url_source,) = f["provenance"]["fields"]["url"]
        assert url_source["format"] == "manager"
        assert url_source["source"].startswith(f"manager:{alice.label}@")
        return f

    check_kept()
    m = management(lyon, alice, lyon.lab_id)
    assert m["imported"]["url"]["value"] == "https://www.fablabs.io/labs/youfactory"
    assert m["imported"]["url"]["sources"][0]["format"] == "fablabs-iopa"

    # the public source changes its website and is imported again
    rows = json.loads(lyon.source.read_text(encoding="utf-8"))
    for row in rows:
        if row["facility"]["name"] == "YOUFACTORY":
            row["facility"]["url"] = "https://www.fablabs.io/labs/youfactory-new"
    changed = tmp_path / "fablabs-iopa-lyon.json"
    changed.write_text(json.dumps(rows), encoding="utf-8")
    import_sources(lyon, [str(changed)])
    f = check_kept()
    m = management(lyon, alice, lyon.lab_id)
    assert m["imported"]["url"]["value"] == "https://www.fablabs.io/labs/youfactory-new"
    assert m["stated_by_manager"]["url"]["by"] == alice.label
    # what the source alone gives is still the source's
    assert f["provenance"]["fields"]["latitude"][0]["format"] == "fablabs-iopa"
    with lyon.engine.connect() as conn:
        caps = conn.execute(
            select(facility_capabilities.c.value, facility_capabilities.c.origin).where(
                facility_capabilities.c.facility_id == lyon.lab_id
            )
        ).all()
    assert ("fdm", "stated") in caps
    history = list_entries(lyon, target_type="facility", target_id=str(lyon.lab_id))["items"]
    actions = [e["action"] for e in history]
    assert actions[:2] == ["facility.machine.add", "facility.edit"]
    edit = history[1]
    assert edit["actor"] == alice.label and edit["after"]["access_type"] == "public"
    assert edit["before"]["url"] == "https://www.fablabs.io/labs/youfactory"


def test_only_managers_and_admins_change_a_lab(lyon) -> None:
    alice = approved_manager(lyon)
    bob = member(lyon, "bob@example.org")
    with pytest.raises(NotAllowed, match="only the managers of YOUFACTORY") as refused:
        editing.edit_facility(lyon, bob, lyon.lab_id, {"description": "mine now"})
    assert refused.value.status == 403
    with pytest.raises(NotAllowed) as anonymous:
        editing.add_machine(lyon, ANONYMOUS, lyon.lab_id, {"process": "fdm", "model": "X"})
    assert anonymous.value.status == 401
    alice_token = replace(alice, via="token", scopes=frozenset({"read"}))
    with pytest.raises(NotAllowed, match="write:facilities"):
        editing.edit_facility(lyon, alice_token, lyon.lab_id, {"description": "x"})
    assert facility_detail(lyon, lyon.lab_id)["description"] is None
    # invalid input: every field named, nothing written
    with pytest.raises(ManageError) as bad:
        editing.edit_facility(
            lyon, cli_actor(lyon, None), lyon.lab_id,
            {"url": "javascript:alert(1)", "access_type": "sometimes", "email": "no",
             "pricing": {"hourly_rate": -3}, "colour": "red"},
        )  # fmt: skip
    assert {f for f, _ in bad.value.problems} >= {"url", "access_type", "email", "colour"}
    assert any(f.startswith("pricing") for f, _ in bad.value.problems)
    assert facility_detail(lyon, lyon.lab_id)["url"] == "https://www.fablabs.io/labs/youfactory"


def test_probable_capabilities_are_confirmed_or_removed_for_good(lyon) -> None:
    alice = approved_manager(lyon)
    fid, f = get_facility(lyon, lyon.lab_id)
    # the Fab Charter inventory as the import marks it (origin "probable")
    f.processes = [
        Capability("laser-cutting", "probable", "fab-charter-inventory", 0.7),
        Capability("vinyl-cutting", "probable", "fab-charter-inventory", 0.7),
    ]
    with lyon.engine.begin() as conn:
        replace_facility(conn, fid, f)
    editing.set_capability(lyon, alice, fid, "process", "laser-cutting", True)
    d = editing.set_capability(lyon, alice, fid, "process", "vinyl-cutting", False)
    assert [(c["id"], c["origin"]) for c in d["capabilities"]["stated"]] == [
        ("laser-cutting", "stated")
    ]
    assert d["capabilities"]["inferred"] == []
    # a re-import that says "vinyl cutting, probably" again does not bring it back
    incoming = get_facility(lyon, fid)[1]
    incoming.sources = [s for s in incoming.sources if s.format != "manager"]
    incoming.processes.append(Capability("vinyl-cutting", "probable", "fab-charter-inventory"))
    save_facilities(lyon, [incoming])
    ids = [c["id"] for c in facility_detail(lyon, fid)["summary"]["processes"]]
    assert "vinyl-cutting" not in ids and "laser-cutting" in ids
    with pytest.raises(ManageError, match="unknown process"):
        editing.set_capability(lyon, alice, fid, "process", "teleportation", True)


def test_suggestions_go_to_the_managers_or_the_admins(lyon) -> None:
    admin = cli_actor(lyon, None)
    alice = approved_manager(lyon)
    bob = member(lyon, "bob@example.org")
    s = suggestions.suggest_change(
        lyon, bob, lyon.lab_id, {"email": "hello@youfactory.co"}, note="on their door"
    )
    assert s["status"] == "pending"
    with pytest.raises(ManageError, match="email"):
        suggestions.suggest_change(lyon, bob, lyon.lab_id, {"email": "not an address"})
    with pytest.raises(NotAllowed):
        suggestions.list_suggestions(lyon, bob, lyon.lab_id)
    with pytest.raises(NotAllowed):
        suggestions.decide_suggestion(lyon, bob, s["id"], True)
    assert [x["id"] for x in suggestions.list_suggestions(lyon, alice, lyon.lab_id)["items"]] == [
        s["id"]
    ]
    done = suggestions.decide_suggestion(lyon, alice, s["id"], True)
    assert done["status"] == "accepted"
    f = facility_detail(lyon, lyon.lab_id)
    assert f["email"] == "hello@youfactory.co"
    assert f["provenance"]["fields"]["email"][0]["source"].startswith(f"manager:{alice.label}")
    with pytest.raises(ManageError, match="already accepted"):
        suggestions.decide_suggestion(lyon, alice, s["id"], False)
    # a lab nobody manages: the admins decide
    other = get_facility(lyon, "fablabs-iopa:83827e35-ec44-4c97-b27a-30c061d2a349")[0]
    s2 = suggestions.suggest_change(lyon, bob, other, {"access_type": "members"})
    with pytest.raises(NotAllowed):
        suggestions.decide_suggestion(lyon, alice, s2["id"], True)
    assert suggestions.decide_suggestion(lyon, admin, s2["id"], False)["status"] == "rejected"
    assert facility_detail(lyon, other)["access_type"] is None


def test_managers_invite_co_managers(lyon) -> None:
    alice = approved_manager(lyon)
    bob = member(lyon, "bob@example.org")
    with pytest.raises(ManageError, match="ask them to sign up"):
        claims.invite_manager(lyon, alice, lyon.lab_id, "nobody@example.org")
    managers = claims.invite_manager(lyon, alice, lyon.lab_id, "BOB@example.org")
    assert [(m["email"], m["role"]) for m in managers] == [
        ("alice@example.org", "manager"), ("bob@example.org", "co-manager"),
    ]  # fmt: skip
    assert manages_facility(lyon, bob, lyon.lab_id)
    editing.edit_facility(lyon, bob, lyon.lab_id, {"phone": "+33 4 00 00 00 00"})
    with pytest.raises(ManageError, match="already manages"):
        claims.invite_manager(lyon, alice, lyon.lab_id, "bob@example.org")


def test_control_characters_never_reach_the_database(lyon) -> None:
    """PostgreSQL refuses NUL in text: notes and machine names are cleaned, addresses refused."""
    alice = approved_manager(lyon)
    bob = member(lyon, "bob@example.org")
    s = suggestions.suggest_change(
        lyon, bob, lyon.lab_id, {"description": "Fab\x00 lab"}, note="see\x00 the door\x07"
    )
    assert s["note"] == "see the door" and s["changes"]["description"] == "Fab lab"
    d = editing.add_machine(
        lyon, alice, lyon.lab_id, {"make": "Ultimaker\x00", "model": "S5\x1b", "process": "fdm"}
    )
    assert [(e["make"], e["model"]) for e in d["equipment"]] == [("Ultimaker", "S5")]
    other = get_facility(lyon, "fablabs-iopa:83827e35-ec44-4c97-b27a-30c061d2a349")[0]
    claim = claims.claim_facility(lyon, bob, other, message="I\x00 run it")
    assert claim["message"] == "I run it"
    editing.edit_facility(lyon, cli_actor(lyon, None), other, {"url": "https://astech.example"})
    with pytest.raises(ManageError, match="expected an address"):
        claims.claim_facility(lyon, alice, other, method="mail", email="a\x00b")
