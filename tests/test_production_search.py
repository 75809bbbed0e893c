"""Routing and "near me" offer search checked against plain reference code.

Routing (`production.routing.capable_facilities`) computes only the verdicts the matching
engine ranks on; here every facility of a random population around Lyon is evaluated with
the reference `evaluate` per pair, and the answer must be exactly the facilities that meet
every requirement ("stated") then those that probably can ("probable"), nearest first.
The offer search reads candidates from one covering index and computes distances with
numpy; here it must give the same total and page as a plain loop over every offer.
"""

from __future__ import annotations

import random

import pytest

from refaire.geo import haversine_km
from refaire.match.capabilities import PROBABLE, caps_of, evaluate, is_met
from refaire.match.index import FacilityIndex
from refaire.match.requirements import requirements_of
from refaire.model import Capability, Design, Dimensions, Equipment, Facility, Part
from refaire.production.routing import capable_facilities

LYON = (45.764, 4.8357)

MACHINES = [
    Equipment(equipment_type="Prusa", processes=[Capability("fdm")],
              materials=[Capability("pla"), Capability("petg")], build_volume_mm=(250, 210, 210)),
    Equipment(equipment_type="Big printer", processes=[Capability("fdm")],
              materials=[Capability("pla")], build_volume_mm=(400, 400, 400)),
    Equipment(equipment_type="Laser", processes=[Capability("laser-cutting")],
              materials=[Capability("plywood")], bed_size_mm=(600, 400)),
    Equipment(equipment_type="3D printer", processes=[Capability("3d-printing")], materials=[]),
]  # fmt: skip


def population(n: int, seed: int) -> list[Facility]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        kept = [m for m in MACHINES if rng.random() < 0.45]
        # some labs state nothing but get the Fab Lab inventory as probable processes
        probable = [Capability(p, "probable", "fab-charter", 0.6)
                    for p in ("fdm", "laser-cutting") if rng.random() < 0.3]  # fmt: skip
        out.append(Facility(key=f"t:{i}", name=f"Lab {i}",
                            latitude=LYON[0] + rng.uniform(-0.6, 0.6),
                            longitude=LYON[1] + rng.uniform(-0.8, 0.8), country="FR",
                            equipment=kept, processes=probable))  # fmt: skip
    return out


DESIGNS = [
    Design("t:stool", "Stool", "test", parts=[
        Part("Clip", processes=["fdm"], materials=["petg"], dimensions=Dimensions(60, 60, 10)),
        Part("Seat", processes=["laser-cutting"], materials=["plywood"],
             dimensions=Dimensions(300, 300, 3))]),
    Design("t:vase", "Vase", "test", parts=[
        Part("Vase", processes=["fdm"], materials=["pla"], dimensions=Dimensions(380, 300, 380))]),
    Design("t:giant", "Giant", "test", parts=[
        Part("Body", processes=["fdm"], materials=["pla"], dimensions=Dimensions(900, 900, 900))]),
]  # fmt: skip


def reference(facilities: list[Facility], design: Design, radius_km: float) -> list[tuple]:
    """(basis, distance, position) of every facility able to make it, per pair, sorted."""
    dr = requirements_of(design, 1)
    out = []
    for pos, f in enumerate(facilities):
        d = haversine_km(*LYON, f.latitude, f.longitude)
        if d > radius_km:
            continue
        codes = [evaluate(r, caps_of(f)).code for r in dr.requirements]
        if all(is_met(c) for c in codes):
            out.append((0, d, pos))
        elif all(c >= PROBABLE for c in codes):
            out.append((1, d, pos))
    return sorted(out)


@pytest.mark.parametrize("design", DESIGNS, ids=lambda d: d.key)
def test_routing_is_the_per_pair_answer(design: Design) -> None:
    facilities = population(600, 5)
    index = FacilityIndex.build(enumerate(facilities), lambda i: facilities[i])
    dr = requirements_of(design, 1)
    want = reference(facilities, design, 40.0)
    got = capable_facilities(index, dr, *LYON, 40.0, limit=10**6)
    assert [(c["basis"], c["id"]) for c in got] == [
        ("stated" if b == 0 else "probable", pos) for b, _d, pos in want]  # fmt: skip
    assert [c["distance_km"] for c in got] == [round(d, 2) for _b, d, _p in want]
    # the page shown is the start of the whole answer
    assert capable_facilities(index, dr, *LYON, 40.0, limit=7) == got[:7]
    if design.key == "t:giant":
        # no stated printer holds a 900 mm part (build volumes are checked); labs with only
        # a probable process and no stated machine remain probable, never stated
        assert got and {c["basis"] for c in got} == {"probable"}
    else:
        assert {c["basis"] for c in got} == {"stated", "probable"}


def test_unknown_parts_are_complete_nowhere_and_list_the_nearest_to_ask() -> None:
    facilities = population(50, 1)
    index = FacilityIndex.build(enumerate(facilities), lambda i: facilities[i])
    dr = requirements_of(Design("t:x", "Mystery", "test", parts=[Part("Thing")]), 1)
    assert dr.unknown_parts
    got = capable_facilities(index, dr, *LYON, 100.0, limit=10)
    within = sorted(
        d for d in (haversine_km(*LYON, f.latitude, f.longitude) for f in facilities) if d <= 100.0
    )
    # never "stated" or "probable": nobody knows; the nearest first, to be asked
    assert {c["basis"] for c in got} == {"unknown"}
    assert [c["distance_km"] for c in got] == [round(d, 2) for d in within[:10]]


def test_offers_near_me_is_the_plain_answer(any_store) -> None:
    from sqlalchemy import insert

    from refaire.geo import grid_cell
    from refaire.production.offers import search_offers
    from refaire.store.tables import production_offers as t

    rng = random.Random(3)
    rows = []
    for i in range(400):
        lat, lon = LYON[0] + rng.uniform(-1.5, 1.5), LYON[1] + rng.uniform(-2, 2)
        rows.append({"maker_user_id": 1 + i % 7, "author_id": 1, "title": f"Offer {i}",
                     "variants": [], "price_breaks": [{"min_qty": 1, "unit_price": "5.00"}],
                     "currency": "EUR", "lead_days": 5, "place": "test", "latitude": lat,
                     "longitude": lon, "radius_km": rng.choice([5.0, 30.0, 80.0, 300.0]),
                     "countries": [], "shipping": "0", "active": rng.random() < 0.9,
                     "sector": rng.choice(["a", "b"]), "cell": grid_cell(lat, lon),
                     "search_text": f"offer {i} {rng.choice(['oak', 'pine', '50%_off'])}",
                     "created_at": "2026-12-01T00:00:00+00:00"})  # fmt: skip
    with any_store.engine.begin() as conn:
        conn.execute(insert(t), rows)
        ids = [r[0] for r in conn.execute(t.select().order_by(t.c.id)).all()]
    for q, sector, maker in ((None, None, None), ("oak", None, None), ("50%_", "a", None),
                             (None, "b", 3), ("pine offer", "", None)):  # fmt: skip
        for radius in (20.0, 60.0, 150.0):
            want = []
            for oid, r in zip(ids, rows, strict=True):
                d = haversine_km(*LYON, r["latitude"], r["longitude"])
                if (r["active"] and d <= radius and d <= r["radius_km"]
                        and all(w in r["search_text"] for w in (q or "").split())
                        and (not sector or r["sector"] == sector)
                        and (maker is None or r["maker_user_id"] == maker)):  # fmt: skip
                    want.append((d, oid))
            want.sort()
            for offset in (0, 5):
                got = search_offers(any_store, q=q, sector=sector, maker=maker, near=LYON,
                                    radius_km=radius, limit=10, offset=offset)  # fmt: skip
                assert got["total"] == len(want)
                assert [o["id"] for o in got["items"]] == [oid for _, oid in want[offset:offset + 10]]
                assert [o["distance_km"] for o in got["items"]] == [
                    round(d, 1) for d, _ in want[offset:offset + 10]]  # fmt: skip
    assert search_offers(any_store, near=(-45.0, 170.0), radius_km=50.0)["total"] == 0


def test_near_me_index_follows_writes(sqlite_store) -> None:
    from sqlalchemy import insert, update

    from refaire.geo import grid_cell
    from refaire.production.offers import search_offers
    from refaire.store.generations import bump
    from refaire.store.tables import production_offers as t

    def row(i: int) -> dict:
        return {"maker_user_id": 1, "author_id": 1, "title": f"Offer {i}", "variants": [],
                "price_breaks": [{"min_qty": 1, "unit_price": "5.00"}], "currency": "EUR",
                "lead_days": 5, "place": "test", "latitude": LYON[0], "longitude": LYON[1] + i / 100,
                "radius_km": 50.0, "countries": [], "shipping": "0", "active": True,
                "cell": grid_cell(LYON[0], LYON[1]), "search_text": "x",
                "created_at": "2026-12-01T00:00:00+00:00"}  # fmt: skip

    with sqlite_store.engine.begin() as conn:
        conn.execute(insert(t), [row(0), row(1)])
        bump(conn, "offers")
    assert search_offers(sqlite_store, near=LYON, radius_km=20)["total"] == 2
    with sqlite_store.engine.begin() as conn:  # as withdraw_offer does
        conn.execute(update(t).where(t.c.title == "Offer 0").values(active=False))
        bump(conn, "offers")
    found = search_offers(sqlite_store, near=LYON, radius_km=20)
    assert [o["title"] for o in found["items"]] == ["Offer 1"] and found["total"] == 1
