"""Provenance shown on public pages and in API answers never reveals the importing
machine's file system: new imports record paths relative to the import root, and records
stored before with absolute paths are shown by their last components only."""

from __future__ import annotations

import shutil

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli
from refaire.model import Design, Facility, FieldSource, Problem, Provenance
from refaire.public_source import public_source
from refaire.store import open_store
from refaire.store.designs import get_design, save_designs
from refaire.store.facilities import get_facility, save_facilities

SECRET = "/home/alice/clients/acme"


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        (f"{SECRET}/okh/lamp/okh.toml", "…/okh/lamp/okh.toml"),
        ("C:\\Users\\bob\\work\\okh\\lamp.yml", "…/work/okh/lamp.yml"),
        ("file:///srv/private/okh/lamp/okh.toml", "…/okh/lamp/okh.toml"),
        ("/data/oshwa/list.csv#US000123", "…/data/oshwa/list.csv#US000123"),
        ("~/lamp.toml", "…/lamp.toml"),
        ("https://example.org/okh.toml", "https://example.org/okh.toml"),
        ("okh/lamp/okh.toml", "okh/lamp/okh.toml"),
        (None, None),
    ],
)
def test_public_source(source, shown) -> None:
    assert public_source(source) == shown


def test_new_imports_record_paths_relative_to_the_root(fixtures, tmp_path) -> None:
    root = tmp_path / "private-folder" / "manifests"
    shutil.copytree(fixtures / "okh" / "losh", root)
    shutil.copy(fixtures / "facilities" / "okw-atelier-fr.yml", root / "atelier.yml")
    db = str(tmp_path / "r.db")
    result = CliRunner().invoke(cli, ["import", str(root), "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    assert str(tmp_path) not in result.output  # the import report names files the same way
    store = open_store(db)
    client = TestClient(create_app(store=store))
    designs = client.get("/api/designs", params={"limit": 50}).json()["items"]
    assert designs
    for item in designs:
        detail = client.get(f"/api/designs/{item['id']}").json()
        assert detail["provenance"]["source"].startswith("manifests/"), detail["provenance"]
        page = client.get(f"/designs/{item['id']}").text
        assert str(tmp_path) not in page and "private-folder" not in page
    facilities = client.get("/api/facilities").json()["items"]
    assert facilities
    for item in facilities:
        detail = client.get(f"/api/facilities/{item['id']}").text
        assert str(tmp_path) not in detail and "manifests/atelier.yml" in detail
        assert str(tmp_path) not in client.get(f"/facilities/{item['id']}").text
    store.close()


def test_one_file_keeps_the_name_it_was_given(fixtures, tmp_path, monkeypatch) -> None:
    from refaire.registry.facilities import facility_detail

    (tmp_path / "lists").mkdir()
    shutil.copy(fixtures / "facilities" / "okw-atelier-fr.yml", tmp_path / "lists" / "a.yml")
    shutil.copy(fixtures / "facilities" / "okw-atelier-fr.yml", tmp_path / "b.yml")
    monkeypatch.chdir(tmp_path)
    for n, (given, name) in enumerate(
        [("lists/a.yml", "lists/a.yml"), (str(tmp_path / "b.yml"), "b.yml")]
    ):
        db = str(tmp_path / f"r{n}.db")
        result = CliRunner().invoke(cli, ["import", given, "--db", db])
        assert result.exit_code == 0, result.output
        store = open_store(db)
        provenance = facility_detail(store, 1)["provenance"]["sources"]
        assert {s["source"] for s in provenance} == {name}
        store.close()


def test_stored_absolute_paths_are_shortened_everywhere(any_store) -> None:
    store = any_store
    source = f"{SECRET}/okh/lamp/okh.toml"
    design = Design(
        "t:old",
        "Old lamp",
        "okh-losh",
        provenance=Provenance(source, "okh-losh", "ab" * 32, "2025-01-01T00:00:00Z", "x"),
        problems=[Problem(source, "warning", "licence", "missing")],
    )
    save_designs(store, [design])
    facility = Facility(
        key="t:old-lab",
        name="Old lab",
        sources=[FieldSource("name", f"{SECRET}/labs/list.csv", "places-csv")],
        problems=[Problem(f"{SECRET}/labs/list.csv", "warning", "url", "bad")],
    )
    save_facilities(store, [facility])
    did = get_design(store, "t:old")[0]
    fid = get_facility(store, "t:old-lab")[0]
    client = TestClient(create_app(store=store))
    answers = [
        client.get(f"/designs/{did}"),
        client.get(f"/api/designs/{did}"),
        client.get(f"/api/designs/{did}/export", params={"format": "json"}),
        client.get(f"/facilities/{fid}"),
        client.get(f"/api/facilities/{fid}"),
    ]
    for r in answers:
        assert r.status_code == 200, r.url
        assert "alice" not in r.text and "/home/" not in r.text, r.url
    assert "…/okh/lamp/okh.toml" in answers[0].text
    assert answers[1].json()["provenance"]["source"] == "…/okh/lamp/okh.toml"
    assert answers[1].json()["problems"][0]["source"] == "…/okh/lamp/okh.toml"
    assert "…/acme/labs/list.csv" in answers[4].text
