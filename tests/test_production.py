"""Production end to end through the API on SQLite and PostgreSQL: a member near Lyon asks
for 10 filter clamps in PETG, two labs quote, one is accepted, shipped, received and
reviewed; then the lab's offer of another design is found near Lyon and ordered; the
Valueflows export reads back as RDF. Plus every refusal the issue lists."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from _people import csrf_from, sign_in
from _production_scenario import build
from refaire.app import create_app
from refaire.production import orders
from refaire.production.access import ProductionError

VF = Namespace("https://w3id.org/valueflows/ont/vf#")


@pytest.fixture
def prod(any_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    return build(any_store, fixtures)


def client(prod, name: str) -> TestClient:
    c = TestClient(create_app(store=prod.store))
    sign_in(c, prod.store, prod.users[name])
    c.headers["X-CSRF-Token"] = csrf_from(c)
    return c


def offer_body(prod, **extra):
    return {"facility": prod.lab_a, "design": str(prod.other_design),
            "variants": [{"material": "petg", "colour": "black"}],
            "price_breaks": [{"min_qty": 1, "unit_price": "6.00"},
                             {"min_qty": 10, "unit_price": "5.00"}],
            "currency": "EUR", "lead_days": 4, "radius_km": 40, "shipping": "4.50", **extra}  # fmt: skip


def test_done_when_flow_through_the_api(prod, tmp_path) -> None:
    ann, a, b, nosy = (client(prod, n) for n in ("ann", "boss_a", "boss_b", "nosy"))
    r = ann.post("/api/production/requests", json={
        "design": str(prod.design), "quantity": 10, "materials": "petg", "place": "Lyon",
        "radius_km": 30, "visibility": "recipients"})  # fmt: skip
    assert r.status_code == 201, r.text
    req = r.json()
    # routing: the two labs with a PETG printer are stated, and come before any probable one
    bases = [c["basis"] for c in req["capable"]]
    assert bases == sorted(bases, key=lambda x: x != "stated")
    stated = {c["id"] for c in req["capable"] if c["basis"] == "stated"}
    assert {prod.lab_a, prod.lab_b} <= stated
    sent = ann.post(
        f"/api/production/requests/{req['id']}/send",
        json={"send_to": [f"facility:{prod.lab_a}", f"facility:{prod.lab_b}"]},
    )
    assert sent.status_code == 200 and sent.json()["added"] == 2
    mails = list((tmp_path / "outbox").glob("*.eml"))
    assert len(mails) == 2  # one manager per lab, told by mail …
    assert a.get("/api/inbox").json()["unread"] == 1  # … and in the inbox
    # a private request is not found by someone it was not sent to
    assert nosy.get(f"/api/production/requests/{req['id']}").status_code == 404
    draft = a.get(
        f"/api/production/requests/{req['id']}/quote-draft", params={"facility": prod.lab_a}
    ).json()
    assert draft["lines"] and draft["lines"][0]["item"].startswith("clamp (petg")
    q1 = a.post(
        f"/api/production/requests/{req['id']}/quotes",
        json={"facility": prod.lab_a, "lines": draft["lines"], "currency": "EUR", "lead_days": 5},
    )
    q2 = b.post(f"/api/production/requests/{req['id']}/quotes", json={
        "facility": prod.lab_b, "lines": [{"item": "10 clamps", "amount": "55.00"},
                                          {"item": "setup", "amount": "4.5"}],
        "currency": "EUR", "lead_days": 3})  # fmt: skip
    assert q1.status_code == q2.status_code == 201, (q1.text, q2.text)
    assert q2.json()["total"] == "59.50"  # exact decimal sum, as text
    compared = ann.get(f"/api/production/requests/{req['id']}").json()["quotes"]
    assert [q["id"] for q in compared] == [q1.json()["id"], q2.json()["id"]]
    assert all(q["distance_km"] is not None and "reviews" in q for q in compared)
    # each lab sees only its own quote
    assert [q["id"] for q in b.get(f"/api/production/requests/{req['id']}").json()["quotes"]] == [
        q2.json()["id"]
    ]
    o = ann.post(f"/api/production/quotes/{q1.json()['id']}/accept")
    assert o.status_code == 201 and o.json()["state"] == "accepted"
    oid = o.json()["id"]
    again = ann.post(f"/api/production/quotes/{q2.json()['id']}/accept")
    assert again.status_code == 409  # a second acceptance
    late = b.post(f"/api/production/requests/{req['id']}/quotes", json={
        "facility": prod.lab_b, "lines": [{"item": "x", "amount": "1"}], "currency": "EUR",
        "lead_days": 1})  # fmt: skip
    assert late.status_code == 409  # quotes on a request no longer open
    assert nosy.get(f"/api/orders/{oid}").status_code == 404
    assert b.get(f"/api/orders/{oid}").status_code == 404  # the declined lab is not a party
    out_of_order = ann.post(f"/api/orders/{oid}/transition", json={"to": "shipped"})
    assert out_of_order.status_code == 409
    body = out_of_order.json()
    assert {m["to"] for m in body["allowed"]} == {"in_production", "cancelled"}
    assert "in_production (by seller)" in body["detail"] and body["errors"][0]["field"] == "to"
    wrong_party = ann.post(f"/api/orders/{oid}/transition", json={"to": "in_production"})
    assert wrong_party.status_code == 409 and "only the seller" in wrong_party.json()["detail"]
    for who, to in ((a, "in_production"), (a, "shipped"), (ann, "received")):
        moved = who.post(f"/api/orders/{oid}/transition", json={"to": to})
        assert moved.status_code == 200 and moved.json()["state"] == to, moved.text
    assert (
        ann.post(f"/api/orders/{oid}/reviews", json={"rating": 5, "text": "On time"}).status_code
        == 201
    )
    assert ann.post(f"/api/orders/{oid}/reviews", json={"rating": 1}).status_code == 409
    assert a.post(f"/api/orders/{oid}/reviews", json={"rating": 4}).status_code == 201
    from refaire.production.reviews import summary

    assert summary(prod.store, facility_id=prod.lab_a) == {"count": 1, "mean": 5.0, "items": []}
    # the same lab's offer for the other design, found "near me" from Lyon and ordered
    off = a.post("/api/offers", json=offer_body(prod))
    assert off.status_code == 201, off.text
    found = ann.get("/api/offers", params={"near": "Lyon", "q": "knob"}).json()
    assert [x["id"] for x in found["items"]] == [off.json()["id"]]
    far = ann.get("/api/offers", params={"near": "Marseille"}).json()
    assert far["total"] == 0  # 280 km away: beyond its 40 km delivery radius
    ordered = ann.post(f"/api/offers/{off.json()['id']}/orders", json={"quantity": 10})
    assert ordered.status_code == 201 and ordered.json()["total"] == "54.50"  # 10 × 5.00 + 4.50
    assert ordered.json()["state"] == "accepted"
    # Valueflows: parsed by rdflib as JSON-LD, with the expected triples
    doc = ann.get("/api/valueflows", params={"day": datetime.now(UTC).date().isoformat()})
    assert doc.headers["content-type"].startswith("application/ld+json")
    g = Graph().parse(data=doc.text, format="json-ld")
    base = "http://testserver/"
    commitment = URIRef(f"{base}orders/{oid}#commitment")
    assert (commitment, RDF.type, VF.Commitment) in g
    assert (commitment, VF.clauseOf, URIRef(f"{base}orders/{oid}")) in g
    assert (URIRef(f"{base}orders/{oid}"), RDF.type, VF.Agreement) in g
    event = URIRef(f"{base}orders/{oid}#delivery")
    assert (event, RDF.type, VF.EconomicEvent) in g and (event, VF.fulfills, commitment) in g
    offer = URIRef(f"{base}offers/{off.json()['id']}")
    assert (offer, RDF.type, VF.Proposal) in g
    intent = next(g.objects(offer, VF.publishes))
    assert (intent, RDF.type, VF.Intent) in g
    assert (intent, VF.provider, URIRef(f"{base}facilities/{prod.lab_a}")) in g
    # the private request is not published; nosy sees no order
    assert (
        not list(g.subjects(RDF.type, VF.Intent, unique=True))
        or (URIRef(f"{base}production/requests/{req['id']}"), None, None) not in g
    )
    nosy_graph = Graph().parse(data=nosy.get("/api/valueflows").text, format="json-ld")
    assert not list(nosy_graph.subjects(RDF.type, VF.Commitment))
    assert list(nosy_graph.subjects(RDF.type, VF.Proposal))  # the public offer
    qty = next(g.objects(commitment, VF.resourceQuantity))
    assert Literal("10", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal")) in set(
        g.objects(
            qty,
            URIRef("http://www.ontology-of-units-of-measure.org/resource/om-2/hasNumericalValue"),
        )
    )


def test_refusals(prod, monkeypatch) -> None:
    ann, a = client(prod, "ann"), client(prod, "boss_a")
    base = {"design": str(prod.design), "quantity": 10, "place": "Lyon", "materials": "petg"}
    bad = ann.post("/api/production/requests", json={**base, "design": "no-such-design",
                                                      "quantity": 0, "budget": "-5",
                                                      "currency": "EUR"})  # fmt: skip
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"design", "quantity", "budget"} <= fields
    absurd = ann.post("/api/production/requests", json={**base, "quantity": 10**9})
    assert absurd.status_code == 422
    money = ann.post("/api/production/requests", json={**base, "budget": "100", "currency": "EUX"})
    assert money.status_code == 422 and money.json()["errors"][0]["field"] == "currency"
    anon = TestClient(create_app(store=prod.store))
    assert anon.post("/api/production/requests", json=base).status_code == 401
    req = ann.post("/api/production/requests", json=base).json()
    neg = a.post(f"/api/production/requests/{req['id']}/quotes", json={
        "facility": prod.lab_a, "lines": [{"item": "x", "amount": "-1"}], "currency": "ZZZ",
        "lead_days": 5})  # fmt: skip
    assert neg.status_code == 422
    assert {e["field"] for e in neg.json()["errors"]} == {"lines.0.amount", "currency"}
    not_mine = a.post(f"/api/production/requests/{req['id']}/quotes", json={
        "facility": prod.lab_b, "lines": [{"item": "x", "amount": "1"}], "currency": "EUR",
        "lead_days": 5})  # fmt: skip
    assert not_mine.status_code == 403
    q = a.post(f"/api/production/requests/{req['id']}/quotes", json={
        "facility": prod.lab_a, "lines": [{"item": "x", "amount": "10"}], "currency": "EUR",
        "lead_days": 5}).json()  # fmt: skip
    oid = ann.post(f"/api/production/quotes/{q['id']}/accept").json()["id"]
    # attachments: a hostile type refused in the worker, an oversized one before reading on
    hostile = a.post(
        f"/api/orders/{oid}/messages",
        data={"body": "see"},
        files={"file": ("photo.png", b"<html><script>alert(1)</script>", "image/png")},
    )
    assert hostile.status_code == 422 and "markup" in hostile.json()["detail"]
    exe = a.post(f"/api/orders/{oid}/messages", files={"file": ("x.pdf", b"MZ\x90\x00" * 10)})
    assert exe.status_code == 422
    monkeypatch.setenv("REFAIRE_MAX_UPLOAD_MB", "0.001")
    big = a.post(f"/api/orders/{oid}/messages", files={"file": ("big.txt", b"a" * 5000)})
    assert big.status_code == 413
    monkeypatch.delenv("REFAIRE_MAX_UPLOAD_MB")
    ok = a.post(
        f"/api/orders/{oid}/messages",
        data={"body": "drawing attached"},
        files={"file": ("plan.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", "application/pdf")},
    )
    assert ok.status_code == 201, ok.text
    files = ann.get(f"/api/orders/{oid}")
    mid = files.json()["messages"][-1]["id"]
    got = ann.get(f"/api/orders/{oid}/messages/{mid}/file")
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert "attachment" in got.headers["content-disposition"]
    assert client(prod, "nosy").get(f"/api/orders/{oid}/messages/{mid}/file").status_code == 404
    # cancelling needs a reason; nothing is half-written on refusal
    assert a.post(f"/api/orders/{oid}/transition", json={"to": "cancelled"}).status_code == 422
    assert ann.get(f"/api/orders/{oid}").json()["state"] == "accepted"
    cancelled = ann.post(
        f"/api/orders/{oid}/transition", json={"to": "cancelled", "note": "changed my mind"}
    )
    assert cancelled.json()["state"] == "cancelled" and cancelled.json()["cancelled_by"] == "buyer"
    assert ann.post(f"/api/orders/{oid}/reviews", json={"rating": 3}).status_code == 409
    assert ann.post("/api/offers", json=offer_body(prod)).status_code == 422  # not her facility
    bad_offer = a.post("/api/offers", json=offer_body(prod, price_breaks=[
        {"min_qty": 5, "unit_price": "0"}], currency="EURO"))  # fmt: skip
    assert {e["field"] for e in bad_offer.json()["errors"]} == {
        "price_breaks.0.unit_price",
        "currency",
    }
    from_five = a.post("/api/offers", json=offer_body(prod, price_breaks=[
        {"min_qty": 5, "unit_price": "3"}]))  # fmt: skip
    assert [e["field"] for e in from_five.json()["errors"]] == ["price_breaks"]


def test_concurrent_moves_lose_nothing(prod) -> None:
    """Eight threads try the same move: exactly one wins, the rest get 409; the event log
    has one row per successful move."""
    from refaire.production import quotes
    from refaire.production import requests as rq

    ann, boss = prod.actors["ann"], prod.actors["boss_a"]
    req = rq.create_request(prod.store, ann, {"design": prod.design, "quantity": 2,
                                              "place": "Lyon", "materials": "petg"})  # fmt: skip
    q = quotes.submit_quote(prod.store, boss, req["id"], {
        "facility": prod.lab_a, "lines": [{"item": "x", "amount": "3"}], "currency": "EUR",
        "lead_days": 2})  # fmt: skip
    oid = orders.accept_quote(prod.store, ann, q["id"])["id"]
    wins, refusals = [], []

    def move() -> None:
        try:
            orders.transition(prod.store, boss, oid, "in_production")
            wins.append(1)
        except ProductionError as exc:
            refusals.append(exc.status)

    threads = [threading.Thread(target=move) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1 and refusals == [409] * 7
    events = orders.order_detail(prod.store, ann, oid)["events"]
    assert [e["to_state"] for e in events] == ["accepted", "in_production"]


def test_observatory_counts_offers_practice(prod) -> None:
    from refaire.observatory.figures import dashboard
    from refaire.production import offers
    from refaire.production.figures import production_figures

    offers.create_offer(prod.store, prod.actors["boss_a"], offer_body(prod))
    with prod.store.engine.connect() as conn:
        figures = production_figures(conn)
    assert figures["offers"] == 1 and figures["orders"] == 0
    assert figures["by_month"][0]["offers"] == 1
    assert json.dumps(figures)  # JSON-ready
    d = dashboard(prod.store, with_coverage=False)
    practice = {p["practice"]: p for p in d["practices"]}["offers"]
    assert practice == {"practice": "offers", "count": 1, "not_computed": None}
    assert d["production"]["offers"] == 1


def test_a_design_of_unknown_needs_lists_nearby_places_to_ask_never_as_capable(prod) -> None:
    """Nobody is known to make a design whose parts do not say what they need: routing
    lists the nearest places as "unknown" (after any stated or probable one), "all capable"
    sends to none of them and says why, and the requester may still ask one by choice."""
    from refaire.ingest.runner import import_bytes

    import_bytes(
        prod.store,
        "upload:okh.toml",
        b"""okhv = "OKH-LOSHv1.0"
name = "Mystery gadget"
repo = "https://example.org/mystery"
license = "CERN-OHL-S-2.0"
function = "Something whose parts say nothing of how they are made."

[[part]]
name = "thing"
""",
    )
    ann = client(prod, "ann")
    designs = ann.get("/api/designs", params={"q": "Mystery gadget"}).json()["items"]
    r = ann.post("/api/production/requests", json={
        "design": str(designs[0]["id"]), "quantity": 1, "place": "Lyon", "radius_km": 30,
        "visibility": "recipients"})  # fmt: skip
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["capable"] and {c["basis"] for c in req["capable"]} == {"unknown"}
    every = ann.post(f"/api/production/requests/{req['id']}/send", json={"send_to": "all"})
    assert every.status_code == 422
    assert "not known" in every.text and "widen the radius" not in every.text
    one = req["capable"][0]["target"]
    sent = ann.post(f"/api/production/requests/{req['id']}/send", json={"send_to": [one]})
    assert sent.status_code == 200 and sent.json()["added"] == 1
