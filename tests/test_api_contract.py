"""The API's contract, route by route, on SQLite and PostgreSQL: every bad value is a 4xx
with the one error body (never a 500), and the OpenAPI description says so.

Routes and their parameters are read from the app's own OpenAPI description, so a new
route is checked without editing this file.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from refaire.contract.errors import ErrorBody

TOKEN = "contract-token"
HUGE = ("9223372036854775808", "-9223372036854775809", "1e400", "abc", "")
# values a route needs to get past its required parameters; the value under test replaces one
REQUIRED = {"design": "1", "near": "45.76,4.83", "ident": "1", "name": "sectors", "ext": "json"}


@pytest.fixture
def client(any_store, fixtures, monkeypatch):
    from refaire.app import create_app
    from refaire.ingest.runner import import_sources

    import_sources(any_store, [str(fixtures / "okh"), str(fixtures / "facilities")])
    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", TOKEN)
    c = TestClient(create_app(store=any_store), raise_server_exceptions=False)
    c.headers["Authorization"] = f"Bearer {TOKEN}"
    return c


def _operations(openapi: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, op)
        for path, ops in openapi["paths"].items()
        for method, op in ops.items()
    ]


def _request(
    client: TestClient, method: str, path: str, op: dict, **override: str
) -> tuple[str, dict[str, str]]:
    """The URL and query of a call with every required parameter set, then `override`."""
    query: dict[str, str] = {}
    for p in op.get("parameters", []):
        value = override.get(p["name"], REQUIRED.get(p["name"], "1"))
        if p["in"] == "path":
            path = path.replace("{" + p["name"] + "}", quote(value, safe=""))
        elif p["in"] == "query" and (p.get("required") or p["name"] in override):
            query[p["name"]] = value
    return path, query


def _check_error(r, status: int | None = None) -> dict:
    assert r.status_code < 500, (
        f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:300]}"
    )
    if status is not None:
        assert r.status_code == status, f"{r.request.url}: {r.status_code} {r.text[:300]}"
    body = r.json()
    ErrorBody.model_validate(body)
    assert set(body) <= {"detail", "errors", "measurement"} and body["detail"]
    return body


def test_every_parameter_refuses_nul_and_overflow_with_the_error_body(client):
    """Each path and query parameter of each route, NUL and out-of-range values: a 4xx naming
    the parameter. PostgreSQL used to answer 500 to NUL on 12 routes, both stores to 2**63."""
    ops = _operations(client.get("/api/openapi.json").json())
    checked = 0
    for method, path, op in ops:
        for p in op.get("parameters", []):
            if p["in"] not in ("path", "query"):
                continue
            url, query = _request(client, method, path, op, **{p["name"]: "a\x00b"})
            r = client.request(method, url, params=query)
            body = _check_error(r, 400)
            expected = "path" if p["in"] == "path" else p["name"]
            assert [e["field"] for e in body["errors"]] == [expected], r.text
            checked += 1
            if p["in"] == "path":
                # digits no id column holds (32-bit on PostgreSQL), digits `int` refuses: unknown keys
                for value in ("2147483648", "9223372036854775808", "²"):
                    url, query = _request(client, method, path, op, **{p["name"]: value})
                    r = client.request(method, url, params=query)
                    assert _check_error(r)["detail"], r.text
                    checked += 1
            if p["in"] == "query" and p["schema"].get("type") == "integer":
                for value in HUGE:
                    url, query = _request(client, method, path, op, **{p["name"]: value})
                    body = _check_error(client.request(method, url, params=query), 422)
                    assert p["name"] in {e["field"] for e in body["errors"]}
                    checked += 1
    assert checked > 40  # every list route has limit/offset; the count guards the enumeration


def test_offsets_beyond_64_bits_on_list_routes(client):
    for path in ("/api/facilities", "/api/designs", "/api/signals"):
        r = client.get(path, params={"offset": 2**63})
        body = _check_error(r, 422)
        assert (
            body["errors"][0]["field"] == "offset" and "1000000000" in body["errors"][0]["message"]
        )
        # the largest allowed offset is a valid, empty page
        last = client.get(path, params={"offset": 1_000_000_000})
        assert last.status_code == 200 and last.json()["items"] == []


def test_nul_in_bodies_is_a_422_naming_the_field(client):
    signal = {"title": "a\x00b", "url": "https://example.org", "published": "2026-01-01"}
    body = _check_error(client.post("/api/signals", json=signal), 422)
    assert [e["field"] for e in body["errors"]] == ["title"]
    body = _check_error(client.put("/api/facilities/1/pricing", json={"currency": "E\x00"}), 422)
    assert body["errors"][0]["field"] == "pricing"
    r = client.post(
        "/api/quote",
        data={"material": "pla", "facility_id": "1\x00"},
        files={"file": ("part.stl", b"solid x\nendsolid x\n")},
    )
    assert [e["field"] for e in _check_error(r, 422)["errors"]] == ["facility_id"]
    # nothing was stored by the refused signal
    assert client.get("/api/signals").json()["total"] == 0


def test_import_without_a_files_field(client):
    r = client.post("/api/import", data={"note": "no file here"}, files={"other": ("a", b"x")})
    body = _check_error(r, 422)
    assert body["errors"][0]["field"] == "files"
    # a raw body with ?name= still imports (the other documented way)
    r = client.post("/api/import", params={"name": "x.yml"}, content=b"not: a manifest\n")
    assert r.status_code == 200 and r.json()["skipped"] == 1


def test_service_errors_use_the_same_body(client):
    """400 (bad filter), 404 (unknown id), 422 (service refusal), 401 (wrong token)."""
    body = _check_error(client.get("/api/facilities", params={"process": "welding-ufo"}), 400)
    assert "process" in body["detail"]
    _check_error(client.get("/api/designs/999999"), 404)
    bad = {"title": "t", "url": "ftp://x", "published": "yesterday", "sectors": ["QQ"]}
    body = _check_error(client.post("/api/signals", json=bad), 422)
    assert {e["field"] for e in body["errors"]} == {"url", "published", "sectors"}
    body = _check_error(client.put("/api/facilities/1/pricing", json={"setup-fee": "x"}), 422)
    assert body["errors"] and all(e["field"] for e in body["errors"])
    r = client.post("/api/signals", json=bad, headers={"Authorization": "Bearer wrong"})
    _check_error(r, 401)


@pytest.mark.parametrize(
    "command", [["designs", "list"], ["facilities", "list"], ["signals", "list"]]
)
def test_cli_offsets_share_the_bound(tmp_path, command):
    """The CLI refuses the offsets the API refuses (a usage error, not an overflow traceback)."""
    from typer.testing import CliRunner

    from refaire.cli import app
    from refaire.store import open_store

    db = str(tmp_path / "cli.db")
    open_store(db).close()  # read commands never create a database
    r = CliRunner().invoke(app, [*command, "--offset", str(2**63), "--db", db])
    assert r.exit_code == 2 and "1000000000" in r.output, r.output
    r = CliRunner().invoke(app, [*command, "--offset", "1000000000", "--json", "--db", db])
    assert r.exit_code == 0 and '"items": []' in r.output, r.output
