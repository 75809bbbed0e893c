"""200 concurrent conflicting booking requests against a real server process, on SQLite and
PostgreSQL: exactly one booking per contested slot (three for the three-bay space), every
other request a 409 naming the winning booking's time, and no overlapping active bookings
of one unit in the table afterwards."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from sqlalchemy import select

from _contention import Server, fire, prepare
from refaire.ingest.runner import import_sources
from refaire.store.tables import bookings


@pytest.fixture
def race(any_store, fixtures, tmp_path):
    import_sources(any_store, [str(fixtures / "facilities" / "fablabs-iopa-lyon.json")])
    from refaire.store.tables import facilities

    with any_store.engine.connect() as conn:
        fid = conn.execute(select(facilities.c.id).order_by(facilities.c.id)).scalars().first()
    setup = prepare(any_store, fid)
    url = (
        any_store.url
        if any_store.dialect == "sqlite"
        else str(any_store.engine.url.render_as_string(hide_password=False))
    )
    server = Server(url, tmp_path)
    yield any_store, server, setup
    server.stop()


def test_200_concurrent_conflicting_requests(race) -> None:
    store, server, setup = race
    run = fire(server.base, setup, requests=200, workers=50)
    statuses = Counter(status for status, *_ in run["answers"])
    assert set(statuses) == {201, 409}, statuses
    won: dict[tuple, list[dict]] = defaultdict(list)
    for status, body, _, job in run["answers"]:
        if status == 201:
            won[(job[1], job[2])].append(body)
    assert {k: len(v) for k, v in won.items()} == {
        **{(setup.tool, a): 1 for a, _ in setup.slots},
        (setup.room, setup.room_slot[0]): 3,
    }
    assert sorted(b["unit"] for b in won[(setup.room, setup.room_slot[0])]) == [0, 1, 2]
    assert statuses[201] == len(setup.slots) + 3 and statuses[409] == 200 - statuses[201]
    for status, body, _, job in run["answers"]:
        if status != 409:
            continue
        winners = won[(job[1], job[2])]
        assert body["conflict"]["starts_at"] in {w["starts_at"] for w in winners}
        assert body["conflict"]["booking_id"] in {w["id"] for w in winners}
        local = f"{job[2].replace('T', ' ')}–{job[3][11:]} (Europe/Paris)"
        assert f"taken from {local}" in body["detail"]

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(
                bookings.c.resource_id, bookings.c.unit, bookings.c.starts_at, bookings.c.ends_at
            ).where(bookings.c.status.in_(("pending", "confirmed")))
        ).all()
    assert len(rows) == statuses[201]
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            same_unit = (a.resource_id, a.unit) == (b.resource_id, b.unit)
            assert not (same_unit and a.starts_at < b.ends_at and b.starts_at < a.ends_at), (a, b)
