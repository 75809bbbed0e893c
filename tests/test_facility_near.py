"""Radius queries answered from the in-memory NearIndex give exactly the brute-force answer,
and see every write at once (the index follows the facilities generation)."""

from __future__ import annotations

import random

import pytest

from refaire.geo import haversine_km
from refaire.model import Capability, Facility
from refaire.store.facilities import save_facilities
from refaire.store.facility_search import expand_process, search_facilities

PROCESSES = ["fdm", "laser-cutting", "cnc-milling", "sewing", "sla"]
MATERIALS = ["pla", "plywood"]


def _facilities(n: int, rng: random.Random) -> list[Facility]:
    out = []
    for i in range(n):
        # clustered around two towns, some exactly on the same spot (distance ties)
        lat0, lon0 = rng.choice([(48.85, 2.35), (45.76, 4.83)])
        same = rng.random() < 0.1
        out.append(
            Facility(
                key=f"t:{i}",
                name=f"Lab {rng.randint(0, 40)}",
                latitude=lat0 if same else lat0 + rng.uniform(-0.5, 0.5),
                longitude=lon0 if same else lon0 + rng.uniform(-0.5, 0.5),
                country=rng.choice(["FR", "BE"]),
                processes=[Capability(p) for p in rng.sample(PROCESSES, rng.randint(1, 3))],
                materials=[Capability(m) for m in rng.sample(MATERIALS, rng.randint(0, 2))],
            )
        )
    return out


def _brute(store, lat, lon, radius, process=None, material=None, country=None):
    found = search_facilities(store, limit=500)  # every facility, with capabilities
    hits = []
    for it in found["items"]:
        if process and not set(it["processes"]) & set(expand_process(process)):
            continue
        if material and material not in it["materials"]:
            continue
        if country and it["country"] != country:
            continue
        d = haversine_km(lat, lon, it["latitude"], it["longitude"])
        if d <= radius:
            hits.append((d, it["name"].casefold(), it["id"]))
    hits.sort()
    return hits


@pytest.mark.parametrize("radius", [3.0, 30.0, 400.0])
# 0: every query takes the array path; 400: the per-process lists and plain Python
@pytest.mark.parametrize("small", [0, 400])
def test_radius_answers_equal_brute_force(any_store, radius, small, monkeypatch):
    from refaire.store import facility_near

    monkeypatch.setattr(facility_near, "_SMALL", small)
    rng = random.Random(5)
    save_facilities(any_store, _facilities(300, rng))
    for process, material, country in [
        (None, None, None),
        ("fdm", None, None),
        ("3d-printing", "pla", None),
        ("laser-cutting", None, "BE"),
        ("no-such-process", None, None),
    ]:
        got = search_facilities(
            any_store,
            near=(48.85, 2.35),
            radius_km=radius,
            process=process,
            material=material,
            country=country,
            limit=500,
        )
        want = _brute(any_store, 48.85, 2.35, radius, process, material, country)
        assert got["total"] == len(want)
        assert [i["id"] for i in got["items"]] == [w[2] for w in want]
        for it, w in zip(got["items"], want, strict=True):
            assert it["distance_km"] == round(w[0], 3)
        if process == "fdm" and got["items"]:
            assert "fdm" in got["items"][0]["processes"]


def test_paging_and_ties_follow_name_order(sqlite_store):
    rng = random.Random(9)
    save_facilities(sqlite_store, _facilities(200, rng))
    first = search_facilities(sqlite_store, near=(48.85, 2.35), radius_km=80, limit=7)
    rest = search_facilities(sqlite_store, near=(48.85, 2.35), radius_km=80, limit=500, offset=7)
    everything = search_facilities(sqlite_store, near=(48.85, 2.35), radius_km=80, limit=500)
    assert [i["id"] for i in first["items"] + rest["items"]] == [
        i["id"] for i in everything["items"]
    ]
    # the same ordering as the SQL path, which answers when words are given
    words = search_facilities(sqlite_store, q="lab", near=(48.85, 2.35), radius_km=80, limit=500)
    assert [i["id"] for i in words["items"]] == [i["id"] for i in everything["items"]]


def test_a_write_is_seen_by_the_next_query(any_store):
    save_facilities(any_store, _facilities(20, random.Random(2)))
    before = search_facilities(any_store, near=(10.0, 10.0), radius_km=5)
    assert before["total"] == 0
    save_facilities(
        any_store,
        [Facility(key="new", name="Brand new", latitude=10.01, longitude=10.0)],
    )
    after = search_facilities(any_store, near=(10.0, 10.0), radius_km=5)
    assert [i["name"] for i in after["items"]] == ["Brand new"]


def test_a_write_by_another_store_object_is_seen(tmp_path):
    from refaire.store import open_store

    path = str(tmp_path / "r.db")
    reader, writer = open_store(path), open_store(path)
    try:
        assert search_facilities(reader, near=(1.0, 1.0), radius_km=5)["total"] == 0
        save_facilities(writer, [Facility(key="w", name="Written", latitude=1.0, longitude=1.0)])
        assert search_facilities(reader, near=(1.0, 1.0), radius_km=5)["total"] == 1
    finally:
        reader.close()
        writer.close()
