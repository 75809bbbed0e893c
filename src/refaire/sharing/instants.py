"""ISO texts of instants, in UTC and in a resource's time zone, for slot grids.

A 90-day grid has thousands of instants, and `isoformat` plus a time-zone conversion per
instant was most of its cost. Within one UTC day the zone's offset is almost always one
value: it is looked up twice a day, and the texts are put together from cached day and
clock parts. A day whose offset changes (daylight saving) and an instant with seconds take
the plain conversion, so every text equals `isoformat`'s.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_DAY = timedelta(days=1)
_ZERO = timedelta(0)


def _offset_text(offset: timedelta) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class InstantTexts:
    """`texts(when)` → (UTC ISO text, local ISO text to the minute), each instant once."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._seen: dict[datetime, tuple[str, str]] = {}
        self._days: dict[date, str] = {}
        self._clocks: dict[tuple[int, int], str] = {}
        self._offsets: dict[date, tuple[timedelta, str] | None] = {}

    def _day(self, d: date) -> str:
        text = self._days.get(d)
        if text is None:
            text = self._days[d] = d.isoformat()
        return text

    def _clock(self, hour: int, minute: int) -> str:
        text = self._clocks.get((hour, minute))
        if text is None:
            text = self._clocks[(hour, minute)] = f"{hour:02d}:{minute:02d}"
        return text

    def _offset(self, d: date) -> tuple[timedelta, str] | None:
        if d not in self._offsets:
            start = datetime(d.year, d.month, d.day, tzinfo=UTC)
            first = start.astimezone(self.zone).utcoffset()
            last = (start + _DAY).astimezone(self.zone).utcoffset()
            self._offsets[d] = (first, _offset_text(first)) if first == last else None
        return self._offsets[d]

    def __call__(self, when: datetime) -> tuple[str, str]:
        if when.utcoffset() != _ZERO:  # the grid's first instant may come in local time
            when = when.astimezone(UTC)
        found = self._seen.get(when)
        if found is not None:
            return found
        plain = when.second or when.microsecond
        offset = None if plain else self._offset(when.date())
        if offset is None:  # a daylight-saving day, or seconds: the plain way
            found = (when.isoformat(),
                     when.astimezone(self.zone).isoformat(timespec="minutes"))  # fmt: skip
        else:
            local = when + offset[0]
            found = (
                f"{self._day(when.date())}T{self._clock(when.hour, when.minute)}:00+00:00",
                f"{self._day(local.date())}T{self._clock(local.hour, local.minute)}{offset[1]}",
            )
        self._seen[when] = found
        return found
