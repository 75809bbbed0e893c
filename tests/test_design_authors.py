"""Designs by their authors, through the API and the CLI on SQLite and PostgreSQL: register a
real manifest or the short form and become its maintainer; claim an imported design."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli
from refaire.ingest.runner import import_sources
from refaire.people import cli_actor
from refaire.people.tokens import create_token
from refaire.people.users import create_user
from refaire.store.designs import get_design

ADMIN_TOKEN = "bootstrap-admin-token-for-tests-0123456789"
ARM = "TheTesla+HTWD-OSH-CMM-Arm__okh.toml"
CROWN = "okh-Crown_Cap_Machine.toml"


@pytest.fixture
def store(any_store, monkeypatch):
    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", ADMIN_TOKEN)
    return any_store


def bearer(store, email: str, scopes: list[str]) -> dict:
    user = create_user(store, email, None, by=cli_actor(store, None), verified=True)
    token = create_token(store, user["id"], "tests", scopes, by=cli_actor(store, None))
    return {"Authorization": f"Bearer {token['token']}"}


def test_register_a_manifest_and_a_form_then_claim_an_imported_design(store, fixtures) -> None:
    api = TestClient(create_app(store=store))
    alice = bearer(store, "alice@example.org", ["read", "write:designs"])
    bob = bearer(store, "bob@example.org", ["read", "write:designs"])
    reader = bearer(store, "carol@example.org", ["read"])
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    manifest = (fixtures / "okh" / "projects" / ARM).read_bytes()

    upload = {"file": (ARM, manifest, "application/toml")}
    assert api.post("/api/designs/register", files=upload).status_code == 401
    refused = api.post("/api/designs/register", files=upload, headers=reader)
    assert refused.status_code == 403 and "write:designs" in refused.json()["detail"]
    r = api.post("/api/designs/register", files=upload, headers=alice)
    assert r.status_code == 201, r.text
    (registered,) = r.json()["designs"]
    assert get_design(store, registered["id"])[1].name == registered["name"]
    maintainers = api.get(f"/api/designs/{registered['id']}/maintainers").json()
    assert [m["via"] for m in maintainers] == ["registered"]
    # the same design by someone else is not replaced: it is claimed
    again = api.post("/api/designs/register", files=upload, headers=bob)
    assert again.status_code == 409 and "claim it" in again.json()["detail"]
    junk = {"file": ("notes.txt", b"just some words", "text/plain")}
    bad = api.post("/api/designs/register", files=junk, headers=alice)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "file"

    form = {
        "name": "Bicycle lamp bracket",
        "function": "Holds a lamp on a handlebar",
        "licence": "CERN-OHL-S-2.0",
        "repo": "https://example.org/lamp-bracket",
        "parts": ["Bracket: fdm; petg", "Shade: laser-cutting; acrylic"],
    }
    r = api.post("/api/designs/register/form", json=form, headers=alice)
    assert r.status_code == 201, r.text
    (made,) = r.json()["designs"]
    design = get_design(store, made["id"])[1]
    assert design.licence.expression == "CERN-OHL-S-2.0"
    assert [(p.name, p.processes, p.materials) for p in design.parts] == [
        ("Bracket", ["fdm"], ["petg"]),
        ("Shade", ["laser-cutting"], ["acrylic"]),
    ]

    import_sources(store, [str(fixtures / "okh" / "losh" / CROWN)])
    crown = api.get("/api/designs", params={"q": "crown cap"}).json()["items"][0]["id"]
    assert api.get(f"/api/designs/{crown}/maintainers").json() == []
    r = api.post(f"/api/designs/{crown}/claims", json={"message": "I made it"}, headers=bob)
    assert r.status_code == 201
    cid = r.json()["id"]
    assert api.post(f"/api/designs/{crown}/claims", headers=bob).status_code == 409
    assert api.get("/api/design-claims", headers=bob).status_code == 403
    assert [c["id"] for c in api.get("/api/design-claims", headers=admin).json()["items"]] == [cid]
    assert api.post(f"/api/design-claims/{cid}/approve", headers=bob).status_code == 403
    done = api.post(f"/api/design-claims/{cid}/approve", headers=admin)
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert [m["via"] for m in api.get(f"/api/designs/{crown}/maintainers").json()] == ["claim"]
    assert api.post(f"/api/design-claims/{cid}/reject", headers=admin).status_code == 409


def test_design_authors_from_the_cli(store, fixtures) -> None:
    create_user(store, "alice@example.org", None, by=cli_actor(store, None), verified=True)

    def run(*args: str):
        return CliRunner().invoke(cli, [*args, "--db", store.url])

    r = run(
        "designs", "register-form", "--name", "Seed drill", "--licence", "CERN-OHL-P-2.0",
        "--part", "Hopper: laser-cutting; plywood", "--json", "--as", "alice@example.org",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["designs"][0]["name"] == "Seed drill"
    r = run("designs", "register", str(fixtures / "okh" / "losh" / CROWN), "--as", "nobody@x.org")
    assert r.exit_code == 1 and "nobody@x.org" in r.output
    import_sources(store, [str(fixtures / "okh" / "losh" / CROWN)])
    crown = get_design(store, 2)[0]
    r = run("designs", "claim", str(crown), "--json", "--as", "alice@example.org")
    assert r.exit_code == 0, r.output
    cid = json.loads(r.output)["id"]
    r = run("designs", "claims", "approve", str(cid), "--as", "alice@example.org")
    assert r.exit_code == 1 and "only site admins" in r.output
    r = run("designs", "claims", "approve", str(cid), "--json")
    assert r.exit_code == 0 and json.loads(r.output)["status"] == "approved"


def test_design_authors_pages(sqlite_store, fixtures) -> None:
    from _people import csrf_from, make_user, sign_in

    store = sqlite_store
    alice, bob = TestClient(create_app(store=store)), TestClient(create_app(store=store))
    sign_in(alice, store, make_user(store, "alice@example.org"))
    sign_in(bob, store, make_user(store, "bob@example.org"))
    admin = TestClient(create_app(store=store), follow_redirects=False)
    sign_in(admin, store, make_user(store, "admin@example.org", admin=True))

    page = alice.get("/manage/designs/new")
    assert page.status_code == 200 and 'id="design-form"' in page.text
    token = csrf_from(alice, "/manage/designs/new")
    manifest = (fixtures / "okh" / "projects" / ARM).read_bytes()
    r = alice.post("/manage/designs/new/upload", data={"csrf_token": token},
                   files={"file": (ARM, manifest, "application/toml")})  # fmt: skip
    assert r.status_code == 201 and 'id="design-registered"' in r.text
    r = alice.post(
        "/manage/designs/new/form",
        data={"csrf_token": token, "name": "<img src=x onerror=alert(1)> lamp",
              "parts": "Shade: laser-cutting; plywood", "licence": "MIT"},
    )  # fmt: skip
    assert r.status_code == 201 and "<img src=x" not in r.text and "&lt;img" in r.text
    did = int(re.search(r'href="/designs/(\d+)"', r.text)[1])
    again = alice.post("/manage/designs/new/upload", data={"csrf_token": token},
                       files={"file": (ARM, manifest, "application/toml")})  # fmt: skip
    assert again.status_code == 409 and "claim it" in again.text

    # bob, on the design alice registered, may claim it; alice is its maintainer already
    assert 'id="design-claim-form"' not in alice.get(f"/designs/{did}").text
    shown = bob.get(f"/designs/{did}").text
    assert "Maintained on Refaire by 1" in shown and 'id="design-claim-form"' in shown
    r = bob.post(f"/manage/designs/{did}/claim",
                 data={"csrf_token": csrf_from(bob, f"/designs/{did}"), "message": "co-author"})  # fmt: skip
    assert r.status_code == 200 and "waits for a site admin" in r.text
    assert bob.get("/manage/design-claims").status_code == 403
    listing = admin.get("/manage/design-claims").text
    cid = re.search(r'action="/manage/design-claims/(\d+)/approve"', listing)[1]
    r = admin.post(f"/manage/design-claims/{cid}/approve", data={"csrf_token": csrf_from(admin, "/manage/design-claims")})  # fmt: skip
    assert r.status_code == 303
    assert "Maintained on Refaire by 2" in bob.get(f"/designs/{did}").text
