"""Refusals of the quote, manage, admin and production pages, "not found" messages and the
problems of measured files in the reader's language: the services say them once as
`refaire.said.Said` (English for the API and the CLI), the pages word them in French on
French pages. One test per page family, and one over the catalogue."""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _people import csrf_from, sign_in
from _production_scenario import build
from refaire.app import create_app
from refaire.ingest.runner import import_sources
from refaire.people import cli_actor
from refaire.people.sessions import COOKIE, create_session
from refaire.people.users import create_user
from refaire.store.facilities import get_facility

SRC = Path(__file__).resolve().parents[1] / "src" / "refaire"
LOCALES = SRC / "web" / "locales"
MESH = Path(__file__).resolve().parent / "fixtures" / "meshes" / "tw4_filter_clamp.stl"
LAB_KEY = "fablabs-iopa:b18990ff-18f8-4270-93d1-d91f6628fd3d"  # YOUFACTORY, Villeurbanne
FAMILIES = ("manage.err.", "manage.what.", "quote.err.", "peers.err.", "people.err.", "prod.err.",
            "prod.what.", "err.", "geom.")


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_said_key_is_in_both_catalogues_with_the_same_values() -> None:
    en = json.loads((LOCALES / "en.json").read_text(encoding="utf-8"))
    fr = json.loads((LOCALES / "fr.json").read_text(encoding="utf-8"))
    keys, prefixes = set(), set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("Said", "SaidError"):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    keys.add(first.value)
                elif isinstance(first, ast.JoinedStr):  # f"manage.err.{kind}_unknown"
                    prefixes.add(first.values[0].value)
    assert sum(k.startswith(FAMILIES) for k in keys) > 180  # the refusals of these pages
    assert {"prod.err.move_refused", "err.no_order", "err.no_claim", "geom.err.not_mesh"} <= keys
    assert sorted(k for k in keys if k not in en) == []
    assert sorted(k for k in keys if k not in fr) == []
    for p in prefixes:
        assert any(k.startswith(p) for k in en) and any(k.startswith(p) for k in fr), p
    # a French text that names other values than the English one would fail to format
    for key in (k for k in en if k.startswith(FAMILIES)):
        assert key in fr, key
        assert _fields(en[key]) == _fields(fr[key]), key


@pytest.fixture
def site(sqlite_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    import_sources(sqlite_store, [str(fixtures / "facilities" / "fablabs-iopa-lyon.json")])
    sqlite_store.lab_id = get_facility(sqlite_store, LAB_KEY)[0]
    return sqlite_store


def _client(store, email: str | None = None, admin: bool = False) -> TestClient:
    client = TestClient(create_app(store=store), follow_redirects=False)
    if email:
        user = create_user(store, email, "correct horse battery staple 42",
                           by=cli_actor(store, None), verified=True, is_admin=admin)  # fmt: skip
        client.cookies.set(COOKIE, create_session(store, user["id"]))
    return client


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page)[1]


def test_quote_page_refusals_in_french(site) -> None:
    client = _client(site)
    token = csrf_from(client, "/quote")
    files = {"file": ("clamp.stl", MESH.read_bytes())}
    fr = client.post("/quote?lang=fr", files=files, data={"material": "gold", "csrf_token": token})
    assert fr.status_code == 422
    assert "matériau inconnu &#39;gold&#39;" in fr.text and "unknown material" not in fr.text
    en = client.post("/quote?lang=en", files=files, data={"material": "gold", "csrf_token": token})
    assert "unknown material &#39;gold&#39;: known are" in en.text
    nowhere = {"material": "pla", "facility_id": "no-such-lab", "csrf_token": token}
    fr = client.post("/quote?lang=fr", files=files, data=nowhere)
    assert fr.status_code == 404 and "aucun lieu n’a l’identifiant ou la clé" in fr.text
    # the API keeps the English sentence
    api = client.post("/api/quote", files=files, data={"material": "gold"})
    assert api.status_code == 422 and "unknown material 'gold'" in api.json()["detail"]


def test_manage_page_refusals_in_french(site) -> None:
    fid = site.lab_id
    bob = _client(site, "bob@example.org")
    refused = bob.get(f"/manage/facilities/{fid}?lang=fr")
    assert refused.status_code == 403
    assert "seuls les gestionnaires de YOUFACTORY" in refused.text and "only the managers" not in refused.text
    admin = _client(site, "admin@example.org", admin=True)
    page = admin.get(f"/manage/facilities/{fid}/machines/new?lang=fr&text=Thing").text
    bad = admin.post(f"/manage/facilities/{fid}/machines?lang=fr", data={
        "csrf_token": _csrf(page), "model": "Thing", "process": "", "quantity": "0",
        "build_volume_mm": "10 x 10"})  # fmt: skip
    assert bad.status_code == 422
    assert "dites ce que fait la machine" in bad.text and "say what the machine does" not in bad.text
    assert "3 dimensions en mm attendues" in bad.text
    edit = admin.get(f"/manage/facilities/{fid}?lang=fr").text
    values = {"csrf_token": _csrf(edit), "time_zone": "Europe/Lyon", "weekly": "tue-sat 14:00-19:00",
              "closures": "", "url": "ftp://x", "access_type": "public", "description": "",
              "email": "", "phone": "", "currency": "eur", "hourly_rate_fdm": "-1"}  # fmt: skip
    wrong = admin.post(f"/manage/facilities/{fid}?lang=fr", data=values)
    assert wrong.status_code == 422
    assert "fuseau horaire IANA inconnu &#39;Europe/Lyon&#39;" in wrong.text
    assert "une adresse web commençant par http:// ou https:// est attendue" in wrong.text
    assert "unknown IANA time zone" not in wrong.text and "expected a web address" not in wrong.text
    english = admin.post(f"/manage/facilities/{fid}?lang=en", data=values)
    assert "unknown IANA time zone &#39;Europe/Lyon&#39;" in english.text
    # co-managers: an address nobody uses
    invite = admin.post(f"/manage/facilities/{fid}/managers?lang=fr",
                        data={"csrf_token": _csrf(edit), "email": "nobody@example.org"})  # fmt: skip
    assert invite.status_code in (404, 409, 422)
    assert "aucun compte n’utilise &#39;nobody@example.org&#39;" in invite.text


def test_admin_page_refusals_in_french(site) -> None:
    admin = _client(site, "admin@example.org", admin=True)
    audit = admin.get("/admin/audit?lang=fr&target=%3A%3A")
    assert audit.status_code == 400
    assert "TYPE ou TYPE:ID attendu" in audit.text and "expected TYPE" not in audit.text
    token = csrf_from(admin, "/admin/peers")
    peers = admin.post("/admin/peers?lang=fr", data={"csrf_token": token, "url": "x"})
    assert peers.status_code == 422
    assert "donnez l’URL de base http(s) du pair" in peers.text
    assert "give the peer" not in peers.text
    claims = _client(site, "carol@example.org").get("/manage/claims?lang=fr")
    assert claims.status_code == 403
    assert "seuls les administrateurs du site voient toutes les revendications" in claims.text
    design_claims = _client(site, "dave@example.org").get("/manage/design-claims?lang=fr")
    assert design_claims.status_code == 403
    assert "seuls les administrateurs du site voient les revendications de conceptions" in design_claims.text


@pytest.fixture
def prod(sqlite_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    return build(sqlite_store, fixtures)


def _member(prod, name: str) -> TestClient:
    client = TestClient(create_app(store=prod.store), follow_redirects=False)
    sign_in(client, prod.store, prod.users[name])
    return client


def _order(prod, ann: TestClient, boss: TestClient) -> str:
    """An accepted order of ann's, quoted by boss_a's lab: its page's path."""
    new = f"/production/requests/new?design={prod.design}"
    made = ann.post("/production/requests", data={
        "csrf_token": csrf_from(ann, new), "design": str(prod.design), "quantity": "10",
        "material": "petg", "place": "Lyon", "radius_km": "30"})  # fmt: skip
    path = made.headers["location"]
    ann.post(path + "/send", data={"csrf_token": csrf_from(ann, path), "to": f"facility:{prod.lab_a}"})
    boss.post(path + "/quotes", data={"csrf_token": csrf_from(boss, path), "facility": str(prod.lab_a),
                                      "item_0": "clamps", "amount_0": "12.50", "currency": "EUR",
                                      "lead_days": "5"})  # fmt: skip
    qid = re.search(r'id="quote-(\d+)"', ann.get(path).text)[1]
    accepted = ann.post(f"/production/quotes/{qid}/accept", data={"csrf_token": csrf_from(ann, path)})
    assert accepted.status_code == 303
    return accepted.headers["location"]


def test_production_page_refusals_in_french(prod) -> None:
    ann, boss = _member(prod, "ann"), _member(prod, "boss_a")
    new = f"/production/requests/new?design={prod.design}"
    bad = ann.post("/production/requests?lang=fr", data={
        "csrf_token": csrf_from(ann, new), "design": str(prod.design), "quantity": "abc",
        "deadline": "soon", "place": "Lyon", "budget": "12.345", "currency": "EUR"})  # fmt: skip
    assert bad.status_code == 422
    assert "&#39;abc&#39; n’est pas un nombre entier" in bad.text
    assert "&#39;soon&#39; n’est pas une date (AAAA-MM-JJ)" in bad.text
    assert "12.345 : deux décimales au plus" in bad.text
    assert "is not a whole number" not in bad.text and "at most two decimals" not in bad.text
    order = _order(prod, ann, boss)
    token = csrf_from(ann, order)
    wrong = ann.post(order + "/move?lang=fr", data={"csrf_token": token, "to": "received"})
    assert wrong.status_code == 409
    text = " ".join(wrong.text.split())
    assert ("reçue n’est pas permis depuis l’état acceptée ; permis depuis l’état acceptée : "
            "en fabrication (par vendeur), annulée (par acheteur ou vendeur)") in text
    assert "is not allowed from" not in text
    english = ann.post(order + "/move?lang=en", data={"csrf_token": token, "to": "received"})
    assert ("received is not allowed from accepted; allowed from accepted: in_production (by "
            "seller), cancelled (by buyer or seller)") in " ".join(english.text.split())
    why = ann.post(order + "/move?lang=fr", data={"csrf_token": token, "to": "cancelled"})
    assert why.status_code == 422 and "dites pourquoi la commande est annulée" in why.text
    early = ann.post(order + "/review?lang=fr", data={"csrf_token": token, "rating": "5"})
    assert early.status_code == 409
    assert "la commande est à l’état acceptée : les avis ouvrent une fois qu’elle est reçue" in early.text
    assert "reviews open once" not in early.text


def test_not_found_pages_in_french(prod) -> None:
    ann = _member(prod, "ann")
    for path, said in (("/orders/987654", "aucune commande 987654"),
                       ("/offers/987654", "aucune offre 987654"),
                       ("/production/requests/987654", "aucune demande 987654")):  # fmt: skip
        fr = ann.get(path + "?lang=fr")
        assert fr.status_code == 404 and said in fr.text, path
        assert "no order" not in fr.text and "no offer" not in fr.text and "no request" not in fr.text
    assert "no order 987654" in ann.get("/orders/987654?lang=en").text
    admin = TestClient(create_app(store=prod.store), follow_redirects=False)
    user = create_user(prod.store, "root@example.org", "correct horse battery staple 42",
                       by=cli_actor(prod.store, None), verified=True, is_admin=True)  # fmt: skip
    admin.cookies.set(COOKIE, create_session(prod.store, user["id"]))
    token = csrf_from(admin, "/admin/peers")
    claim = admin.post("/manage/claims/987654/approve?lang=fr", data={"csrf_token": token})
    assert claim.status_code == 404 and "aucune revendication n° 987654" in claim.text
    assert "no claim" not in claim.text


def test_measurement_problems_in_french(site) -> None:
    client = _client(site)
    token = csrf_from(client, "/quote")
    broken = b"solid x\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nendloop\nendfacet\nendsolid x\n"
    files = {"file": ("broken.stl", broken)}
    fr = client.post("/quote?lang=fr", files=files, data={"material": "pla", "csrf_token": token})
    assert fr.status_code == 422
    text = " ".join(fr.text.split())
    assert "le STL ASCII a 2 sommets, pas un multiple de 3 : facette tronquée ou mal formée" in text
    assert "truncated or malformed facet" not in text
    files = {"file": ("notes.stl", b"just some words, not a mesh at all")}
    fr = client.post("/quote?lang=fr", files=files, data={"material": "pla", "csrf_token": token})
    assert "STL binaire plus court que son en-tête de 84 octets (34 octets)" in fr.text
    en = client.post("/quote?lang=en", files=files, data={"material": "pla", "csrf_token": token})
    assert "binary STL shorter than its 84-byte header (34 bytes)" in en.text
    # the API keeps the English sentence and says which message it is
    api = client.post("/api/mesh", files={"files": ("broken.stl", broken)})
    assert api.status_code == 200
    problem = api.json()[0]["problems"][0]
    assert problem["message"].startswith("ASCII STL has 2 vertices")
    assert problem["key"] == "geom.err.ascii_vertices"
