"""A profile's town is the default place of the match and quote forms (issue 11)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from _people import make_user, sign_in
from refaire.app import create_app
from refaire.ingest.runner import import_sources
from refaire.people.auth import actor_for_user
from refaire.people.profile import update_profile


def test_the_profile_town_is_the_default_place(sqlite_store, fixtures) -> None:
    store = sqlite_store
    import_sources(store, [str(fixtures / "okh")])
    member = make_user(store, "lyon-member@example.org")
    update_profile(
        store, member["id"], {"town": "Lyon", "country": "FR"},
        by=actor_for_user(store, member, via="session"),
    )  # fmt: skip
    client = TestClient(create_app(store=store))
    visitor = client.get("/designs/1/match?lang=en")
    assert "Lyon, FR" not in visitor.text  # nobody signed in: no place is assumed
    sign_in(client, store, member)
    page = client.get("/designs/1/match?lang=en")
    assert page.status_code == 200 and "Near Lyon, FR" in page.text
    assert 'value="Lyon, FR"' in client.get("/quote?lang=en").text
    # a place that is asked for wins over the profile's
    other = client.get("/designs/1/match", params={"near": "48.853,2.349", "lang": "en"})
    assert "Near Lyon, FR" not in other.text
