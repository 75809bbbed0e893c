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


def _inside(point: tuple[float, float], ring: list[tuple[float, float]]) -> bool:
    x, y = point
    hit = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def _rings(topo: dict, geometry: dict) -> list[list[tuple[float, float]]]:
    """Outer rings of a TopoJSON geometry, decoded as the specification says
    (quantised, delta-encoded arcs; a negative index is the reversed arc ~i)."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    polys = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
    out = []
    for poly in polys:
        ring: list[tuple[float, float]] = []
        for i in poly[0]:
            x = y = 0
            pts = []
            for dx, dy in topo["arcs"][i if i >= 0 else ~i]:
                x, y = x + dx, y + dy
                pts.append((x * sx + tx, y * sy + ty))
            pts = pts if i >= 0 else pts[::-1]
            ring += pts if not ring else pts[1:]
        out.append(ring)
    return out


def test_api_regions_is_a_light_topojson_that_places_lyon(tmp_path):
    from refaire.web.map_layers import REGIONS_FILE

    assert REGIONS_FILE.stat().st_size < 2_000_000  # light enough to ship and to send
    store = open_store(str(tmp_path / "refaire.db"))
    r = TestClient(create_app(store=store)).get("/api/map/regions")
    store.close()
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    topo = r.json()
    assert topo["type"] == "Topology"
    geometries = topo["objects"]["admin1"]["geometries"]
    assert len(geometries) > 3_000 and len({g["properties"]["country"] for g in geometries}) > 200
    # every arc a geometry names exists
    n = len(topo["arcs"])
    for g in geometries:
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"]
        assert all(-n <= i < n for p in polys for ring in p for i in ring)
    lyon = (4.84, 45.76)
    around = [g["properties"]["name"] for g in geometries
              if any(_inside(lyon, ring) for ring in _rings(topo, g))]
    # Natural Earth's first-level units of France are its departments: Lyon is in the Rhône
    assert around == ["Rhône"]
    rhone = next(g for g in geometries if g["properties"]["name"] == "Rhône")
    lon, lat = rhone["properties"]["label"]
    assert abs(lon - 4.7) < 0.5 and abs(lat - 45.9) < 0.5
    bavaria = (11.58, 48.14)  # Munich
    assert [g["properties"]["name"] for g in geometries
            if g["properties"]["country"] == "DEU" and any(_inside(bavaria, r) for r in _rings(topo, g))
            ] == ["Bayern"]
