"""Requests for a member's own part files (issue 15): measured in a worker, stored with
their measurements and the process their material needs, routed on those, quotes
pre-filled from them, private to the requester and the recipients, hostile files refused
with nothing written. On SQLite and PostgreSQL (`any_store`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from _people import csrf_from, sign_in
from _production_scenario import build
from refaire.app import create_app
from refaire.store.tables import production_requests

MESH = Path(__file__).parent / "fixtures" / "meshes" / "tw4_filter_clamp.stl"
PANEL = (b'<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="50mm" '
         b'viewBox="0 0 100 50"><rect x="0" y="0" width="100" height="50"/></svg>')  # fmt: skip
URL = "/api/production/requests/parts"


@pytest.fixture
def prod(any_store, fixtures, monkeypatch, tmp_path):
    monkeypatch.setenv("REFAIRE_OUTBOX", str(tmp_path / "outbox"))
    monkeypatch.delenv("REFAIRE_SMTP_URL", raising=False)
    return build(any_store, fixtures)


def client(prod, name: str | None) -> TestClient:
    c = TestClient(create_app(store=prod.store))
    if name:
        sign_in(c, prod.store, prod.users[name])
    c.headers["X-CSRF-Token"] = csrf_from(c)
    return c


def count(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(production_requests)).scalar()


def post(c: TestClient, files: list[tuple[str, bytes]], **fields: str):
    data = {"quantity": "10", "place": "Lyon", "radius_km": "30", **fields}
    return c.post(URL, data=data, files=[("files", (n, b, "application/octet-stream"))
                                         for n, b in files])  # fmt: skip


def test_parts_request_measured_routed_private_and_quoted(prod) -> None:
    ann, boss_a, nosy = client(prod, "ann"), client(prod, "boss_a"), client(prod, "nosy")
    r = post(ann, [("clamp.stl", MESH.read_bytes()), ("panel.svg", PANEL)],
             materials='{"clamp.stl": "petg", "panel.svg": "plywood"}')
    assert r.status_code == 201, r.text
    req = r.json()
    assert req["design_id"] is None and req["visibility"] == "recipients"
    clamp, panel = req["parts"]
    # the geometry module's measurements of the fixture (a 208.5 x 101.5 x 33.5 mm clamp)
    assert clamp["kind"] == "mesh" and clamp["process"] == "fdm" and clamp["material"] == "petg"
    assert clamp["bbox_mm"] == pytest.approx([208.505, 101.458, 33.5], abs=1e-3)
    assert clamp["volume_mm3"] == pytest.approx(17450.27, abs=0.01)
    assert panel["kind"] == "drawing" and panel["process"] == "laser-cutting"
    assert panel["cut_length_mm"] == pytest.approx(300.0) and panel["bbox_mm"] == [100.0, 50.0]
    # routing on the parts: the labs with the PETG printer have no stated laser cutter
    assert all(c["kind"] == "facility" for c in req["capable"])
    assert prod.lab_a not in {c["id"] for c in req["capable"] if c["basis"] == "stated"}
    only_mesh = post(ann, [("clamp.stl", MESH.read_bytes())], material="petg").json()
    stated = {c["id"] for c in only_mesh["capable"] if c["basis"] == "stated"}
    assert {prod.lab_a, prod.lab_b} <= stated
    rid = only_mesh["id"]
    # private: others get "not found", before and after it is sent to someone else
    assert nosy.get(f"/api/production/requests/{rid}").status_code == 404
    assert boss_a.get(f"/api/production/requests/{rid}").status_code == 404
    sent = ann.post(f"/api/production/requests/{rid}/send", json={"send_to": [f"facility:{prod.lab_a}"]})
    assert sent.status_code == 200, sent.text
    assert boss_a.get(f"/api/production/requests/{rid}").status_code == 200
    assert nosy.get(f"/api/production/requests/{rid}").status_code == 404
    # the quote pre-fill prices the measured mesh with the instant-quote engine
    draft = boss_a.get(f"/api/production/requests/{rid}/quote-draft",
                       params={"facility": prod.lab_a}).json()  # fmt: skip
    assert len(draft["lines"]) == 1 and draft["lines"][0]["item"].startswith("clamp.stl (petg, ×10)")
    assert float(draft["lines"][0]["amount"]) > 0
    mixed = boss_a.get(f"/api/production/requests/{req['id']}/quote-draft")
    assert mixed.status_code == 404  # the first request was sent to nobody: still private


@pytest.mark.parametrize("name, data, why", [
    ("page.stl", b"<html><script>alert(1)</script></html>", "could not be measured"),
    ("tool.stl", b"MZ\x90\x00" + b"\x00" * 200, "could not be measured"),
    ("empty.obj", b"", "could not be measured"),
    ("bomb.svg", b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY a "aaaaaaaaaa">'
                 b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><svg>&b;</svg>',
     "could not be measured"),
    ("panel.svg", PANEL, "not a laser material"),
])  # fmt: skip
def test_hostile_or_wrong_files_refused_nothing_written(prod, name, data, why) -> None:
    ann = client(prod, "ann")
    before = count(prod.store)
    r = post(ann, [("clamp.stl", MESH.read_bytes()), (name, data)], material="petg")
    assert r.status_code == 422, r.text
    messages = " ".join(e["message"] for e in r.json()["errors"])
    assert name in messages and why in messages
    assert count(prod.store) == before


def test_size_limit_and_who_may(prod, monkeypatch) -> None:
    monkeypatch.setenv("REFAIRE_MAX_UPLOAD_MB", "0.01")  # 10 KB: the clamp is 44 KB
    before = count(prod.store)
    r = post(client(prod, "ann"), [("clamp.stl", MESH.read_bytes())], material="petg")
    assert r.status_code == 413 and "clamp.stl" in r.text
    assert post(client(prod, None), [("panel.svg", PANEL)], material="plywood").status_code == 401
    r = post(client(prod, "ann"), [("panel.svg", PANEL)], material="plywood", note="a\x00b")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    r = post(client(prod, "ann"), [("panel.svg", PANEL)], material="plywood", quantity="0")
    assert r.status_code == 422 and "quantity" in r.text
    r = post(client(prod, "ann"), [("panel.svg", PANEL)], material="plywood")
    assert r.status_code == 201, r.text  # under the limit, signed in: made
    assert count(prod.store) == before + 1


def test_cli_requests_create_with_part_files(prod, tmp_path) -> None:
    import json

    from typer.testing import CliRunner

    from refaire.cli import app as cli

    panel = tmp_path / "panel.svg"
    panel.write_bytes(PANEL)
    out = CliRunner().invoke(cli, [
        "requests", "create", "--part", str(MESH), "--part", str(panel),
        "--part-material", "tw4_filter_clamp.stl=petg", "--material", "plywood",
        "--qty", "2", "--place", "45.76,4.84", "--as", "ann@example.org",
        "--db", prod.store.url, "--json"])  # fmt: skip
    assert out.exit_code == 0, out.output
    req = json.loads(out.output)
    assert [p["material"] for p in req["parts"]] == ["petg", "plywood"]
    assert req["visibility"] == "recipients"
    bad = CliRunner().invoke(cli, [
        "requests", "create", "--part", str(panel), "--material", "petg", "--qty", "2",
        "--place", "Lyon", "--as", "ann@example.org", "--db", prod.store.url])  # fmt: skip
    assert bad.exit_code == 1 and "not a laser material" in bad.output
    both = CliRunner().invoke(cli, [
        "requests", "create", "1", "--part", str(panel), "--material", "plywood", "--qty", "2",
        "--place", "Lyon",
        "--as", "ann@example.org", "--db", prod.store.url])  # fmt: skip
    assert both.exit_code == 2 and "--part" in both.output


def test_web_form_measures_and_shows_the_parts(prod) -> None:
    import re

    ann = client(prod, "ann")
    page = ann.get("/production/requests/new")
    assert 'action="/production/requests/parts"' in page.text
    csrf = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)}
    r = ann.post("/production/requests/parts", data={**csrf, "quantity": "3", "place": "Lyon",
                 "material": "petg", "radius_km": "30"},
                 files=[("files", ("clamp.stl", MESH.read_bytes(), "model/stl"))],
                 follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    shown = ann.get(r.headers["location"], headers={"Accept-Language": "fr"})
    assert "clamp.stl" in shown.text and "208,5 × 101,5 × 33,5 mm" in shown.text  # French decimals
    assert "17,45 cm³" in shown.text and "Fichiers de pièces" in shown.text
    assert client(prod, "nosy").get(r.headers["location"]).status_code == 404
    before = count(prod.store)
    bad = ann.post("/production/requests/parts", data={**csrf, "quantity": "3", "place": "Lyon",
                   "material": "petg"}, files=[("files", ("x.stl", b"<html></html>", "model/stl"))])
    assert bad.status_code == 422 and "x.stl" in bad.text and count(prod.store) == before
    nobody = client(prod, None)
    anon = nobody.post("/production/requests/parts", data={"csrf_token": csrf_from(nobody),
                       "quantity": "1", "place": "Lyon"},
                       files=[("files", ("p.svg", PANEL, "image/svg+xml"))])  # fmt: skip
    assert anon.status_code == 401
