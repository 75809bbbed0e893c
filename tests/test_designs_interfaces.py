"""Designs through the CLI, the JSON API and the web pages, over the bundled sample data."""

from __future__ import annotations

import json
import os

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli
from refaire.store.design_search import search_designs

runner = CliRunner()


@pytest.fixture(scope="module")
def client(sample_store):
    return TestClient(create_app(store=sample_store))


def _db(store) -> list[str]:
    return ["--db", store.url]


def _jubilee_id(store) -> int:
    items = search_designs(store, q="jubilee")["items"]
    return next(i["id"] for i in items if i["name"] == "Jubilee")


def test_demo_sample_imports_hundreds_of_designs(sample_store):
    s = sample_store.import_summary
    assert s.designs >= 280
    assert s.rejected >= 2  # the empty and broken v1 manifests of the sample are reported
    rejected = {p.source.rsplit("/", 1)[-1] for p in s.problems if p.severity == "error"}
    assert "makersmakingchange+Switch-Modifier__OKH-Device-Name.yml" in rejected  # empty file


def test_cli_list_json_shape_and_facets(sample_store):
    out = runner.invoke(cli, ["designs", "list", "--q", "solar", "--json", *_db(sample_store)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["total"] > 0 and data["total"] == search_designs(sample_store, q="solar")["total"]
    assert {"id", "name", "licence", "sectors"} <= set(data["items"][0])
    assert set(data["facets"]) >= {"openness", "sector", "readiness", "language", "platform"}
    assert all("solar" in (i["name"] + i["function"]).lower() or i["id"] for i in data["items"])


def test_cli_list_filters_by_facet(sample_store):
    out = runner.invoke(
        cli, ["designs", "list", "--openness", "permissive", "--json", *_db(sample_store)]
    )
    data = json.loads(out.stdout)
    assert data["total"] > 0
    assert all(i["openness"] == "permissive" for i in data["items"])


def test_cli_show_json_has_everything(sample_store):
    did = _jubilee_id(sample_store)
    out = runner.invoke(cli, ["designs", "show", str(did), "--json", *_db(sample_store)])
    assert out.exit_code == 0, out.output
    d = json.loads(out.stdout)
    assert d["name"] == "Jubilee"
    assert d["licence"]["expression"] == "CC-BY-4.0"
    assert d["technology_readiness"] == "OTRL-4"
    assert d["dimensions"]["width"] == 560
    assert d["provenance"]["format"] == "okh-losh"
    assert d["provenance"]["text"].startswith('okhv = "OKH-LOSHv1.0"')
    assert len(d["provenance"]["checksum"]) == 64
    assert "B33Y" in " ".join(d["cpc"])


def test_cli_show_unknown_id_is_a_clear_error(sample_store):
    out = runner.invoke(cli, ["designs", "show", "999999", *_db(sample_store)])
    assert out.exit_code == 1
    assert "no design with id or key '999999'" in out.output


def test_api_search_facets_pagination(client, sample_store):
    r = client.get("/api/designs", params={"q": "water", "limit": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == search_designs(sample_store, q="water")["total"]
    assert len(body["items"]) == min(5, body["total"])
    page2 = client.get("/api/designs", params={"q": "water", "limit": 5, "offset": 5}).json()
    assert not {i["id"] for i in page2["items"]} & {i["id"] for i in body["items"]}
    assert client.get("/api/designs", params={"limit": 0}).status_code == 422


def test_api_detail_and_404(client, sample_store):
    did = _jubilee_id(sample_store)
    assert client.get(f"/api/designs/{did}").json()["name"] == "Jubilee"
    r = client.get("/api/designs/999999")
    assert r.status_code == 404 and "no design" in r.json()["detail"]


def test_api_exports_one_design(client, sample_store):
    did = _jubilee_id(sample_store)
    toml = client.get(f"/api/designs/{did}/export", params={"format": "okh-toml"})
    assert toml.status_code == 200 and 'name = "Jubilee"' in toml.text
    ttl = client.get(f"/api/designs/{did}/export", params={"format": "ttl"}).text
    assert "http://w3id.org/oseg/ont/okh#" in ttl
    original = client.get(f"/api/designs/{did}/export", params={"format": "original"}).text
    assert "cube(size = [560,480,610])" in original
    assert client.get(f"/api/designs/{did}/export", params={"format": "pdf"}).status_code == 400


def test_openapi_description(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/designs" in spec["paths"] and "/api/import" in spec["paths"]


def test_api_import_needs_the_token(sample_store, tmp_path, monkeypatch):
    from refaire.store import open_store

    store = open_store(str(tmp_path / "w.db"))
    c = TestClient(create_app(store=store))
    manifest = b'okhv = "OKH-LOSHv1.0"\nname = "Upload test"\nrepo = "https://example.org/up"\nlicense = "MIT"\n'
    monkeypatch.delenv("REFAIRE_ADMIN_TOKEN", raising=False)
    assert c.post("/api/import", files={"files": ("okh.toml", manifest)}).status_code == 401
    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", "s3cret")
    bad = c.post(
        "/api/import",
        files={"files": ("okh.toml", manifest)},
        headers={"Authorization": "Bearer nope"},
    )
    assert bad.status_code == 401
    ok = c.post(
        "/api/import",
        files=[("files", ("okh.toml", manifest)), ("files", ("broken.toml", b"name = [unclosed"))],
        headers={"Authorization": "Bearer s3cret"},
    )
    body = ok.json()
    assert (body["imported"], body["rejected"]) == (1, 1)
    assert any(
        p["source"].endswith("broken.toml") and p["severity"] == "error" for p in body["problems"]
    )
    assert c.get("/api/designs", params={"q": "upload"}).json()["total"] == 1


def test_web_pages_in_both_languages(client, sample_store):
    home = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert home.status_code == 200 and 'lang="fr"' in home.text
    assert "conceptions ouvertes" in home.text
    assert 'lang="en"' in client.get("/?lang=en").text
    listing = client.get("/designs", params={"q": "solar", "lang": "en"})
    assert "Licence openness" in listing.text
    did = _jubilee_id(sample_store)
    page = client.get(f"/designs/{did}", params={"lang": "fr"})
    assert page.status_code == 200
    assert "Jubilee" in page.text and "Filiation" in page.text and "CC-BY-4.0" in page.text
    assert client.get("/designs/999999").status_code == 404


def test_web_facet_links_filter(client):
    page = client.get("/designs", params={"openness": "permissive", "lang": "en"})
    assert 'aria-pressed="true"' in page.text


def test_language_cookie_is_remembered(client):
    r = client.get("/designs?lang=fr")
    assert r.cookies.get("lang") == "fr" or "lang=fr" in r.headers.get("set-cookie", "")


@pytest.mark.skipif(not os.environ.get("REFAIRE_TEST_POSTGRES_URL"), reason="needs PostgreSQL")
def test_import_into_postgresql(any_store, fixtures):
    from refaire.cli.serve import SAMPLE
    from refaire.ingest.runner import import_sources

    if any_store.dialect != "postgresql":
        pytest.skip("covered by the SQLite fixture")
    s = import_sources(any_store, [str(SAMPLE / "okh" / "manually-created")])
    assert s.designs >= 20
    again = import_sources(any_store, [str(SAMPLE / "okh" / "manually-created")])
    assert again.imported == 0 and again.updated == s.designs
    assert search_designs(any_store, q="farmbot")["total"] >= 1


def test_every_normalisation_rule_of_the_sample_is_worded_in_both_languages(sample_store) -> None:
    from refaire.store.designs import iter_designs
    from refaire.web.i18n import catalogue
    from refaire.web.labels import facet_label

    rules = {n.rule for _id, d in iter_designs(sample_store) for n in d.notes}
    assert len(rules) > 10
    for rule in rules:
        for part in rule.split("+"):
            name = part.partition(":")[0]
            assert f"note.rule.{name}" in catalogue("en"), rule
            assert f"note.rule.{name}" in catalogue("fr"), rule
    assert facet_label("rule", "typo+legacy-losh", "fr") == (
        "faute de frappe corrigée + ancienne valeur OKH-LOSH convertie"
    )
    assert facet_label("rule", "alias:es", "en") == "vocabulary synonym (es)"
    assert facet_label("rule", "made-up-rule", "fr") == "made-up-rule"
