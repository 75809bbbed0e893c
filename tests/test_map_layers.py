"""The map's own layers: towns from the offline gazetteer, the tile server setting, and
the kind of capability data each map point carries."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from refaire.app import create_app
from refaire.ingest.runner import import_sources
from refaire.store import open_store
from refaire.web.map_layers import OSM_TILES, tile_settings, towns

FACILITIES = Path(__file__).resolve().parents[1] / "src" / "refaire" / "sample" / "facilities"


def test_tile_server_setting(monkeypatch):
    monkeypatch.delenv("REFAIRE_TILE_URL", raising=False)
    assert tile_settings()["url"] == OSM_TILES and "OpenStreetMap" in tile_settings()["attribution"]
    for off in ("none", "", "http://tiles.example.org/{z}/{x}/{y}.png", "https://x.org/tile.png"):
        monkeypatch.setenv("REFAIRE_TILE_URL", off)
        assert tile_settings() == {"url": None, "attribution": None}, off
    monkeypatch.setenv("REFAIRE_TILE_URL", "https://tiles.example.org/{z}/{x}/{y}.png")
    monkeypatch.setenv("REFAIRE_TILE_ATTRIBUTION", "© Example")
    assert tile_settings() == {"url": "https://tiles.example.org/{z}/{x}/{y}.png", "attribution": "© Example"}


def test_towns_are_named_largest_first():
    rows = towns()
    assert len(rows) > 5_000
    populations = [r[3] for r in rows]
    assert populations == sorted(populations, reverse=True) and min(populations) >= 50_000
    lyon = [r for r in rows if r[0] == "Lyon"]
    assert lyon and abs(lyon[0][1] - 45.76) < 0.05 and abs(lyon[0][2] - 4.84) < 0.05


def test_api_towns_and_points_say_what_is_known(tmp_path, monkeypatch):
    monkeypatch.setenv("REFAIRE_TILE_URL", "none")
    store = open_store(str(tmp_path / "refaire.db"))
    import_sources(store, [str(FACILITIES)])
    client = TestClient(create_app(store=store))
    r = client.get("/api/map/towns?min_population=1000000")
    assert r.status_code == 200 and all(row[3] >= 1_000_000 for row in r.json())
    assert client.get("/api/map/towns?min_population=10").status_code == 422
    points = client.get("/api/facilities/points").json()
    kinds = {p[5] for p in points}
    assert kinds <= {"stated", "probable", "unknown"} and {"stated", "unknown"} <= kinds
    # the page carries the tile setting: none here, so no tile credit
    page = client.get("/map?lang=fr").text
    assert '"tiles": {"attribution": null, "url": null}' in page and "Fond de carte :" not in page
    store.close()
