"""Production through the CLI (`refaire requests|quotes|orders|offers … --json`,
`refaire export valueflows`) and the pages without JavaScript, in English and French:
request form, routing and quotes side by side, the order page with its moves, the
printable summary, the inbox, offers "near me", the storefront, the design-page panel."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from typer.testing import CliRunner

from _people import csrf_from, sign_in
from _production_scenario import build
from refaire.app import create_app
from refaire.cli import app as cli


@pytest.fixture
def prod(any_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    return build(any_store, fixtures)


def run(*args: str) -> dict:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_cli_flow(prod, tmp_path) -> None:
    db = prod.store.url
    req = run("requests", "create", str(prod.design), "--qty", "10", "--place", "Lyon",
              "--material", "petg", "--radius", "30", "--send-all", "--as", "ann@example.org",
              "--db", db, "--json")  # fmt: skip
    assert len(req["recipients"]) >= 2
    draft = run("quotes", "draft", str(req["id"]), "--facility", str(prod.lab_a),
                "--as", "boss_a@example.org", "--db", db, "--json")  # fmt: skip
    q = run("quotes", "create", str(req["id"]), "--facility", str(prod.lab_a), "--lines",
            json.dumps(draft["lines"]), "--currency", "EUR", "--lead-days", "4",
            "--as", "boss_a@example.org", "--db", db, "--json")  # fmt: skip
    order = run("quotes", "accept", str(q["id"]), "--as", "ann@example.org", "--db", db, "--json")
    bad = CliRunner().invoke(cli, ["orders", "move", str(order["id"]), "received", "--as",
                                   "ann@example.org", "--db", db])  # fmt: skip
    said = " ".join(bad.output.split())
    assert bad.exit_code == 1 and "allowed from accepted: in_production (by seller)" in said
    moved = run("orders", "move", str(order["id"]), "in_production", "--as",
                "boss_a@example.org", "--db", db, "--json")  # fmt: skip
    assert moved["state"] == "in_production"
    hostile = tmp_path / "x.svg"
    hostile.write_text("<svg><script>alert(1)</script></svg>")
    refused = CliRunner().invoke(cli, ["orders", "message", str(order["id"]), "see", "--file",
                                       str(hostile), "--as", "ann@example.org", "--db", db])
    assert refused.exit_code == 1 and "markup" in " ".join(refused.output.split())
    offer = {"facility": prod.lab_a, "design": str(prod.other_design), "currency": "EUR",
             "price_breaks": [{"min_qty": 1, "unit_price": "7"}], "lead_days": 3,
             "radius_km": 40}  # fmt: skip
    made = run("offers", "create", json.dumps(offer), "--as", "boss_a@example.org", "--db", db,
               "--json")  # fmt: skip
    found = run("offers", "search", "--near", "Lyon", "--db", db, "--json")
    assert [o["id"] for o in found["items"]] == [made["id"]]
    out = tmp_path / "vf.jsonld"
    result = CliRunner().invoke(cli, ["export", "valueflows", "--out", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    g = Graph().parse(data=out.read_text(), format="json-ld")
    assert len(g) > 10


def page_client(prod, name: str | None) -> TestClient:
    c = TestClient(create_app(store=prod.store))
    if name:
        sign_in(c, prod.store, prod.users[name])
    return c


def form(c: TestClient, path: str) -> dict[str, str]:
    return {"csrf_token": csrf_from(c, path)}


def test_pages_flow_in_both_languages(prod) -> None:
    ann, boss = page_client(prod, "ann"), page_client(prod, "boss_a")
    design = ann.get(f"/designs/{prod.design}")
    assert 'id="request-make"' in design.text
    new = f"/production/requests/new?design={prod.design}"
    bad = ann.post("/production/requests", data={**form(ann, new), "design": str(prod.design),
                                                  "quantity": "0", "place": "Lyon"})
    assert bad.status_code == 422 and "quantity" in bad.text
    made = ann.post("/production/requests", data={
        **form(ann, new), "design": str(prod.design), "quantity": "10", "material": "petg",
        "place": "Lyon", "radius_km": "30"}, follow_redirects=False)  # fmt: skip
    assert made.status_code == 303
    path = made.headers["location"]
    page = ann.get(path)
    assert "YOUFACTORY" in page.text and "No payment is processed" in page.text
    fr = ann.get(path + "?lang=fr")
    assert "Qui peut la fabriquer" in fr.text and "Refaire ne traite aucun paiement" in fr.text
    sent = ann.post(path + "/send", data={**form(ann, path), "to": f"facility:{prod.lab_a}"},
                    follow_redirects=False)
    assert sent.status_code == 303
    quote_page = boss.get(path)
    assert 'name="amount_0"' in quote_page.text  # pre-filled from the instant-quote engine
    amount = re.search(r'name="amount_0" value="([^"]+)"', quote_page.text).group(1)
    assert float(amount) > 0
    quoted = boss.post(path + "/quotes", data={**form(boss, path), "facility": str(prod.lab_a),
                                               "item_0": "clamps", "amount_0": amount,
                                               "currency": "EUR", "lead_days": "5"},
                       follow_redirects=False)  # fmt: skip
    assert quoted.status_code == 303
    compare = ann.get(path)
    qid = re.search(r'id="quote-(\d+)"', compare.text).group(1)
    accepted = ann.post(f"/production/quotes/{qid}/accept", data=form(ann, path),
                        follow_redirects=False)
    assert accepted.status_code == 303
    order = accepted.headers["location"]
    o = ann.get(order)
    assert 'id="move-cancelled"' in o.text and 'id="move-in_production"' not in o.text
    wrong = ann.post(order + "/move", data={**form(ann, order), "to": "received"})
    assert wrong.status_code == 409 and "in_production" in wrong.text
    for to in ("in_production", "shipped"):
        assert boss.post(order + "/move", data={**form(boss, order), "to": to},
                         follow_redirects=False).status_code == 303
    assert ann.post(order + "/move", data={**form(ann, order), "to": "received"},
                    follow_redirects=False).status_code == 303
    reviewed = ann.post(order + "/review", data={**form(ann, order), "rating": "5",
                                                 "text": "<b>great</b>"}, follow_redirects=False)
    assert reviewed.status_code == 303
    final = ann.get(order)
    assert "&lt;b&gt;great&lt;/b&gt;" in final.text  # record text is escaped
    printable = ann.get(order + "/print?lang=fr")
    assert "Commande" in printable.text and "paiement" in printable.text
    assert page_client(prod, "nosy").get(order).status_code == 404
    facility = ann.get(f"/facilities/{prod.lab_a}")
    assert "5.0/5" in facility.text
    inbox = boss.get("/inbox")
    assert "Production request" in inbox.text
    offers = ann.get("/offers?near=Lyon&lang=fr")
    assert offers.status_code == 200 and "Près de moi" in offers.text
    assert ann.get("/offers?near=Nowhereville-sur-Rien").status_code == 400
