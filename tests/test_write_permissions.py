"""Every writing route, for every role: the expected status of `_write_route_cases.CASES`.

Enumerates the app's routes, so a POST/PUT/PATCH/DELETE route without a case fails here
(and so does a case whose route no longer exists). Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from _people import csrf_from, make_user, sign_in
from _write_route_cases import CASES, MANIFEST, ROLES
from refaire.app import create_app
from refaire.ingest.runner import import_bytes, import_sources
from refaire.people import OPERATOR
from refaire.people.auth import actor_for_user
from refaire.people.roles import add_manager
from refaire.people.tokens import create_token
from refaire.store.tables import designs, facilities

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def writing_routes() -> set[tuple[str, str]]:
    app = create_app(store=SimpleNamespace())  # routes only: no request is served
    try:  # FastAPI >= 0.16x keeps included routers lazily: walk them with their prefixes
        from fastapi.routing import iter_route_contexts

        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = [r for r in app.routes if isinstance(r, APIRoute)]
    return {
        (method, route.path)
        for route in routes
        for method in (getattr(route, "methods", None) or set()) & WRITES
    }


def test_every_writing_route_has_a_case() -> None:
    routes = writing_routes()
    cased = {(c.method, c.route) for c in CASES}
    missing = sorted(routes - cased)
    assert not missing, (
        f"writing routes with no permission case in _write_route_cases.py: {missing}"
    )
    stale = sorted(cased - routes)
    assert not stale, f"cases for routes that no longer exist: {stale}"
    assert len(cased) == len(CASES), "two cases for one route"


@pytest.fixture
def scenario(any_store, fixtures):
    from sqlalchemy import select

    import_sources(
        any_store,
        [
            str(fixtures / "facilities" / "okw-atelier-fr.yml"),
            str(fixtures / "facilities" / "fablabs-iopa-sample.json"),
        ],
    )
    import_bytes(any_store, "upload:okh.toml", MANIFEST)
    with any_store.engine.connect() as conn:
        lab, other = conn.execute(
            select(facilities.c.id).order_by(facilities.c.id).limit(2)
        ).scalars()
        design = conn.execute(select(designs.c.id)).scalar_one()
    users = {
        role: make_user(any_store, f"{role}@example.org", admin=role == "admin")
        for role in ROLES[1:]
    }
    for extra in ("target", "co1", "co2", *(f"invitee-{r}" for r in ROLES)):
        users[extra] = make_user(any_store, f"{extra}@example.org")
    add_manager(any_store, lab, users["manager"]["id"], by=OPERATOR)
    add_manager(any_store, other, users["other_manager"]["id"], by=OPERATOR)
    for co in ("co1", "co2"):
        add_manager(any_store, lab, users[co]["id"], by=OPERATOR, role="co-manager")
    tokens = {}
    for role in ROLES[1:]:
        scopes = ["read", "write:facilities", "write:designs"] + (
            ["admin"] if role == "admin" else []
        )
        tokens[role] = create_token(any_store, users[role]["id"], "probe", scopes, by=OPERATOR)[
            "token"
        ]
    member = actor_for_user(any_store, users["member"], via="cli")
    victim = create_token(any_store, users["member"]["id"], "victim", ["read"], by=member)["id"]
    return SimpleNamespace(
        store=any_store, lab=lab, other=other, design=design, users=users, tokens=tokens,
        target=users["target"]["id"], co1=users["co1"]["id"], co2=users["co2"]["id"],
        victim_token=victim,
    )  # fmt: skip


def test_write_permissions_by_role(scenario) -> None:
    app = create_app(store=scenario.store)
    failures = []
    for case in CASES:
        for role, expected in zip(ROLES, case.expect, strict=True):
            client = TestClient(app)
            url = case.url(scenario, role) if callable(case.url) else case.url or case.route
            kwargs = case.send(scenario, role)
            if url.startswith("/api/") and case.via == "token":
                if role != "anonymous":
                    kwargs["headers"] = {"Authorization": f"Bearer {scenario.tokens[role]}"}
            elif url.startswith("/api/"):
                if role != "anonymous":
                    sign_in(client, scenario.store, scenario.users[role])
                kwargs["headers"] = {"X-CSRF-Token": csrf_from(client)}
            else:
                if role != "anonymous":
                    sign_in(client, scenario.store, scenario.users[role])
                kwargs["data"] = {**kwargs.get("data", {}), "csrf_token": csrf_from(client)}
            got = client.request(case.method, url, follow_redirects=False, **kwargs).status_code
            if got != expected:
                failures.append(f"{case.method} {url} as {role}: {got}, expected {expected}")
    assert not failures, "\n".join(failures)


def test_forged_or_missing_csrf_is_refused_on_every_page_form(scenario) -> None:
    app = create_app(store=scenario.store)
    client = TestClient(app)
    sign_in(client, scenario.store, scenario.users["admin"])
    for case in CASES:
        if case.route.startswith("/api/"):
            continue
        url = case.url(scenario, "admin") if callable(case.url) else case.url or case.route
        kwargs = case.send(scenario, "admin")
        for token in (None, "forged"):
            data = dict(kwargs.get("data", {}))
            if token:
                data["csrf_token"] = token
            r = client.request(case.method, url, follow_redirects=False, **{**kwargs, "data": data})
            assert r.status_code == 403, f"{case.method} {url} with CSRF {token!r}: {r.status_code}"
            assert "did not come from this site" in r.text
