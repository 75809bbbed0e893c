"""The production scenario: a member near Lyon wants 10 filter clamps in PETG.

Two Lyon fab labs from the fablabs.io fixture (each with a manager) get an FDM printer
that works PETG, so the matching engine finds them capable (stated); the design is an
OKH-LOSH manifest with one FDM part in PETG whose mesh (tests/fixtures/meshes) is measured,
so quotes pre-fill from the instant-quote engine. A maker member and a second design serve
the offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from refaire.ingest.runner import import_bytes, import_sources
from refaire.manage import editing
from refaire.people import OPERATOR
from refaire.people.actor import Actor
from refaire.people.auth import actor_for_user
from refaire.people.roles import add_manager
from refaire.people.users import create_user
from refaire.registry.part_meshes import attach_meshes
from refaire.store.designs import get_design
from refaire.store.facilities import get_facility

LAB_A = "fablabs-iopa:b18990ff-18f8-4270-93d1-d91f6628fd3d"  # YOUFACTORY, Villeurbanne
PRINTER = {"process": "fdm", "make": "Prusa", "model": "MK4", "quantity": 2,
           "materials": ["petg", "pla"]}  # fmt: skip
CLAMP = b'''okhv = "OKH-LOSHv1.0"
name = "Filter clamp"
repo = "https://example.org/filter-clamp"
license = "CERN-OHL-S-2.0"
function = "A clamp that holds a water filter cartridge."

[[part]]
name = "clamp"
tsdc = ["3DP"]
material = "PETG"
export = ["tw4_filter_clamp.stl"]
'''
KNOB = CLAMP.replace(b"Filter clamp", b"Door knob").replace(b"filter-clamp", b"door-knob")


@dataclass
class Production:
    store: Any
    lab_a: int
    lab_b: int
    design: int
    other_design: int
    users: dict[str, dict[str, Any]]
    actors: dict[str, Actor]


def build(store: Any, fixtures: Path) -> Production:
    from sqlalchemy import select

    from refaire.store.tables import facilities

    import_sources(store, [str(fixtures / "facilities" / "fablabs-iopa-lyon.json")])
    lab_a = get_facility(store, LAB_A)[0]
    with store.engine.connect() as conn:
        lab_b = conn.execute(select(facilities.c.id).where(
            facilities.c.id != lab_a, facilities.c.latitude.is_not(None),
            facilities.c.latitude.between(45.6, 45.9), facilities.c.longitude.between(4.7, 5.0))
            .order_by(facilities.c.id)).scalars().first()  # fmt: skip
    users, actors = {}, {}
    for name in ("ann", "boss_a", "boss_b", "maker", "nosy"):
        users[name] = create_user(store, f"{name}@example.org", None, by=OPERATOR, verified=True)
        actors[name] = actor_for_user(store, users[name], via="session")
    add_manager(store, lab_a, users["boss_a"]["id"], by=OPERATOR)
    add_manager(store, lab_b, users["boss_b"]["id"], by=OPERATOR)
    for fid, boss in ((lab_a, "boss_a"), (lab_b, "boss_b")):
        actors[boss] = actor_for_user(store, users[boss], via="session")
        editing.add_machine(store, actors[boss], fid, PRINTER)
    mesh = (fixtures / "meshes" / "tw4_filter_clamp.stl").read_bytes()
    ids = []
    for manifest in (CLAMP, KNOB):
        import_bytes(store, "upload:okh.toml", manifest)
        name = "Filter clamp" if manifest is CLAMP else "Door knob"
        from refaire.store.tables import designs

        with store.engine.connect() as conn:
            did = conn.execute(select(designs.c.id).where(designs.c.name == name)).scalar_one()
        attach_meshes(store, did, [("tw4_filter_clamp.stl", mesh)])
        ids.append(did)
    assert get_design(store, ids[0])[1].parts[0].volume_mm3, "the clamp mesh was not measured"
    return Production(store=store, lab_a=lab_a, lab_b=lab_b, design=ids[0],
                      other_design=ids[1], users=users, actors=actors)  # fmt: skip
