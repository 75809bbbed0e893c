"""The "done when" of facility management through the JSON API and the CLI, on SQLite and
PostgreSQL: a member claims a real Lyon fab lab, an admin approves, the member adds two
machines with the resolver's help and sets prices; a match near Lyon (45.76, 4.84) then
finds the lab with stated capabilities, a quote uses its prices, and another member cannot
change the lab.

Accounts come from refaire.people's services (sign-up and its mails are tested there).
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli
from refaire.ingest.runner import import_sources
from refaire.model import Design, Dimensions, Part
from refaire.people import cli_actor
from refaire.people.tokens import create_token
from refaire.people.users import create_user
from refaire.store.designs import save_designs
from refaire.store.facilities import get_facility
from test_quote import cube_stl

LAB_KEY = "fablabs-iopa:b18990ff-18f8-4270-93d1-d91f6628fd3d"  # YOUFACTORY, Villeurbanne
LYON = "45.76,4.84"
ADMIN_TOKEN = "bootstrap-admin-token-for-tests-0123456789"
PASSWORD = "correct horse battery staple 42"
PRICES = {"hourly_rate": {"fdm": 4.5, "laser": 30}, "material_price_per_g": {"pla": 0.08},
          "setup_fee": 0, "minimum_order": 0, "currency": "EUR"}  # fmt: skip
LAMP = Design(
    "t:lamp",
    "Lamp",
    "test",
    parts=[
        Part("Shade", processes=["laser-cutting"], materials=["plywood"],
             dimensions=Dimensions(300, 200, 3)),
        Part("Base", processes=["fdm"], materials=["pla"], dimensions=Dimensions(100, 100, 50)),
    ],
)  # fmt: skip


@pytest.fixture
def lyon(any_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", ADMIN_TOKEN)
    import_sources(any_store, [str(fixtures / "facilities" / "fablabs-iopa-lyon.json")])
    save_designs(any_store, [LAMP])
    any_store.lab_id = get_facility(any_store, LAB_KEY)[0]
    return any_store


def account(store, email: str) -> dict:
    user = create_user(store, email, PASSWORD, by=cli_actor(store, None), verified=True)
    token = create_token(
        store, user["id"], "tests", ["read", "write:facilities"], by=cli_actor(store, None)
    )
    return {"Authorization": f"Bearer {token['token']}"}


def assert_lab_found_with_stated_capabilities(match: dict, lab_id: int) -> None:
    best = match["matches"][0]
    assert best["facility"]["id"] == lab_id and best["complete"]
    assert {r["part"]: (r["status"], r["origin"]) for r in best["requirements"]} == {
        "Shade": ("met", "stated"),
        "Base": ("met", "stated"),
    }


def assert_quote_uses_the_labs_prices(result: dict) -> None:
    (q,) = result["quotes"]
    assert q["own_pricing"] and not q["quote"]["estimated_rates"]
    lines = {line["item"]: line for line in q["quote"]["lines"]}
    assert "4.5 EUR/h" in lines["machine time"]["detail"]
    assert "0.08 EUR/g" in lines["material"]["detail"]


def test_done_when_through_the_api(lyon) -> None:
    api = TestClient(create_app(store=lyon))
    alice, bob = account(lyon, "alice@example.org"), account(lyon, "bob@example.org")
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    fid = lyon.lab_id

    r = api.post(f"/api/facilities/{fid}/claims", json={"method": "admin"}, headers=alice)
    assert r.status_code == 201, r.text
    claim = r.json()
    assert api.get("/api/claims", headers=alice).status_code == 403
    assert api.get("/api/claims").status_code == 401
    listed = api.get("/api/claims", headers=admin).json()
    assert [c["id"] for c in listed["items"]] == [claim["id"]]
    assert api.post(f"/api/claims/{claim['id']}/approve", headers=alice).status_code == 403
    r = api.post(f"/api/claims/{claim['id']}/approve", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = api.post(f"/api/facilities/{fid}/claims", json={"method": "admin"}, headers=bob)
    assert r.status_code == 409 and "invite" in r.json()["detail"]

    # two machines with the resolver's help: propose, then confirm (correcting the second)
    p = api.get("/api/machines/proposals", params={"text": "Ultimaker S5"}).json()
    assert (p["process"], p["build_volume_mm"]) == ("fdm", [330.0, 240.0, 300.0])
    fields = {k: p[k] for k in ("make", "model", "process", "materials", "build_volume_mm")}
    r = api.post(f"/api/facilities/{fid}/machines", json=fields, headers=alice)
    assert r.status_code == 201, r.text
    p = api.get(
        "/api/machines/proposals", params={"text": "découpeuse laser Trotec", "lang": "fr"}
    ).json()
    assert p["process"] == "laser-cutting" and p["process_label"] == "Découpe laser"
    laser = {"make": p["make"], "model": "Speedy 300", "process": p["process"],
             "materials": ["plywood", "acrylic"], "bed_size_mm": "726 x 432"}  # fmt: skip
    assert api.post(f"/api/facilities/{fid}/machines", json=laser, headers=alice).status_code == 201
    r = api.patch(f"/api/facilities/{fid}", json={"pricing": PRICES}, headers=alice)
    assert r.status_code == 200 and r.json()["changed"] == ["pricing"]

    match = api.get("/api/match", params={"design": "t:lamp", "near": LYON}).json()
    assert_lab_found_with_stated_capabilities(match, fid)
    r = api.post(
        "/api/quote",
        files={"file": ("cube.stl", cube_stl(20), "model/stl")},
        data={"material": "pla", "facility_id": str(fid)},
    )
    assert r.status_code == 200, r.text
    assert_quote_uses_the_labs_prices(r.json())

    # another member cannot change the lab; wrong input is named field by field
    r = api.patch(f"/api/facilities/{fid}", json={"description": "mine"}, headers=bob)
    assert r.status_code == 403 and "only the managers of YOUFACTORY" in r.json()["detail"]
    assert api.delete(f"/api/facilities/{fid}/machines/0", headers=bob).status_code == 403
    assert api.patch(f"/api/facilities/{fid}", json={"description": "x"}).status_code == 401
    r = api.patch(f"/api/facilities/{fid}", json={"url": "ftp://x", "hue": 1}, headers=alice)
    assert r.status_code == 422
    assert {p["field"] for p in r.json()["errors"]} == {"url", "hue"}
    # the page data: prices shown, history of the lab
    m = api.get(f"/api/facilities/{fid}/management", headers=alice).json()
    assert m["may_manage"] and m["prices"]["hourly_rate"] == {"fdm": 4.5, "laser": 30.0}
    actions = [e["action"] for e in m["history"]["items"]]
    assert actions[:3] == ["facility.edit", "facility.machine.add", "facility.machine.add"]
    # a member's suggestion, accepted by the manager
    r = api.post(
        f"/api/facilities/{fid}/suggestions",
        json={"changes": {"phone": "+33 4 78 00 00 00"}, "note": "on the door"},
        headers=bob,
    )
    assert r.status_code == 201
    assert api.post(f"/api/suggestions/{r.json()['id']}/accept", headers=bob).status_code == 403
    done = api.post(f"/api/suggestions/{r.json()['id']}/accept", headers=alice)
    assert done.status_code == 200 and done.json()["status"] == "accepted"


def run(store, *args: str, input: str | None = None) -> object:
    return CliRunner().invoke(cli, [*args, "--db", store.url], input=input)


def test_done_when_through_the_cli(lyon, tmp_path) -> None:
    for email in ("alice@example.org", "bob@example.org"):
        create_user(lyon, email, PASSWORD, by=cli_actor(lyon, None), verified=True)
    fid = str(lyon.lab_id)
    alice = ("--as", "alice@example.org")

    r = run(lyon, "facilities", "claim", fid, "--message", "I run it", "--json", *alice)
    assert r.exit_code == 0, r.output
    cid = json.loads(r.output)["id"]
    listed = json.loads(run(lyon, "facilities", "claims", "list", "--json").output)
    assert [c["user_email"] for c in listed["items"]] == ["alice@example.org"]
    r = run(lyon, "facilities", "claims", "approve", str(cid), *alice)
    assert r.exit_code == 1 and "only site admins" in r.output
    assert run(lyon, "facilities", "claims", "approve", str(cid)).exit_code == 0

    # without --yes the proposals are shown and the manager answers
    r = run(lyon, "facilities", "machines", "add", fid, "Ultimaker S5", *alice, input="y\n")
    assert r.exit_code == 0, r.output
    assert "330, 240, 300" in r.output and "catalogue:Ultimaker S5" in r.output
    r = run(
        lyon, "facilities", "machines", "add", fid, "découpeuse laser Trotec",
        "--model", "Speedy 300", "--materials", "plywood,acrylic", "--bed-size", "726 x 432",
        "--yes", "--json", *alice,
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    machines = json.loads(r.output)["equipment"]
    assert [(e["model"], e["capabilities"]["stated"][0]["id"]) for e in machines] == [
        ("S5", "fdm"), ("Speedy 300", "laser-cutting"),
    ]  # fmt: skip
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps(PRICES), encoding="utf-8")
    r = run(lyon, "facilities", "edit", fid, "--prices", f"@{prices}", *alice)
    assert r.exit_code == 0 and "changed pricing" in r.output
    r = run(
        lyon, "facilities", "hours", fid, "--tz", "Europe/Paris", "--weekly",
        "tue-sat 14:00-19:00", "--closed", "2026-12-24..2027-01-02 winter", *alice,
    )  # fmt: skip
    assert r.exit_code == 0, r.output

    match = json.loads(run(lyon, "match", "t:lamp", "--near", LYON, "--json").output)
    assert_lab_found_with_stated_capabilities(match, lyon.lab_id)
    stl = tmp_path / "cube.stl"
    stl.write_bytes(cube_stl(20))
    r = run(lyon, "quote", str(stl), "--material", "pla", "--facility", fid, "--json")
    assert r.exit_code == 0, r.output
    assert_quote_uses_the_labs_prices(json.loads(r.output))

    r = run(lyon, "facilities", "edit", fid, "--description", "mine", "--as", "bob@example.org")
    assert r.exit_code == 1 and "only the managers of YOUFACTORY" in r.output
    r = run(lyon, "facilities", "hours", fid, "--tz", "Mars/Olympus", *alice)
    assert r.exit_code == 1 and "unknown IANA time zone" in r.output
    m = json.loads(run(lyon, "facilities", "management", fid, "--json", *alice).output)
    assert m["hours"]["weekly"]["sat"] == [["14:00", "19:00"]]
    assert set(m["stated_by_manager"]) >= {"equipment", "pricing", "extra.hours"}
