"""Every string of a French page is French, refusals included: template text goes through
the catalogue, and the same mistake is worded in the page's language (never the English
exception text), on the forms of matching, facility search and signals and on not-found pages."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from _people import csrf_from, make_user, sign_in
from refaire.app import create_app
from refaire.store import open_store

TEMPLATES = Path(__file__).parents[1] / "src" / "refaire" / "web" / "templates"
LOCALES = TEMPLATES.parent / "locales"
# Text a template may hold as is: names, codes, units, formats and examples of syntax.
NOT_WORDS = {
    "Refaire", "API", "CPC", "TsDC", "OKH TOML", "JSON", "RDF Turtle", "CSV", "README:",
    "sha256:", "sha256", "mm", "cm³", "km", "FR", "fr, en", "id", "UTC", "Europe/Paris",
    "https://", "contact@", "user:", "user", "README", "user:3", "facility:12", "member@example.org",
    "CERN-OHL-S-2.0", "Lyon / 45.764,4.836", "Lyon / 48.853, 2.349",
    "mon-fri 09:00-18:00; sat 10:00-12:00 14:00-17:00", "OTRL", "https://example.org/okh-list.txt", "https://refaire.example", "OKH",
    "FR, BE", "Lyon", "petg",
}


def literal_text(source: str) -> list[str]:
    """The text of a template that no `t()` call produces: between tags and in the
    attributes people read (title, alt, placeholder, aria-label)."""
    s = re.sub(r"\{#.*?#\}", " ", source, flags=re.S)
    s = re.sub(r"<(script|style)\b.*?</\1>", " ", s, flags=re.S)
    s = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", "\n", s, flags=re.S)
    attrs = re.findall(r'\b(?:title|alt|placeholder|aria-label)="([^"]*)"', s)
    s = re.sub(r"<[^>]*>", "\n", s, flags=re.S)
    pieces = [html.unescape(x).strip().strip(" ·—–()✗:,") for x in re.split(r"\n", s) + attrs]
    return [p for p in pieces if re.search(r"[A-Za-z]{2,}", p) and p not in NOT_WORDS]


@pytest.mark.parametrize("template", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_hold_no_untranslated_words(template):
    assert literal_text((TEMPLATES / template).read_text(encoding="utf-8")) == []


def test_the_scan_finds_a_literal_word():
    assert literal_text('<p title="Close">{{ t("x") }} Save</p>') == ["Save", "Close"]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = open_store(str(tmp_path_factory.mktemp("fr") / "refaire.db"))
    yield TestClient(create_app(store=store))
    store.close()


def _alert(page: str) -> str:
    """The refusal a page shows: its alerts, else (a not-found page) its message."""
    found = re.findall(r'<p [^>]*role="alert"[^>]*>(.*?)</p>', page, re.S)
    found = found or re.findall(r"<main[^>]*>.*?<p[^>]*>(.*?)</p>", page, re.S)[:1]
    return html.unescape(re.sub(r"<[^>]+>", "", " | ".join(found)))


MISTAKES = [
    ("/designs/9999/match?near=Lyon&radius_km=abc", 400, "nombre de km"),
    ("/designs/9999/match?near=Lyon&radius_km=99999", 400, "entre 0 et"),
    ("/facilities?near=45.7,999", 400, "près de"),
    ("/facilities?radius_km=5", 400, "demande un lieu"),
    ("/facilities?process=juggling", 400, "procédé inconnu"),
    ("/facilities?country=FRA", 400, "code ISO à deux lettres"),
    ("/observatory/signals?sector=Z12", 400, "secteur inconnu"),
    ("/designs/9999", 404, "Aucune conception"),
]


@pytest.mark.parametrize(("url", "status", "french"), MISTAKES)
def test_a_mistake_is_worded_in_the_page_language(client, url, status, french):
    sep = "&" if "?" in url else "?"
    fr = client.get(url + sep + "lang=fr")
    en = client.get(url + sep + "lang=en")
    if url.startswith("/designs/9999/match"):
        # the design does not exist: the page says so, in French too
        assert fr.status_code == 404 and "Aucune conception" in fr.text
        return
    assert fr.status_code == status == en.status_code
    assert french in _alert(fr.text), _alert(fr.text)
    assert _alert(fr.text) != _alert(en.text)


def test_match_form_mistakes_on_a_real_design_are_french(sample_store):
    from refaire.store.design_search import search_designs

    client = TestClient(create_app(store=sample_store))
    did = search_designs(sample_store, limit=1)["items"][0]["id"]
    for query, french in (
        ("near=Lyon&radius_km=abc", "rayon : un nombre de km est attendu"),
        ("near=Lyon&radius_km=99999", "rayon : entre 0 et"),
        ("near=45.7,999", "coordonnées"),
    ):
        page = client.get(f"/designs/{did}/match?{query}&lang=fr")
        assert page.status_code == 400
        error = html.unescape(re.search(r'id="match-error">(.*?)</p>', page.text, re.S).group(1))
        assert french in error.lower() or french in error, error


def test_signal_form_errors_are_french(tmp_path):
    store = open_store(str(tmp_path / "refaire.db"))
    client = TestClient(create_app(store=store))
    sign_in(client, store, make_user(store, "admin@example.org", admin=True))
    token = csrf_from(client, "/observatory/signals?lang=fr")
    page = client.post(
        "/observatory/signals?lang=fr",
        data={"csrf_token": token, "title": "", "url": "ftp://x", "published": "2026-13-40",
              "sectors": "Z12", "practices": "juggling"},
    )
    assert page.status_code == 422
    errors = html.unescape(" | ".join(re.findall(r'class="field-error"[^>]*>(.*?)</p>', page.text)))
    for french in ("un titre est obligatoire", "une adresse http(s)", "une date AAAA-MM-JJ",
                   "secteur inconnu", "pratique inconnue"):
        assert french in errors, errors
    # the API keeps its English, field by field
    store.close()


def test_no_catalogue_key_shows_on_french_pages(sample_store):
    keys = set(json.loads((LOCALES / "en.json").read_text(encoding="utf-8")))
    client = TestClient(create_app(store=sample_store))
    from refaire.store.design_search import search_designs

    did = search_designs(sample_store, q="ohloom")["items"][0]["id"]
    for url in ("/", "/designs", f"/designs/{did}", f"/designs/{did}/match?near=Lyon",
                "/facilities", "/facilities/1", "/facilities/1/designs", "/map", "/quote",
                "/observatory/signals", "/nowhere"):
        text = re.sub(r"<[^>]+>", " ", client.get(url + ("&" if "?" in url else "?") + "lang=fr").text)
        shown = set(re.findall(r"\b[a-z_]+(?:\.[a-z_]+)+\b", text))
        assert not (shown & keys), (url, shown & keys)
