"""Refusals of the quote, manage and admin pages in the reader's language: the services say
them once as `refaire.said.Said` (English for the API and the CLI), the pages word them in
French on French pages. One test per page family, and one over the catalogue."""

from __future__ import annotations

import ast
import json
import re
import string
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _people import csrf_from
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
FAMILIES = ("manage.err.", "manage.what.", "quote.err.", "peers.err.", "people.err.")


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
    assert sum(k.startswith(FAMILIES) for k in keys) > 80  # the refusals of these pages
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
