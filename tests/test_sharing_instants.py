"""The slot grid's instant texts equal `isoformat`'s, across daylight-saving days, zones with
half-hour and 45-minute offsets, instants given in local time and instants with seconds."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from refaire.sharing.instants import InstantTexts

ZONES = ("Europe/Paris", "America/St_Johns", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC",
         "America/New_York", "Pacific/Chatham")  # fmt: skip


@pytest.mark.parametrize("name", ZONES)
def test_texts_equal_isoformat(name: str) -> None:
    zone, rng = ZoneInfo(name), random.Random(name)
    texts = InstantTexts(zone)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(5000):
        when = base + timedelta(minutes=15 * rng.randrange(0, 70080))
        if rng.random() < 0.05:
            when = when.astimezone(zone)
        if rng.random() < 0.02:
            when += timedelta(seconds=7)
        expected = (when.astimezone(UTC).isoformat(),
                    when.astimezone(zone).isoformat(timespec="minutes"))  # fmt: skip
        assert texts(when) == expected, when


def test_the_paris_change_of_hour() -> None:
    texts = InstantTexts(ZoneInfo("Europe/Paris"))
    before = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert texts(before)[1] == "2026-03-29T01:30+01:00"
    assert texts(before + timedelta(hours=1))[1] == "2026-03-29T03:30+02:00"
