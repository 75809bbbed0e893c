"""When a resource can be booked: open intervals, free slots, and whether a booking fits.

Open intervals = the facility's opening hours (weekly schedule minus closures, from facility
management) ∩ the resource's recurring availability windows (RRULE) − its exceptions, all
computed in wall-clock time where the resource is and only then turned into UTC instants,
which is what makes a slot on the day of a daylight-saving change right. Nothing here reads
the database: the service passes the resource, the facility's hours and the busy intervals.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from refaire.model.booking import Busy
from refaire.sharing.rules import parse_clock, rule_for

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Span = tuple[datetime, datetime]


def _local_end(d: date, text: str) -> datetime:
    if text == "24:00":
        return datetime.combine(d + timedelta(days=1), time())
    clock = parse_clock(text)
    assert clock is not None
    return datetime.combine(d, clock)


def _hours_spans(hours: dict[str, Any] | None, first: date, last: date) -> list[Span] | None:
    """The facility's opening periods (naive local) per day, or None when it gives none."""
    if not hours or not hours.get("weekly"):
        return None
    closures = hours.get("closures") or []
    spans: list[Span] = []
    d = first
    while d <= last:
        iso = d.isoformat()
        if not any(c["from"] <= iso <= c["to"] for c in closures):
            for a, b in hours["weekly"].get(DAYS[d.weekday()], []):
                spans.append((datetime.combine(d, parse_clock(a) or time()), _local_end(d, b)))
        d += timedelta(days=1)
    return spans


def _rule_spans(rules: dict[str, Any], first: date, last: date) -> list[Span] | None:
    """The resource's recurring windows (naive local) over [first, last], or None if none."""
    windows = rules.get("availability") or []
    if not windows:
        return None
    spans: list[Span] = []
    lo, hi = datetime.combine(first, time()), datetime.combine(last, time(23, 59))
    for w in windows:
        start = parse_clock(w["start"]) or time()
        length = _local_end(date(2000, 1, 3), w["end"]) - datetime.combine(date(2000, 1, 3), start)
        for occurrence in rule_for(w, start, first).between(lo, hi, inc=True):  # bounded
            spans.append((occurrence, occurrence + length))
    return spans


def _merge(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _intersect(xs: list[Span], ys: list[Span]) -> list[Span]:
    out, i, j = [], 0, 0
    while i < len(xs) and j < len(ys):
        a, b = max(xs[i][0], ys[j][0]), min(xs[i][1], ys[j][1])
        if a < b:
            out.append((a, b))
        if xs[i][1] < ys[j][1]:
            i += 1
        else:
            j += 1
    return out


def _subtract(xs: list[Span], cuts: list[Span]) -> list[Span]:
    out = []
    for a, b in xs:
        pieces = [(a, b)]
        for c, d in cuts:
            pieces = [p for x, y in pieces for p in ((x, min(y, c)), (max(x, d), y)) if p[0] < p[1]]
        out += pieces
    return out


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(UTC)


def open_intervals(
    resource: dict[str, Any], hours: dict[str, Any] | None, start: datetime, end: datetime
) -> list[Span]:
    """UTC intervals within [start, end) when the resource may be booked."""
    zone = ZoneInfo(resource["time_zone"])
    rules = resource["rules"]
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    by_hours = _hours_spans(hours, first, last)
    by_rules = _rule_spans(rules, first, last)
    if by_hours is None and by_rules is None:
        local = [(datetime.combine(first, time()), datetime.combine(last, time()))]
    elif by_hours is None or by_rules is None:
        local = _merge(by_hours if by_rules is None else by_rules)
    else:
        local = _intersect(_merge(by_hours), _merge(by_rules))
    cuts = [
        (datetime.fromisoformat(e["from"]), datetime.fromisoformat(e["to"]))
        for e in rules.get("exceptions") or []
    ]
    local = _subtract(local, cuts)
    out = []
    for a, b in local:
        ua, ub = max(to_utc(a, zone), start), min(to_utc(b, zone), end)
        if ua < ub:
            out.append((ua, ub))
    return _merge(out)


def busy_units(busy: list[Busy], a: datetime, b: datetime, starts: list[datetime],
               longest: timedelta) -> set[int]:  # fmt: skip
    """Units holding an active booking overlapping [a, b); `busy` sorted by start."""
    lo = bisect_left(starts, a - longest)
    hi = bisect_left(starts, b)
    return {x.unit for x in busy[lo:hi] if x.ends_at > a and x.starts_at < b}


class Calendar:
    """A resource's open intervals and busy times over a range, for repeated questions."""

    def __init__(self, resource: dict[str, Any], intervals: list[Span], busy: list[Busy]):
        self.units = int(resource["units"])
        self.slot = timedelta(minutes=resource["rules"]["slot_minutes"])
        self.intervals = intervals
        self.busy = sorted(busy, key=lambda x: x.starts_at)
        self.starts = [x.starts_at for x in self.busy]
        self.longest = max((x.ends_at - x.starts_at for x in self.busy), default=timedelta(0))

    def interval_of(self, a: datetime, b: datetime) -> Span | None:
        """The open interval holding all of [a, b), if any."""
        for x, y in self.intervals:
            if x <= a and b <= y:
                return (x, y)
        return None

    def taken(self, a: datetime, b: datetime) -> set[int]:
        return busy_units(self.busy, a, b, self.starts, self.longest)

    def conflicts(self, a: datetime, b: datetime) -> list[Busy]:
        lo = bisect_left(self.starts, a - self.longest)
        hi = bisect_left(self.starts, b)
        return [x for x in self.busy[lo:hi] if x.ends_at > a and x.starts_at < b]

    def free_unit(self, a: datetime, b: datetime) -> int | None:
        taken = self.taken(a, b)
        return next((u for u in range(self.units) if u not in taken), None)

    def slots(self) -> list[dict[str, Any]]:
        """Every slot of the grid with its free units (0 = fully booked).

        One sweep: each busy interval marks the slots it overlaps (found by bisection on the
        grid), instead of a search of the busy list per slot.
        """
        grid: list[Span] = []
        for x, y in self.intervals:
            s = x
            while s + self.slot <= y:
                grid.append((s, s + self.slot))
                s += self.slot
        ends = [e for _, e in grid]
        taken: dict[int, set[int]] = {}
        for b in self.busy:
            i = bisect_right(ends, b.starts_at)  # first slot ending after the booking starts
            while i < len(grid) and grid[i][0] < b.ends_at:
                taken.setdefault(i, set()).add(b.unit)
                i += 1
        return [{"starts_at": s, "ends_at": e, "free_units": self.units - len(taken.get(i, ()))}
                for i, (s, e) in enumerate(grid)]  # fmt: skip

    def next_free(self, after: datetime, length: timedelta, count: int = 3) -> list[Span]:
        """The first `count` starts on the slot grid at or after `after` where `length` fits."""
        found: list[Span] = []
        for x, y in self.intervals:
            s = x
            while s + length <= y and len(found) < count:
                if s >= after and self.free_unit(s, s + length) is not None:
                    found.append((s, s + length))
                s += self.slot
            if len(found) >= count:
                break
        return found
