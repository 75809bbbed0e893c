"""Every string of a page in the page's language: locale completeness, plurals, unit names,
and the not-found page (HTML in the reader's language for browsers, JSON for the API)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from refaire.app import create_app
from refaire.geometry.units import MM_PER_UNIT
from refaire.web.i18n import translate

WEB = Path(__file__).resolve().parents[1] / "src" / "refaire" / "web"
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]+)["']\s*[,)]""")


def _catalogue(lang: str) -> dict[str, str]:
    return json.loads((WEB / "locales" / f"{lang}.json").read_text(encoding="utf-8"))


def test_every_key_a_template_or_page_uses_has_english_and_french():
    en, fr = _catalogue("en"), _catalogue("fr")
    sources = [*(WEB / "templates").glob("*.html"), *WEB.glob("*.py")]
    used = {
        (p.name, k) for p in sources for k in LITERAL_KEY.findall(p.read_text(encoding="utf-8"))
    }
    assert len(used) > 200  # the pattern really reads the templates
    missing = sorted(f"{name}: {key}" for name, key in used if not en.get(key) or not fr.get(key))
    assert not missing, missing


def test_every_english_message_has_a_french_one():
    en, fr = _catalogue("en"), _catalogue("fr")
    assert sorted(k for k in en if not fr.get(k)) == []
    assert sorted(k for k in fr if k not in en) == []


def test_counts_agree_with_their_noun():
    assert translate("fr", "obs.signals.count", n=1) == "1 signal"
    assert translate("fr", "obs.signals.count", n=0) == "0 signal"
    assert translate("fr", "obs.signals.count", n=3) == "3 signaux"
    assert translate("en", "obs.signals.count", n=0) == "0 signals"
    assert translate("fr", "match.plan.complete", n=1) == "Plan : 1 lieu fabrique toutes les pièces"
    assert "2 lieux fabriquent" in translate("fr", "match.plan.complete", n=2)
    for lang in ("en", "fr"):  # no "lieu(x)" or "person(s)" next to a count
        counted = [m for m in _catalogue(lang).values() if "{n}" in m]
        assert not [m for m in counted if re.search(r"\w\((s|x|es)\)", m)]


def test_unit_names_are_words_of_the_page_language():
    for unit in [*MM_PER_UNIT, "mm"]:
        assert translate("fr", f"quote.unit.{unit}") != f"quote.unit.{unit}"
    assert translate("fr", "quote.unit.millimeter") == "millimètres"


def test_unknown_urls_get_a_page_for_browsers_and_json_for_the_api(sqlite_store):
    client = TestClient(create_app(store=sqlite_store))
    page = client.get("/nulle-part?lang=fr", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in page.text and "Aucune page à cette adresse" in page.text
    english = client.get("/nowhere?lang=en")
    assert english.status_code == 404 and "There is no page at this address" in english.text
    api = client.get("/api/nowhere")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")
    assert "<html" not in api.text
    assert client.get("/static/nothing.css").headers["content-type"].startswith("application/json")


def test_unknown_design_and_place_pages_speak_the_page_language(sqlite_store):
    client = TestClient(create_app(store=sqlite_store))
    design = client.get("/designs/424242?lang=fr")
    assert design.status_code == 404 and "identifiant ou la clé « 424242 »" in design.text
    assert "refaire designs list" not in design.text  # no command-line hint on a web page
    place = client.get("/facilities/424242?lang=fr")
    assert place.status_code == 404 and "Aucun lieu" in place.text and "« 424242 »" in place.text
    api = client.get("/api/designs/424242")
    assert api.status_code == 404 and "detail" in api.json()
