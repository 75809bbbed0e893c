"""French, Spanish and German searches find designs described in English (and back), through
the glossary, Snowball stems and accent folding of `refaire.text_expand`."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from refaire.app import create_app
from refaire.model.design import Design
from refaire.store.design_search import search_designs
from refaire.text import words
from refaire.text_expand import query_groups

SIX = [
    ("lampe", "lamp"),
    ("tabouret", "stool"),
    ("éolienne", "wind turbine"),
    ("chaise", "chair"),
    ("prothèse", "prosthetic"),
    ("imprimante 3D", "3d printer"),
]


ENGLISH = [
    Design("t:lamp", "Bedside lamp", "test", function="A reading lamp with a hinged arm."),
    Design("t:stool", "Three-legged stool", "test", function="A stool cut from one plywood sheet."),
    Design("t:wind", "Small wind turbine", "test", function="A 500 W turbine for a farm."),
    Design("t:chair", "Folding chair", "test", function="A chair that folds flat."),
    Design("t:hand", "Prosthetic hand", "test", function="A body-powered hand prosthesis."),
    Design("t:printer", "Open 3D printer frame", "test", function="Frame of a 3D printer."),
    # distractors: words that share letters with the expansions but mean something else
    Design("t:table", "Picnic table", "test", function="A table with benches."),
    Design("t:hook", "Bag hook", "test", function="Hangs an IV bag from a hockey stick."),
    Design("t:wine", "Wine rack", "test", function="A rack for bottles."),
]


@pytest.fixture(scope="module")
def english_store(tmp_path_factory):
    from refaire.store import open_store
    from refaire.store.designs import save_designs

    store = open_store(str(tmp_path_factory.mktemp("bilingual") / "designs.db"))
    save_designs(store, ENGLISH)
    yield store
    store.close()


def _keys(store, q: str, limit: int = 10) -> list[str]:
    items = search_designs(store, q, limit=limit, with_facets=False)["items"]
    return [i["key"] for i in items]


@pytest.mark.parametrize(
    ("french", "key"),
    [
        ("lampe", "t:lamp"),
        ("tabouret", "t:stool"),
        ("éolienne", "t:wind"),
        ("chaise", "t:chair"),
        ("prothèse", "t:hand"),
        ("imprimante 3D", "t:printer"),
    ],
)
def test_the_six_french_words_find_the_english_design_and_only_it(english_store, french, key):
    assert _keys(english_store, french) == [key]


def test_the_six_words_expand_to_their_english_words():
    for french, english in SIX:
        alternatives = {" ".join(a) for g in query_groups(french) for a in g}
        assert english in alternatives or english.split()[-1] in alternatives, french


def test_english_finds_french_and_stems_find_plurals():
    assert ("lampe",) in query_groups("lamp")[0]
    assert ("chais",) in query_groups("chaises")[0]  # French stem: "chaises" finds "chaise"
    assert query_groups("Éolienne")[0][0] == ("eolienne",)  # accents and case folded


def test_web_and_api_search_in_french(sample_store):
    client = TestClient(create_app(store=sample_store))
    api = client.get("/api/designs", params={"q": "prothèse"}).json()
    assert any("Prosthetic" in i["name"] for i in api["items"])
    page = client.get("/designs", params={"q": "fauteuil roulant", "lang": "fr"})
    assert "Wheelchair" in page.text


def _recall_at_10(store, queries: list[dict]) -> float:
    hits = total = 0
    for item in queries:
        keys = {
            i["key"] for i in search_designs(store, item["q"], limit=10, with_facets=False)["items"]
        }
        relevant = set(item["relevant"])
        hits += len(keys & relevant)
        total += min(len(relevant), 10)
    return hits / total


def test_recall_at_10_on_labelled_queries(sample_store, fixtures, monkeypatch, capsys):
    queries = json.loads((fixtures / "search_labelled.json").read_text(encoding="utf-8"))["queries"]
    expanded = _recall_at_10(sample_store, queries)
    import refaire.store.postings as postings

    monkeypatch.setattr(
        postings, "query_groups", lambda q: [[(w,)] for w in dict.fromkeys(words(q))]
    )
    plain = _recall_at_10(sample_store, queries)
    with capsys.disabled():
        print(
            f"\nrecall@10 over {len(queries)} labelled queries: expanded {expanded:.2f}, words only {plain:.2f}"
        )
    assert expanded >= 0.9
    assert plain < expanded


def test_an_empty_result_names_the_words_tried_and_offers_sectors(sample_store):
    client = TestClient(create_app(store=sample_store))
    page = client.get("/designs", params={"q": "tabouret", "lang": "fr"})
    assert "Aucune conception ne correspond" in page.text
    assert "<q>stool</q>" in page.text and "<q>tabouret</q>" in page.text
    assert page.text.count('class="tag sector" href="/designs?sector=') >= 3
    found = client.get("/designs", params={"q": "lampe", "lang": "fr"})
    assert 'id="search-tried"' not in found.text
