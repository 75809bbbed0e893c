"""Signals: the service on SQLite and PostgreSQL, and through CLI, API and web, bad input included."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from _people import csrf_from, make_user, sign_in
from refaire.app import create_app
from refaire.cli import app as cli_app
from refaire.observatory.figures import dashboard
from refaire.observatory.signals import SignalError, add_signal, list_signals

runner = CliRunner()
GOOD = {
    "title": "An open-source washing machine",
    "url": "https://example.org/washing-machine",
    "published": "2024-05-02",
    "summary": "A FabLab builds one.",
    "sectors": ["D06", "a"],
    "practices": ["open-design", "fabrication-place"],
    "actors": ["FabLab Lyon"],
}


def test_store_and_filter(any_store) -> None:
    sig = add_signal(any_store, **GOOD)
    assert sig["sectors"] == ["D06", "A"] and sig["published"] == "2024-05-02"
    add_signal(
        any_store,
        title="Drone kit",
        url="http://example.org/d",
        published="2023-01-10",
        sectors=["B64"],
    )
    assert list_signals(any_store)["total"] == 2
    assert [s["title"] for s in list_signals(any_store)["items"]] == [GOOD["title"], "Drone kit"]
    assert list_signals(any_store, sector="b64")["items"][0]["title"] == "Drone kit"
    assert list_signals(any_store, tag="fablab lyon")["total"] == 1
    assert list_signals(any_store, tag="nobody")["total"] == 0
    counts = dashboard(any_store, with_coverage=False)["signals"]
    assert {(r["sector"], r["year"]): r["signals"] for r in counts["by_sector_year"]} == {
        ("A", 2024): 1, ("D06", 2024): 1, ("B64", 2023): 1,
    }  # fmt: skip
    assert counts["by_year"] == {2023: 1, 2024: 1}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("url", "example.org/x", "http(s) URL"),
        ("url", "ftp://example.org/x", "http(s) URL"),
        ("published", "2024-02-30", "YYYY-MM-DD"),
        ("published", "02/05/2024", "YYYY-MM-DD"),
        ("sectors", ["Z12"], "unknown sector"),
        ("practices", ["juggling"], "unknown practice"),
        ("title", "  ", "title is required"),
    ],
)
def test_bad_input(sqlite_store, field, value, message) -> None:
    with pytest.raises(SignalError) as info:
        add_signal(sqlite_store, **{**GOOD, field: value})
    assert info.value.errors[0][0] == field and message in info.value.errors[0][1]
    assert list_signals(sqlite_store)["total"] == 0


def test_cli(sqlite_store) -> None:
    args = ["signals", "add", "--db", sqlite_store.url, "--title", "Repair café", "--url",
            "https://example.org/rc", "--date", "2022-09-01", "--sector", "A47", "--practice",
            "fabrication-place", "--actor", "Repair Café Paris", "--json"]  # fmt: skip
    r = runner.invoke(cli_app, args)
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["sectors"] == ["A47"]
    bad = runner.invoke(
        cli_app,
        [
            "signals",
            "add",
            "--db",
            sqlite_store.url,
            "--title",
            "x",
            "--url",
            "nope",
            "--date",
            "2022-13-01",
        ],
    )
    # named by the flags typed, not by the API's fields (`published`)
    assert bad.exit_code == 2 and "--url" in bad.output and "--date" in bad.output
    r = runner.invoke(
        cli_app,
        ["signals", "list", "--db", sqlite_store.url, "--tag", "fabrication-place", "--json"],
    )
    assert json.loads(r.output)["total"] == 1
    r = runner.invoke(cli_app, ["signals", "list", "--db", sqlite_store.url, "--sector", "A47"])
    assert r.exit_code == 0 and "Repair café" in r.output
    assert (
        runner.invoke(
            cli_app, ["signals", "list", "--db", sqlite_store.url, "--sector", "nope"]
        ).exit_code
        == 2
    )


def test_api(sqlite_store, monkeypatch) -> None:
    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", "secret")
    client = TestClient(create_app(store=sqlite_store))
    assert client.post("/api/signals", json=GOOD).status_code == 401
    auth = {"Authorization": "Bearer secret"}
    r = client.post("/api/signals", json=GOOD, headers=auth)
    assert r.status_code == 201 and r.json()["id"]
    r = client.post(
        "/api/signals",
        json={**GOOD, "url": "bad", "published": "yesterday", "sectors": ["QQ"]},
        headers=auth,
    )
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"url", "published", "sectors"}
    assert client.post("/api/signals", json={"title": "x"}, headers=auth).status_code == 422
    r = client.get("/api/signals", params={"sector": "D06"})
    assert r.status_code == 200 and r.json()["total"] == 1
    assert client.get("/api/signals", params={"sector": "ZZ"}).status_code == 400
    monkeypatch.delenv("REFAIRE_ADMIN_TOKEN")
    # without the bootstrap token set, the same string is just a wrong token
    assert client.post("/api/signals", json=GOOD, headers=auth).status_code == 401


def test_web(sqlite_store) -> None:
    client = TestClient(create_app(store=sqlite_store))
    form = {"title": "Fab City summit", "url": "https://fab.city/summit", "published": "2024-07-01",
            "sectors": ["E04"], "practices": ["fabrication-place"], "actors": "Fab City, IAAC"}  # fmt: skip
    anonymous = csrf_from(client, "/quote")
    r = client.post("/observatory/signals", data={**form, "csrf_token": anonymous})
    assert r.status_code == 401
    member = make_user(sqlite_store, "member@example.org")
    sign_in(client, sqlite_store, member)
    assert 'class="sig-add"' not in client.get("/observatory/signals").text  # no form for a member
    r = client.post("/observatory/signals", data={**form, "csrf_token": csrf_from(client)})
    assert r.status_code == 403
    sign_in(client, sqlite_store, make_user(sqlite_store, "admin@example.org", admin=True))
    token = csrf_from(client, "/observatory/signals")
    assert client.post("/observatory/signals", data=form).status_code == 403  # no CSRF token
    r = client.post("/observatory/signals", data={**form, "csrf_token": anonymous})
    assert r.status_code == 403  # a token of another session
    r = client.post("/observatory/signals", data={**form, "url": "fab.city", "csrf_token": token})
    assert r.status_code == 422 and "err-url" in r.text and "Fab City summit" in r.text
    r = client.post(
        "/observatory/signals", data={**form, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert "Fab City summit" in page.text and "IAAC" in page.text
    assert "Fab City summit" in client.get("/observatory/signals?tag=iaac").text
    assert "Fab City summit" not in client.get("/observatory/signals?sector=A61").text
    fr = client.get("/observatory/signals?lang=fr")
    assert "Enregistrer un signal" in fr.text
