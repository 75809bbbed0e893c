"""Junk in the address of every page, on SQLite and PostgreSQL: an HTML page with a 2xx or
a 4xx and a sentence, never a 500 or a JSON error.

The routes are read from the web router (a new page is checked without editing this
file); each query parameter it declares, and those a page reads itself, get each junk value.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

JUNK = (
    "",
    "abc",
    "9223372036854775808",
    "-9223372036854775809",
    "1e400",
    "nan",
    "\x00",
    "%00",
    "a\x00b",
    "\u202e\U0001f600",
    "x" * 3000,
)
# parameters the pages read from request.query_params without declaring them
UNDECLARED = {"/quote": ("design", "facility_id", "material", "qty", "thickness", "near")}
PATH_VALUES = (
    "1",
    "999999",
    "2147483648",
    "9223372036854775808",
    "²",
    "a\x00b",
    "..%2F..%2Fetc",
    "x" * 500,
)


def _routes(routes) -> list[APIRoute]:
    """Every APIRoute under a router, through included routers whatever FastAPI's nesting."""
    found = []
    for r in routes:
        if isinstance(r, APIRoute):
            found.append(r)
        elif hasattr(r, "original_router"):
            found.extend(_routes(r.original_router.routes))
    return found


def _page_routes() -> list[APIRoute]:
    from refaire.web import router

    return [r for r in _routes(router.routes) if "GET" in r.methods]


@pytest.fixture
def client(any_store, fixtures):
    from refaire.app import create_app
    from refaire.ingest.runner import import_sources

    import_sources(any_store, [str(fixtures / "okh"), str(fixtures / "facilities")])
    return TestClient(create_app(store=any_store), raise_server_exceptions=False)


def _check(r) -> None:
    where = f"GET {r.request.url}"
    assert r.status_code < 500, f"{where}: {r.status_code}"
    assert r.headers["content-type"].startswith("text/html"), f"{where}: {r.text[:200]}"
    if r.status_code >= 400:
        assert "<h1>" in r.text, where


def test_every_page_survives_junk_parameters(client):
    routes = _page_routes()
    assert len(routes) >= 9  # home, designs, design, match, facilities, facility, map, obs, signals
    seen = 0
    for route in routes:
        params = [p.name for p in route.dependant.query_params] + list(
            UNDECLARED.get(route.path, ())
        )
        path_names = [p.name for p in route.dependant.path_params]
        base = route.path.replace("{ident:path}", "{ident}")
        for value in PATH_VALUES if path_names else ("",):
            url = base
            for name in path_names:
                url = url.replace("{" + name + "}", quote(value, safe=""))
            _check(client.get(url))
            seen += 1
        url = base.replace("{ident}", "1")
        for name in [*params, "lang"]:
            for value in JUNK:
                _check(client.get(url, params={name: value}))
                seen += 1
    assert seen > 300


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/facilities?page=9223372036854775808", 422, "page"),
        ("/designs?page=abc", 422, "page"),
        ("/designs/a%00b", 400, "path"),
        ("/observatory/signals?tag=a%00", 400, "tag"),
        ("/quote?facility_id=1%00", 400, "facility_id"),
    ],
)
def test_a_bad_address_names_the_parameter_in_the_page_language(client, url, status, field):
    r = client.get(url, headers={"Accept-Language": "fr"})
    assert r.status_code == status
    assert "Certaines valeurs de l’adresse sont inutilisables" in r.text
    assert f"<code>{field}</code>" in r.text


def test_a_missing_page_is_a_page(client):
    r = client.get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "There is no page at this address." in r.text
    # the API keeps answering JSON
    assert client.get("/api/no/such").json() == {"detail": "Not Found", "errors": []}


def test_nul_in_page_forms_is_refused_before_the_store(client, any_store):
    from _people import csrf_from, make_user, sign_in

    sign_in(client, any_store, make_user(any_store, "admin-nul@example.org", admin=True))
    token = csrf_from(client, "/observatory/signals")
    form = {"title": "a\x00b", "url": "https://example.org", "published": "2026-01-01"}
    r = client.post("/observatory/signals", data={**form, "csrf_token": token})
    assert r.status_code == 400 and "<code>title</code>" in r.text
    r = client.post(
        "/quote",
        data={"csrf_token": token, "material": "pla", "facility_id": "1\x00"},
        files={"file": ("part.stl", b"solid x\nendsolid x\n")},
    )
    assert r.status_code == 400 and "<code>facility_id</code>" in r.text
    assert client.get("/api/signals").json()["total"] == 0
