"""From a design to getting it made: match results lead to the place, its contact and a
quote there; the quote panel is for the place just chosen and warns when the nearest place
that can make everything is far."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from refaire.app import create_app
from refaire.store.design_search import search_designs
from refaire.web.pages_match import FAR_KM, quote_choice


def _m(fid: int, km: float, complete: bool) -> dict:
    return {"facility": {"id": fid, "name": f"P{fid}"}, "distance_km": km, "complete": complete}


def test_quote_choice_rules():
    near_partial, far_full, nearer_full = _m(1, 3, False), _m(2, 120, True), _m(3, 40, True)
    q = quote_choice([near_partial, far_full], None)
    assert q["match"] is far_full and q["far"] and q["nearest_capable"] is far_full
    q = quote_choice([near_partial, far_full, nearer_full], None)
    assert q["match"] is nearer_full and not q["far"]
    q = quote_choice([near_partial, nearer_full], 1)  # "quote here" on the partial one
    assert q["match"] is near_partial and not q["far"]
    q = quote_choice([near_partial], None)
    assert q["match"] is near_partial and q["far"] and q["nearest_capable"] is None
    assert quote_choice([], None)["match"] is None
    assert FAR_KM > 0


@pytest.fixture(scope="module")
def client(sample_store):
    return TestClient(create_app(store=sample_store))


def _ohloom(sample_store) -> int:
    return next(i["id"] for i in search_designs(sample_store, q="ohloom")["items"] if i["name"] == "OHLOOM")


def test_results_link_to_place_contact_and_quote_here(client, sample_store):
    did = _ohloom(sample_store)
    page = client.get(f"/designs/{did}/match", params={"near": "London", "lang": "fr"}).text
    first = re.search(r'<li data-facility="(\d+)".*?<p class="match-actions">(.*?)</p>', page, re.S)
    fid, actions = first.group(1), first.group(2)
    assert f'href="/facilities/{fid}">La page du lieu</a>' in actions
    assert "mailto:" in actions or "Site web" in actions
    assert f"quote_at={fid}#match-quote" in actions
    # the quote panel is for the chosen place, with the design kept
    panel = re.search(r'<section id="match-quote".*?</form>', page, re.S).group(0)
    assert f'name="facility_id" value="{fid}"' in panel and f'name="design" value="{did}"' in panel


def test_quote_here_switches_the_panel_and_warns_when_far(client, sample_store):
    did = _ohloom(sample_store)
    page = client.get(f"/designs/{did}/match", params={"near": "London"}).text
    ids = re.findall(r'<li data-facility="(\d+)"', page)
    assert len(ids) >= 2
    other = ids[1]
    page = client.get(f"/designs/{did}/match", params={"near": "London", "quote_at": other}).text
    panel = re.search(r'<section id="match-quote".*?</form>', page, re.S).group(0)
    assert f'name="facility_id" value="{other}"' in panel
    # around Lyon no place within 50 km can make all of it: the page says so
    lyon = client.get(f"/designs/{did}/match", params={"near": "Lyon", "lang": "fr"}).text
    assert 'id="far-warning"' in lyon and "Aucun lieu à moins de 50 km" in lyon
