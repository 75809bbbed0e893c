"""The sharing scenario: a real Lyon fab lab whose laser cutter needs a training.

YOUFACTORY (Villeurbanne, from the fablabs.io list in tests/fixtures) gets opening hours in
Europe/Paris (Tuesday and Wednesday 09:00-18:00), a Trotec laser cutter, the training
"Laser safety", a manager and two members. Dates are computed from today (the next Tuesday
at least two days ahead), so the scenario never books in the past.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from refaire.ingest.runner import import_sources
from refaire.manage import editing
from refaire.people import OPERATOR
from refaire.people.actor import Actor
from refaire.people.auth import actor_for_user
from refaire.people.roles import add_manager
from refaire.people.users import create_user
from refaire.sharing import resources, trainings
from refaire.store.facilities import get_facility

LAB_KEY = "fablabs-iopa:b18990ff-18f8-4270-93d1-d91f6628fd3d"  # YOUFACTORY, Villeurbanne
HOURS = {"time_zone": "Europe/Paris",
         "weekly": {"tue": [["09:00", "18:00"]], "wed": [["09:00", "18:00"]]}}  # fmt: skip
LASER = {"process": "laser-cutting", "make": "Trotec", "model": "Speedy 400", "quantity": 1}


def next_weekday(weekday: int, after_days: int = 2) -> date:
    day = datetime.now(UTC).date() + timedelta(days=after_days)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day


@dataclass
class Lab:
    store: Any
    fid: int
    other_fid: int
    laser: dict[str, Any]
    training: dict[str, Any]
    manager: Actor
    ann: Actor  # trained on the laser
    bob: Actor  # trained on the laser
    carl: Actor  # not trained
    users: dict[str, dict[str, Any]]
    tuesday: date


def person(store: Any, email: str) -> tuple[dict[str, Any], Actor]:
    user = create_user(store, email, None, by=OPERATOR, verified=True)
    return user, actor_for_user(store, user, via="session")


def build(store: Any, fixtures: Path) -> Lab:
    import_sources(store, [str(fixtures / "facilities" / "fablabs-iopa-lyon.json")])
    fid = get_facility(store, LAB_KEY)[0]
    from sqlalchemy import select

    from refaire.store.tables import facilities

    with store.engine.connect() as conn:
        other = conn.execute(select(facilities.c.id).where(facilities.c.id != fid)
                             .order_by(facilities.c.id)).scalars().first()  # fmt: skip
    users: dict[str, dict[str, Any]] = {}
    actors: dict[str, Actor] = {}
    for name in ("boss", "ann", "bob", "carl", "otherboss"):
        users[name], _ = person(store, f"{name}@example.org")
    add_manager(store, fid, users["boss"]["id"], by=OPERATOR)
    add_manager(store, other, users["otherboss"]["id"], by=OPERATOR)
    for name in users:
        actors[name] = actor_for_user(store, users[name], via="session")
    boss = actors["boss"]
    editing.edit_facility(store, boss, fid, {"hours": HOURS})
    editing.add_machine(store, boss, fid, LASER)
    training = resources.add_training(store, boss, fid, {"name": "Laser safety"})
    laser = resources.create_resource(store, boss, fid, {
        "machine_index": 0, "required_trainings": [training["id"]],
        "rules": {"slot_minutes": 30, "min_minutes": 30, "max_minutes": 240,
                  "cancel_before_minutes": 120, "price_per_hour": 12.5, "currency": "EUR"}})  # fmt: skip
    for name in ("ann", "bob"):
        trainings.record_training(store, boss, training["id"], users[name]["email"])
    return Lab(store=store, fid=fid, other_fid=other, laser=laser, training=training,
               manager=boss, ann=actors["ann"], bob=actors["bob"], carl=actors["carl"],
               users=users, tuesday=next_weekday(1))  # fmt: skip
