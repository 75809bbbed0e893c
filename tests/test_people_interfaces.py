"""People through the web pages, the JSON API and the CLI: sign-up verified by a mail that a
real SMTP server receives, log-in limits, profile, tokens, export, reset, deletion, admin pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from _people import csrf_from, make_user, sign_in
from refaire.app import create_app
from refaire.cli import app as cli
from refaire.people.audit import list_entries
from refaire.people.auth import limits_of
from refaire.people.mail import read_message

runner = CliRunner()
PASSWORD = "Lyon-fablab-2026"
LINK = re.compile(r"(https?://\S+)")


def link_in(raw: bytes, path: str) -> str:
    """The link to `path` in a received message, as a path with its query."""
    found = [u for u in LINK.findall(read_message(raw)["text"]) if path + "?" in u]
    assert found, read_message(raw)["text"]
    return found[0][found[0].index(path) :]


@pytest.fixture
def mailer(smtp_server, monkeypatch):
    url, received = smtp_server
    monkeypatch.setenv("REFAIRE_SMTP_URL", url)
    return received


def test_web_signup_verify_login_profile_token_export_reset_delete(any_store, mailer) -> None:
    client = TestClient(create_app(store=any_store))
    form = {"email": "Ana@Example.org", "password": "password123", "display_name": "Ana"}
    r = client.post("/signup", data={**form, "csrf_token": csrf_from(client, "/signup")})
    assert r.status_code == 422 and "most common" in r.text and not mailer
    r = client.post(
        "/signup", data={**form, "password": PASSWORD, "csrf_token": csrf_from(client, "/signup")}
    )
    assert r.status_code == 201 and "ana@example.org" in r.text
    r = client.post(
        "/signup", data={**form, "password": PASSWORD, "csrf_token": csrf_from(client, "/signup")}
    )
    assert r.status_code == 409  # the same address again
    verify = link_in(mailer[0], "/verify")
    login = {"email": "ana@example.org", "password": PASSWORD}
    r = client.post("/login", data={**login, "csrf_token": csrf_from(client, "/login")})
    assert r.status_code == 403 and "Verify your e-mail" in r.text  # not verified yet
    page = client.get(verify)  # following the link shows a button; the click spends it
    assert page.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)
    r = client.post("/verify", data={"token": token, "csrf_token": csrf_from(client, verify)})
    assert r.status_code == 200 and "confirmed" in r.text
    r = client.post("/verify", data={"token": token, "csrf_token": csrf_from(client, verify)})
    assert r.status_code == 400 and "already used" in r.text
    r = client.post(
        "/login",
        data={**login, "next": "https://evil.example/", "csrf_token": csrf_from(client, "/login")},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/account"  # no open redirect
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    account = client.get("/account")
    assert account.status_code == 200 and "ana@example.org" in account.text
    assert 'href="/account"' in account.text and ">Ana<" in account.text  # header shows the name
    csrf = csrf_from(client, "/account")
    profile = {"display_name": "Ana L.", "languages": "fr, en", "town": "Atlantis", "country": "FR"}
    r = client.post("/account", data={**profile, "csrf_token": csrf})
    assert r.status_code == 422 and "Unknown town" in r.text
    r = client.post(
        "/account", data={**profile, "town": "lyon", "public": "on", "csrf_token": csrf}
    )
    assert r.status_code == 200 and 'value="Lyon"' in r.text and "45.7" in r.text
    r = client.post(
        "/account/tokens", data={"name": "script", "scopes": ["read"], "csrf_token": csrf}
    )
    assert r.status_code == 201
    secret = re.search(r"<code>(rf_[^<]+)</code>", r.text).group(1)
    me = client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert me["town"] == "Lyon" and me["languages"] == ["fr", "en"] and me["public"]
    exported = client.get("/account/export").json()
    assert exported["account"]["email"] == "ana@example.org"
    assert exported["tokens"][0]["name"] == "script" and secret not in json.dumps(exported)
    assert {e["action"] for e in exported["audit"]} >= {
        "user.create",
        "user.verify",
        "token.create",
    }
    # a reset by mail ends every session, this browser's too
    r = client.post(
        "/reset", data={"email": "ANA@example.org", "csrf_token": csrf_from(client, "/reset")}
    )
    assert r.status_code == 202
    r = client.post(
        "/reset", data={"email": "nobody@example.org", "csrf_token": csrf_from(client, "/reset")}
    )
    assert r.status_code == 202 and len(mailer) == 2  # same answer, no mail
    reset = link_in(mailer[1], "/reset/confirm")
    reset_token = reset.split("token=")[1]
    new_password = "Saint-Etienne-atelier-9"
    r = client.post(
        "/reset/confirm",
        data={"token": reset_token, "password": "short", "csrf_token": csrf_from(client, reset)},
    )
    assert r.status_code == 422 and "at least 10" in r.text
    r = client.post(
        "/reset/confirm",
        data={
            "token": reset_token,
            "password": new_password,
            "csrf_token": csrf_from(client, reset),
        },
    )
    assert r.status_code == 200 and "password is changed" in r.text
    client.cookies.clear()
    assert client.get("/account", follow_redirects=False).status_code == 303  # session ended
    r = client.post("/login", data={**login, "csrf_token": csrf_from(client, "/login")})
    assert r.status_code == 401 and "Wrong e-mail or password" in r.text  # old password
    r = client.post(
        "/login",
        data={**login, "password": new_password, "csrf_token": csrf_from(client, "/login")},
    )
    assert r.status_code == 200 and "My account" in r.text
    csrf = csrf_from(client, "/account")
    r = client.post("/account/delete", data={"password": "wrong", "csrf_token": csrf})
    assert r.status_code == 422
    r = client.post(
        "/account/delete",
        data={"password": new_password, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert client.get("/api/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    trail = list_entries(any_store, target_type="user")["items"]
    assert trail[0]["action"] == "user.delete" and "ana" not in json.dumps(trail).lower()
    r = client.post(
        "/signup", data={**form, "password": PASSWORD, "csrf_token": csrf_from(client, "/signup")}
    )
    assert r.status_code == 201  # the address is free again


def test_login_limits_per_account_and_address_never_tell_if_the_email_exists(sqlite_store) -> None:
    make_user(sqlite_store, "ana@example.org", password=PASSWORD)
    app = create_app(store=sqlite_store)
    clock = [0.0]
    limits_of(app).set_clock(lambda: clock[0])
    api = TestClient(app)

    def attempt(email: str, password: str = "wrong-password-1") -> tuple[int, str, str | None]:
        r = api.post("/api/auth/login", json={"email": email, "password": password})
        return r.status_code, r.json().get("detail", ""), r.headers.get("retry-after")

    free = limits_of(app).login_account.free
    real = [attempt("ana@example.org") for _ in range(free)]
    ghost = [attempt("ghost@example.org") for _ in range(free)]
    assert real == ghost == [(401, "Wrong e-mail or password.", None)] * free
    assert attempt("ana@example.org")[0] == 401  # this one starts the back-off
    attempt("ghost@example.org")
    real, ghost = attempt("ana@example.org", PASSWORD), attempt("ghost@example.org", PASSWORD)
    assert real[0] == ghost[0] == 429 and real[2] == ghost[2] == "1"  # even the right password
    clock[0] += 2
    assert attempt("ana@example.org", PASSWORD)[0] == 200
    api.cookies.clear()
    # per address: many e-mails from one address hit the address limit
    clock[0] += 10_000
    per_address = limits_of(app).login_address.free
    codes = [attempt(f"user{i}@example.org")[0] for i in range(per_address + 1)]
    assert codes[-1] == 401 and attempt("ana@example.org", PASSWORD)[0] == 429
    # reset mails: every request counts, so one address cannot flood an inbox
    free = limits_of(app).mail_address.free
    asked = [
        api.post("/api/auth/reset-request", json={"email": "ana@example.org"})
        for _ in range(free + 2)
    ]
    assert [r.status_code for r in asked] == [202] * (free + 1) + [429]
    assert asked[-1].headers["retry-after"] == "60"


def test_api_account_flow(any_store, mailer) -> None:
    api = TestClient(create_app(store=any_store))
    r = api.post("/api/auth/signup", json={"email": "bob@example.org", "password": "aaaaaaaaaaaa"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "password"
    r = api.post("/api/auth/signup", json={"email": "bob@example.org", "password": PASSWORD})
    assert r.status_code == 201 and r.json()["verified"] is False
    assert (
        api.post(
            "/api/auth/signup", json={"email": "BOB@example.org", "password": PASSWORD}
        ).status_code
        == 409
    )
    token = link_in(mailer[0], "/verify").split("token=")[1]
    assert api.post("/api/auth/verify", json={"token": token + "x"}).status_code == 422
    assert api.post("/api/auth/verify", json={"token": token}).json()["verified"] is True
    r = api.post("/api/auth/login", json={"email": "bob@example.org", "password": PASSWORD})
    assert r.status_code == 200
    assert api.get("/api/me").json()["email"] == "bob@example.org"  # the session cookie
    assert (
        api.patch("/api/me", json={"display_name": "Bob"}).status_code == 403
    )  # needs CSRF header
    csrf = csrf_from(api, "/account")
    assert f'<meta name="csrf-token" content="{csrf}">' in api.get("/designs").text  # for scripts
    headers = {"X-CSRF-Token": csrf}
    r = api.patch("/api/me", json={"town": "Saint-Étienne", "country": "FR"}, headers=headers)
    assert r.status_code == 200 and r.json()["town"] == "Saint-Étienne" and r.json()["latitude"]
    made = api.post(
        "/api/me/tokens", json={"name": "ci", "scopes": ["read", "write:designs"]}, headers=headers
    )
    assert made.status_code == 201 and made.json()["token"].startswith("rf_")
    bearer = {"Authorization": f"Bearer {made.json()['token']}"}
    r = api.post("/api/me/tokens", json={"name": "y", "scopes": ["read"]}, headers=bearer)
    assert r.status_code == 403 and "browser session" in r.json()["detail"]  # tokens mint no tokens
    assert api.get("/api/me/tokens", headers=bearer).json()["items"][0]["scopes"] == [
        "read",
        "write:designs",
    ]
    assert (
        api.post(
            "/api/me/tokens", json={"name": "x", "scopes": ["admin"]}, headers=headers
        ).status_code
        == 422
    )
    assert api.delete(f"/api/me/tokens/{made.json()['id']}", headers=headers).json()["revoked_at"]
    assert api.get("/api/me", headers=bearer).status_code == 401
    assert (
        api.get("/api/me/export", headers=headers).json()["account"]["email"] == "bob@example.org"
    )
    assert api.post("/api/auth/logout", headers=headers).status_code == 204
    assert api.get("/api/me").status_code == 401


def test_cli_users_tokens_audit_outbox(any_store, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    db = ["--db", any_store.url]
    r = runner.invoke(cli, ["users", "add", "root@example.org", "--admin", "--password-stdin", *db, "--json"],
                      input=PASSWORD + "\n")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["is_admin"] and json.loads(r.stdout)["has_password"]
    r = runner.invoke(
        cli, ["users", "add", "weak@example.org", "--password-stdin", *db], input="123\n"
    )
    assert r.exit_code == 1 and "at least 10" in r.output
    r = runner.invoke(
        cli, ["users", "add", "mia@example.org", *db]
    )  # gets a link to set a password
    assert r.exit_code == 0 and "mailed" in r.stdout
    outbox = json.loads(runner.invoke(cli, ["mail", "outbox", "--json"]).stdout)
    assert outbox["total"] == 1 and outbox["items"][0]["to"] == "mia@example.org"
    assert "/reset/confirm?token=" in outbox["items"][0]["text"]
    listed = json.loads(runner.invoke(cli, ["users", "list", *db, "--json"]).stdout)
    assert [u["email"] for u in listed["items"]] == ["root@example.org", "mia@example.org"]
    r = runner.invoke(cli, ["users", "promote", "mia@example.org", *db, "--as", "mia@example.org"])
    assert r.exit_code == 1 and "only an admin" in r.output  # a member cannot promote themself
    assert runner.invoke(cli, ["users", "promote", "mia@example.org", *db]).exit_code == 0
    assert json.loads(
        runner.invoke(cli, ["users", "show", "MIA@example.org", *db, "--json"]).stdout
    )["is_admin"]
    assert runner.invoke(cli, ["users", "demote", "mia@example.org", *db]).exit_code == 0
    r = runner.invoke(
        cli,
        ["tokens", "create", "mia@example.org", "--name", "sync", "--scope", "read", *db, "--json"],
    )
    made = json.loads(r.stdout)
    assert made["token"].startswith("rf_")
    r = runner.invoke(
        cli, ["tokens", "create", "mia@example.org", "--name", "x", "--scope", "admin", *db]
    )
    assert r.exit_code == 1 and "admin" in r.output
    listed = json.loads(
        runner.invoke(cli, ["tokens", "list", "mia@example.org", *db, "--json"]).stdout
    )
    assert listed["items"][0]["prefix"] == made["token"][:10] and "token" not in listed["items"][0]
    assert runner.invoke(cli, ["tokens", "revoke", str(made["id"]), *db]).exit_code == 0
    mia = json.loads(runner.invoke(cli, ["users", "show", "mia@example.org", *db, "--json"]).stdout)
    trail = json.loads(
        runner.invoke(cli, ["audit", "--target", f"user:{mia['id']}", *db, "--json"]).stdout
    )
    assert [e["action"] for e in trail["items"]] == ["user.demote", "user.promote", "user.create"]
    assert runner.invoke(cli, ["audit", "--target", ":3", *db]).exit_code == 2
    text = runner.invoke(cli, ["audit", *db]).stdout
    assert "token.revoke" in text and "cli" in text


def test_admin_pages(sqlite_store) -> None:
    client = TestClient(create_app(store=sqlite_store))
    r = client.get("/admin/audit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Fadmin%2Faudit")
    member = make_user(sqlite_store, "member@example.org")
    sign_in(client, sqlite_store, member)
    assert client.get("/admin/audit").status_code == 403
    assert 'href="/admin/users"' not in client.get("/account").text
    admin = make_user(sqlite_store, "admin@example.org", admin=True)
    sign_in(client, sqlite_store, admin)
    assert 'href="/admin/users"' in client.get("/account").text
    page = client.get("/admin/users")
    assert page.status_code == 200 and "member@example.org" in page.text
    csrf = csrf_from(client, "/admin/users")
    r = client.post(
        f"/admin/users/{member['id']}/promote", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    audit = client.get(f"/admin/audit?target=user:{member['id']}")
    assert (
        audit.status_code == 200 and "user.promote" in audit.text and "1 entries" not in audit.text
    )
    assert client.get("/admin/audit?target=:x").status_code == 400
    fr = client.get("/admin/audit", headers={"Accept-Language": "fr"})
    assert "Quand (UTC)" in fr.text


def test_sessions_are_signed_and_secure_over_https(sqlite_store) -> None:
    from refaire.people.sessions import COOKIE, create_session

    user = make_user(sqlite_store, "ana@example.org", password=PASSWORD)
    client = TestClient(create_app(store=sqlite_store))
    good = create_session(sqlite_store, user["id"])
    session_id, mac = good.rsplit(".", 1)
    client.cookies.set(COOKIE, f"{session_id}.{'0' * len(mac)}")  # the right id, a forged mac
    assert client.get("/account", follow_redirects=False).status_code == 303
    client.cookies.set(COOKIE, good)
    assert client.get("/account").status_code == 200
    secure = TestClient(create_app(store=sqlite_store), base_url="https://testserver")
    token = csrf_from(secure, "/login")
    r = secure.post("/login", data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and "secure" in r.headers["set-cookie"].lower()


def test_signup_keeps_nothing_when_the_mail_cannot_be_sent(sqlite_store, monkeypatch) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    monkeypatch.setenv("REFAIRE_SMTP_URL", f"smtp://127.0.0.1:{port}")
    api = TestClient(create_app(store=sqlite_store))
    body = {"email": "ana@example.org", "password": PASSWORD}
    r = api.post("/api/auth/signup", json=body)
    assert r.status_code == 503 and "nothing was kept" in r.json()["detail"]
    monkeypatch.setenv(
        "REFAIRE_OUTBOX", str(Path(sqlite_store.url.removeprefix("sqlite:///")).parent / "outbox")
    )
    monkeypatch.delenv("REFAIRE_SMTP_URL")
    again = api.post("/api/auth/signup", json=body)
    assert again.status_code == 201 and again.json()["id"] != r.json().get("id")
    actions = [e["action"] for e in list_entries(sqlite_store, target_type="user")["items"]]
    assert actions == ["user.create", "user.create_undone", "user.create"]
    ids = [e["target_id"] for e in list_entries(sqlite_store, target_type="user")["items"]]
    assert ids[0] != ids[1]  # the new account does not take the undone one's id
