"""The OpenAPI description tells the truth about errors: one declared error body for every
4xx a route can give, and a 405 whose `Allow` lists every method of the path."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

PATH_VALUES = {"name": "sectors", "ext": "json"}
METHODS = ("get", "post", "put", "patch", "delete")
WRITES = {("post", "/api/import"), ("post", "/api/signals"), ("post", "/api/designs/{ident}/meshes"),
          ("put", "/api/facilities/{ident}/pricing"),
          ("post", "/api/design-conflicts/{conflict_id}/resolve")}  # fmt: skip


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from refaire.app import create_app
    from refaire.store import open_store

    store = open_store(str(tmp_path_factory.mktemp("openapi") / "refaire.db"))
    yield TestClient(create_app(store=store), raise_server_exceptions=False)
    store.close()


@pytest.fixture(scope="module")
def openapi(client) -> dict:
    return client.get("/api/openapi.json").json()


def _ref(response: dict) -> str:
    (content,) = response["content"].values()
    return content["schema"]["$ref"].rsplit("/", 1)[-1]


def test_every_operation_declares_the_error_body(openapi):
    schemas = openapi["components"]["schemas"]
    assert "HTTPValidationError" not in schemas  # FastAPI's own 422 shape is never answered
    assert set(schemas["ErrorBody"]["required"]) == {"detail"}
    assert schemas["ErrorBody"]["properties"]["errors"]["items"]["$ref"].endswith("/FieldProblem")
    assert "Every 4xx answer has the same JSON body" in openapi["info"]["description"]
    for path, ops in openapi["paths"].items():
        for method, op in ops.items():
            codes = {int(c) for c in op["responses"] if c.startswith("4")}
            where = f"{method.upper()} {path}"
            assert {400, 422} <= codes, where
            if "{" in path:
                assert 404 in codes, where
            if (method, path) in WRITES:
                assert {401, 403} <= codes, where
            for code in codes:
                assert _ref(op["responses"][str(code)]) in ("ErrorBody", "QuoteErrorBody", "ConflictBody"), where
    # the write routes listed above exist (a renamed route would make the loop vacuous)
    assert all(path in openapi["paths"] and m in openapi["paths"][path] for m, path in WRITES)
    assert "413" in openapi["paths"]["/api/import"]["post"]["responses"]
    assert "413" in openapi["paths"]["/api/quote"]["post"]["responses"]


def test_a_405_lists_every_method_of_the_path(client, openapi):
    for path, ops in openapi["paths"].items():
        declared = {m.upper() for m in ops}
        url = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m[1], "1"), path)
        # a method another route takes at this URL (GET /api/designs/register is the design
        # named "register") is not a 405: try the methods no path of the API answers here
        others = {
            m.upper()
            for p, o in openapi["paths"].items()
            if p != path and re.fullmatch(re.sub(r"\{\w+\}", "[^/]+", p), url)
            for m in o
        }
        missing = next(m for m in METHODS if m.upper() not in declared | others)
        r = client.request(missing, url)
        assert r.status_code == 405, f"{missing} {url}"
        assert set(r.headers["allow"].split(", ")) == declared | others, f"{missing} {url}"
        assert r.json() == {"detail": "Method Not Allowed", "errors": []}
    # the case of the issue: GET and POST at one path, Starlette named only the first
    assert client.delete("/api/signals").headers["allow"] == "GET, POST"


@pytest.mark.parametrize(
    ("path", "allowed"),
    [("/observatory/signals", "GET, POST"), ("/quote", "GET, POST"), ("/designs/1/meshes", "POST")],
)
def test_a_405_on_a_page_lists_its_methods_and_is_a_page(client, path, allowed):
    r = client.put(path)
    assert r.status_code == 405 and r.headers["allow"] == allowed
    assert r.headers["content-type"].startswith("text/html")


def test_a_validation_error_matches_the_declared_body(client):
    from refaire.contract.errors import ErrorBody

    r = client.get("/api/facilities", params={"limit": 0, "offset": -1})
    assert r.status_code == 422
    body = ErrorBody.model_validate(r.json())
    assert {e.field for e in body.errors} == {"limit", "offset"}
    assert body.detail.startswith("invalid request: ")


def test_older_error_shapes_raised_by_a_route_are_normalised(tmp_path):
    """Routes written before the contract (or copying them) still answer the one body."""
    from fastapi import HTTPException

    from refaire.app import create_app
    from refaire.store import open_store

    app = create_app(store=open_store(str(tmp_path / "r.db")))
    shapes = {
        "text": "no such thing",
        "list": [{"field": "url", "message": "not http(s)"}],
        "object": {"message": "invalid pricing", "problems": [{"field": "fee", "message": "< 0"}]},
    }

    @app.get("/api/_legacy/{kind}")
    def legacy(kind: str) -> None:
        raise HTTPException(422, shapes[kind])

    client = TestClient(app)
    assert client.get("/api/_legacy/text").json() == {"detail": "no such thing", "errors": []}
    assert client.get("/api/_legacy/list").json() == {
        "detail": "url: not http(s)",
        "errors": [{"field": "url", "message": "not http(s)"}],
    }
    assert client.get("/api/_legacy/object").json() == {
        "detail": "invalid pricing",
        "errors": [{"field": "fee", "message": "< 0"}],
    }
