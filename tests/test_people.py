"""People core on SQLite and PostgreSQL: accounts, roles, tokens, the audit trail, who is
acting on the API (tokens, the bootstrap token, sessions), the limit on wrong tokens, mail."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text

from _people import csrf_from, make_user, sign_in
from refaire.app import create_app
from refaire.ingest.runner import import_sources
from refaire.people import OPERATOR, cli_actor
from refaire.people._common import NotAllowed, PeopleError
from refaire.people.audit import list_entries
from refaire.people.auth import actor_for_user, limits_of
from refaire.people.profile import delete_account
from refaire.people.roles import (
    add_manager,
    facilities_managed_by,
    managers_of,
    manages_facility,
    remove_manager,
)
from refaire.people.tokens import create_token, list_tokens, revoke_token
from refaire.people.users import create_user, find_user, list_users, set_admin
from refaire.store.tables import facilities

PRICING = {"hourly-rate": {"fdm": 4}, "material-price-per-g": {"pla": 0.05}, "currency": "EUR"}


@pytest.fixture
def world(any_store, fixtures):
    """Two real facilities, an admin, a manager of the first, and a plain member."""
    import_sources(
        any_store,
        [
            str(fixtures / "facilities" / "okw-atelier-fr.yml"),
            str(fixtures / "facilities" / "fablabs-iopa-sample.json"),
        ],
    )
    with any_store.engine.connect() as conn:
        lab, other = conn.execute(
            select(facilities.c.id).order_by(facilities.c.id).limit(2)
        ).scalars()
    admin = make_user(any_store, "Admin@Example.org", admin=True)
    manager = make_user(any_store, "manager@example.org")
    member = make_user(any_store, "member@example.org")
    add_manager(any_store, lab, manager["id"], by=OPERATOR)
    return {"store": any_store, "lab": lab, "other": other, "admin": admin,
            "manager": manager, "member": member}  # fmt: skip


def test_accounts_are_unique_lowercased_and_need_strong_passwords(any_store) -> None:
    user = create_user(any_store, " Ana@Example.ORG ", "Lyon-fablab-2026", by=OPERATOR)
    assert user["email"] == "ana@example.org" and not user["verified"] and user["has_password"]
    assert "password_hash" not in user
    with pytest.raises(PeopleError) as taken:
        create_user(any_store, "ana@example.org", "another-Good-pass-42", by=OPERATOR)
    assert taken.value.problems == [("email", "people.error.email_taken")]
    for weak, key in [
        ("short1", "people.error.password_short"),
        ("password123", "people.error.password_common"),
        ("aaaaaaaaaaaa", "people.error.password_weak"),
    ]:
        with pytest.raises(PeopleError) as bad:
            create_user(any_store, "bob@example.org", weak, by=OPERATOR)
        assert bad.value.problems == [("password", key)]
    with pytest.raises(PeopleError):
        create_user(any_store, "not-an-address", None, by=OPERATOR)
    assert list_users(any_store)["total"] == 1  # nothing half-written by the refusals
    member = actor_for_user(any_store, user, via="session")
    with pytest.raises(NotAllowed):
        create_user(any_store, "eve@example.org", None, by=member, is_admin=True)


def test_promote_demote_and_the_audit_trail(any_store) -> None:
    ana = make_user(any_store, "ana@example.org")
    assert set_admin(any_store, "ANA@example.org", True, by=OPERATOR)["is_admin"]
    ana_actor = actor_for_user(any_store, find_user(any_store, ana["id"]), via="session")
    with pytest.raises(PeopleError):  # the only admin cannot demote themself
        set_admin(any_store, ana["id"], False, by=ana_actor)
    assert not set_admin(any_store, ana["id"], False, by=OPERATOR)["is_admin"]
    with pytest.raises(NotAllowed):
        set_admin(any_store, ana["id"], True, by=actor_for_user(any_store, ana, via="session"))
    entries = list_entries(any_store, target_type="user", target_id=str(ana["id"]))
    assert [e["action"] for e in entries["items"]] == ["user.demote", "user.promote", "user.create"]
    assert entries["items"][0]["before"] == {"is_admin": True}
    assert entries["items"][0]["after"] == {"is_admin": False}
    assert {e["actor"] for e in entries["items"]} == {"cli"}
    assert "ana@example.org" not in str(entries)  # nothing personal in the trail
    with pytest.raises(Exception, match="append-only"), any_store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'someone else'"))
    with pytest.raises(Exception, match="append-only"), any_store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    assert list_entries(any_store)["total"] == 3
    set_admin(any_store, ana["id"], True, by=OPERATOR)
    with pytest.raises(PeopleError):  # the only admin cannot delete their account either
        delete_account(any_store, ana["id"], None, by=OPERATOR)


def test_facility_managers(world) -> None:
    store, lab, other = world["store"], world["lab"], world["other"]
    manager = actor_for_user(store, world["manager"], via="session")
    member = actor_for_user(store, world["member"], via="session")
    assert manager.managed_facilities == frozenset({str(lab)})
    assert manages_facility(store, manager, lab) and manages_facility(store, manager, str(lab))
    assert not manages_facility(store, manager, other)
    assert not manages_facility(store, member, lab)
    assert manages_facility(store, OPERATOR, other)  # admins manage everything
    with pytest.raises(NotAllowed):
        add_manager(store, lab, world["member"]["id"], by=member)
    add_manager(store, lab, world["member"]["id"], by=manager, role="co-manager")
    co = actor_for_user(store, world["member"], via="session")
    with pytest.raises(NotAllowed):  # a co-manager cannot invite
        add_manager(store, lab, world["admin"]["id"], by=co)
    with pytest.raises(PeopleError):
        add_manager(store, lab, world["member"]["id"], by=OPERATOR)  # already manages it
    with pytest.raises(LookupError):
        add_manager(store, 999_999, world["member"]["id"], by=OPERATOR)
    got = managers_of(store, lab)
    assert [(m["email"], m["role"]) for m in got] == [
        ("manager@example.org", "manager"),
        ("member@example.org", "co-manager"),
    ]
    assert got[1]["added_by"] == f"user:{world['manager']['id']}"
    assert [f["id"] for f in facilities_managed_by(store, world["member"]["id"])] == [lab]
    remove_manager(store, lab, world["member"]["id"], by=co)  # leaving is always allowed
    assert len(managers_of(store, lab)) == 1
    actions = [e["action"] for e in list_entries(store, target_type="facility")["items"]]
    assert actions == ["facility.manager.remove", "facility.manager.add", "facility.manager.add"]


def test_tokens_scopes_and_ownership_on_the_api(world) -> None:
    store, lab, other = world["store"], world["lab"], world["other"]
    client = TestClient(create_app(store=store))
    manager = actor_for_user(store, world["manager"], via="session")
    read = create_token(store, world["manager"]["id"], "reader", ["read"], by=manager)
    write = create_token(store, world["manager"]["id"], "prices", ["write:facilities"], by=manager)
    assert read["token"].startswith("rf_") and read["token"] not in str(list_tokens(store))

    def put(fid: int, token: str):
        return client.put(
            f"/api/facilities/{fid}/pricing",
            json=PRICING,
            headers={"Authorization": f"Bearer {token}"},
        )

    assert (
        client.get("/api/designs", headers={"Authorization": f"Bearer {read['token']}"}).status_code
        == 200
    )
    r = put(lab, read["token"])
    assert r.status_code == 403 and "write:facilities" in r.json()["detail"]
    assert put(lab, write["token"]).status_code == 200
    r = put(other, write["token"])  # the scope is there, the facility is not theirs
    assert r.status_code == 403 and "manager of this facility" in r.json()["detail"]
    assert client.put(f"/api/facilities/{lab}/pricing", json=PRICING).status_code == 401
    listed = {t["name"]: t for t in list_tokens(store, world["manager"]["id"])["items"]}
    assert listed["reader"]["last_used_at"] and listed["prices"]["last_used_at"]
    member = actor_for_user(store, world["member"], via="session")
    with pytest.raises(NotAllowed):
        revoke_token(store, write["id"], by=member)
    with pytest.raises(PeopleError):  # a member cannot hold the admin scope
        create_token(store, world["member"]["id"], "x", ["admin"], by=member)
    with pytest.raises(PeopleError):
        create_token(store, world["member"]["id"], "x", ["fly"], by=member)
    revoke_token(store, write["id"], by=manager)
    assert put(lab, write["token"]).status_code == 401
    entry = list_entries(store, target_type="facility", target_id=str(lab))["items"][0]
    assert (
        entry["action"] == "facility.pricing" and entry["actor"] == f"user:{world['manager']['id']}"
    )
    assert entry["after"]["pricing"]["currency"] == "EUR"


def test_admin_routes_take_an_admin_session_token_or_the_bootstrap_token(
    world, monkeypatch
) -> None:
    store = world["store"]
    signal = {"title": "Repair café", "url": "https://example.org/rc", "published": "2024-05-02"}
    client = TestClient(create_app(store=store))
    admin = actor_for_user(store, world["admin"], via="session")
    narrow = create_token(store, world["admin"]["id"], "narrow", ["read"], by=admin)
    wide = create_token(store, world["admin"]["id"], "wide", ["admin"], by=admin)
    member_token = create_token(
        store, world["member"]["id"], "m", ["write:facilities"], by=OPERATOR
    )
    as_ = lambda t: {"Authorization": f"Bearer {t}"}  # noqa: E731
    assert client.post("/api/signals", json=signal).status_code == 401
    assert (
        client.post("/api/signals", json=signal, headers=as_(member_token["token"])).status_code
        == 403
    )
    assert client.post("/api/signals", json=signal, headers=as_(narrow["token"])).status_code == 403
    assert client.post("/api/signals", json=signal, headers=as_(wide["token"])).status_code == 201
    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", "bootstrap-secret")
    assert (
        client.post("/api/signals", json=signal, headers=as_("bootstrap-secret")).status_code == 201
    )
    r = client.post("/api/signals", json=signal, headers={"Authorization": "Basic abc"})
    assert r.status_code == 401
    # a browser session writes to the API only with the page's CSRF token in a header
    sign_in(client, store, world["admin"])
    assert client.post("/api/signals", json=signal).status_code == 403
    token = csrf_from(client)
    assert (
        client.post("/api/signals", json=signal, headers={"X-CSRF-Token": token}).status_code == 201
    )
    actors = [e["actor"] for e in list_entries(store, target_type="signal")["items"]]
    assert actors == [f"user:{world['admin']['id']}", "admin-token", f"user:{world['admin']['id']}"]


def test_wrong_tokens_are_limited_per_address_with_back_off(world) -> None:
    store = world["store"]
    app = create_app(store=store)
    clock = [1000.0]
    limits_of(app).set_clock(lambda: clock[0])
    client = TestClient(app)
    good = create_token(store, world["member"]["id"], "ok", ["read"], by=OPERATOR)["token"]
    wrong = {"Authorization": "Bearer rf_guess"}
    free = limits_of(app).token_address.free
    assert [client.get("/api/designs", headers=wrong).status_code for _ in range(free)] == [
        401
    ] * free
    r = client.get("/api/designs", headers=wrong)
    assert r.status_code == 401  # this failure starts the back-off...
    blocked = client.get("/api/designs", headers={"Authorization": f"Bearer {good}"})
    assert (
        blocked.status_code == 429 and blocked.headers["Retry-After"] == "1"
    )  # ...even for a good token
    clock[0] += 1.5
    client.get("/api/designs", headers=wrong)
    assert client.get("/api/designs", headers=wrong).headers["Retry-After"] == "2"  # doubled
    clock[0] += 2.5
    assert (
        client.get("/api/designs", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    )
    assert client.get("/api/designs").status_code == 200  # anonymous reads are never limited


def test_cli_actor(world) -> None:
    store = world["store"]
    assert cli_actor(store, None).is_admin and cli_actor(store, None).label == "cli"
    member = cli_actor(store, "MEMBER@example.org")
    assert member.user_id == world["member"]["id"] and not member.is_admin
    assert member.via == "cli" and member.scopes is None
    with pytest.raises(LookupError):
        cli_actor(store, "nobody@example.org")


def test_control_characters_and_odd_ids_get_answers_not_errors(world) -> None:
    store = world["store"]
    client = TestClient(create_app(store=store))
    login = {"email": "member@example.org\x00", "password": "x" * 12}
    assert client.post("/api/auth/login", json=login).status_code == 401
    bad = {"email": "a\x00b@example.org", "password": "Lyon-fablab-2026"}
    assert client.post("/api/auth/signup", json=bad).status_code == 422
    for ident in ("²", "99999999999999999999", "x%00y"):
        r = client.get(f"/api/facilities/{ident}/managers")
        # no such facility (404), or a NUL refused (400): an answer, never a 500
        assert r.status_code in (400, 404) and r.json()["detail"]
    bootstrap = {"Authorization": "Bearer boot"}
    import os

    os.environ["REFAIRE_ADMIN_TOKEN"] = "boot"
    try:
        r = client.get(
            "/api/audit", params={"target": "user:\x00", "actor": "x\x00"}, headers=bootstrap
        )
        assert r.status_code == 400 and r.json()["errors"]  # NUL in a query: named, not a 500
    finally:
        del os.environ["REFAIRE_ADMIN_TOKEN"]
    member = actor_for_user(store, world["member"], via="session")
    made = create_token(store, world["member"]["id"], "a\x00b", ["read"], by=member)
    assert made["name"] == "ab"


def test_a_reset_link_confirms_the_address_and_expired_links_are_refused(
    any_store, tmp_path, monkeypatch
) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from refaire.people import signup
    from refaire.people.mail import list_outbox
    from refaire.store.tables import user_links

    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    user = signup.sign_up(any_store, "lea@example.org", "Lyon-fablab-2026", base="http://x.test")
    assert not user["verified"] and list_outbox()["total"] == 1
    signup.request_reset(any_store, "lea@example.org", base="http://x.test", lang="fr")
    mail = list_outbox()["items"][0]
    assert mail["subject"] == "Réinitialiser votre mot de passe Refaire"
    token = mail["text"].split("token=")[1].split()[0]
    with any_store.engine.begin() as conn:  # the link's hour has passed
        past = (signup.now() - timedelta(minutes=1)).isoformat(timespec="seconds")
        conn.execute(
            update(user_links).where(user_links.c.purpose == "reset").values(expires_at=past)
        )
    with pytest.raises(PeopleError) as expired:
        signup.reset_password(any_store, token, "Another-good-one-77")
    assert expired.value.problems == [("token", "people.error.link_expired")]
    signup.request_reset(any_store, "lea@example.org", base="http://x.test", lang="en")
    token = list_outbox()["items"][0]["text"].split("token=")[1].split()[0]
    assert signup.reset_password(any_store, token, "Another-good-one-77")["verified"]
