"""Opening hours: a weekly schedule and closures, in the facility's IANA time zone.

Stored in the record as `extra["hours"]`:
`{"time_zone": "Europe/Paris", "weekly": {"mon": [["09:00", "18:00"]], ...},
"closures": [{"from": "2026-12-24", "to": "2027-01-02", "note": "winter break"}]}`.
Times are wall-clock times where the facility is (so a schedule stays right across daylight
saving time); `open_at` answers "is it open at this instant?" through `zoneinfo`.
The plain-text form ("mon 09:00-12:00 14:00-18:00; tue …") is what the CLI and the web form
read, and what the record's `opening_hours` text shows.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from refaire.said import Said

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORDS = {
    **{d: d for d in DAYS},
    "lun": "mon", "mar": "tue", "mer": "wed", "jeu": "thu", "ven": "fri", "sam": "sat",
    "dim": "sun",
}  # fmt: skip
_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
_RANGE = re.compile(r"^(\S+?)\s*[-–]\s*(\S+)$")
MAX_CLOSURES = 100


def _minutes(text: str, where: str, problems: list[tuple[str, str]]) -> int | None:
    m = _TIME.match(text.strip())
    if not m or (m.group(1) == "24" and m.group(2) != "00"):
        problems.append((where, Said("manage.err.time", value=text)))
        return None
    return int(m.group(1)) * 60 + int(m.group(2))


def _zone(name: Any, problems: list[tuple[str, str]]) -> str | None:
    if not isinstance(name, str) or not name.strip():
        problems.append(("time_zone", Said("manage.err.zone_missing")))
        return None
    name = name.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        near = sorted(z for z in available_timezones() if z.lower().endswith(name.lower()))[:3]
        if near:
            problems.append(("time_zone", Said("manage.err.zone_near", value=name, near=", ".join(near))))
        else:
            problems.append(("time_zone", Said("manage.err.zone_unknown", value=name)))
        return None
    return name


def _day(key: Any, ranges: Any, problems: list[tuple[str, str]]) -> tuple[str, list] | None:
    day = _DAY_WORDS.get(str(key).strip().lower()[:3])
    if day is None:
        problems.append((f"weekly.{key}", Said("manage.err.day")))
        return None
    if not isinstance(ranges, list):
        problems.append((f"weekly.{day}", Said("manage.err.day_list")))
        return None
    spans: list[tuple[int, int]] = []
    for i, r in enumerate(ranges):
        where = f"weekly.{day}[{i}]"
        if not (isinstance(r, list | tuple) and len(r) == 2):
            problems.append((where, Said("manage.err.period")))
            continue
        a, b = _minutes(str(r[0]), where, problems), _minutes(str(r[1]), where, problems)
        if a is None or b is None:
            continue
        if a >= b:
            problems.append((where, Said("manage.err.closes_before", opens=r[0], closes=r[1])))
            continue
        spans.append((a, b))
    spans.sort()
    for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False):
        if a2 < b1:
            problems.append((f"weekly.{day}", Said("manage.err.overlap")))
            break
    return day, [[f"{a // 60:02d}:{a % 60:02d}", f"{b // 60:02d}:{b % 60:02d}"] for a, b in spans]


def _closure(i: int, c: Any, problems: list[tuple[str, str]]) -> dict[str, str] | None:
    where = f"closures[{i}]"
    if not isinstance(c, dict):
        problems.append((where, Said("manage.err.closure")))
        return None
    try:
        start = date.fromisoformat(str(c.get("from", "")).strip())
        end = date.fromisoformat(str(c.get("to") or c.get("from")).strip())
    except ValueError:
        problems.append((where, Said("manage.err.dates")))
        return None
    if end < start:
        problems.append((where, Said("manage.err.ends_before", end=end, start=start)))
        return None
    out = {"from": start.isoformat(), "to": end.isoformat()}
    if c.get("note"):
        out["note"] = str(c["note"]).strip()[:200]
    return out


def check_hours(data: Any) -> dict[str, Any]:
    """The canonical schedule, or ManageError naming every wrong field."""
    from refaire.manage.access import ManageError

    problems: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        raise ManageError([("hours", Said("manage.err.hours"))])
    zone = _zone(data.get("time_zone"), problems)
    weekly: dict[str, list] = {}
    given = data.get("weekly") or {}
    if not isinstance(given, dict):
        problems.append(("weekly", Said("manage.err.weekly")))
        given = {}
    for key, ranges in given.items():
        done = _day(key, ranges, problems)
        if done and done[1]:
            weekly[done[0]] = weekly.get(done[0], []) + done[1]
    closures_in = data.get("closures") or []
    if not isinstance(closures_in, list) or len(closures_in) > MAX_CLOSURES:
        problems.append(("closures", Said("manage.err.closures", most=MAX_CLOSURES)))
        closures_in = []
    closures = [c for i, x in enumerate(closures_in) if (c := _closure(i, x, problems))]
    if problems:
        raise ManageError(problems)
    ordered = {d: weekly[d] for d in DAYS if d in weekly}
    return {"time_zone": zone, "weekly": ordered, "closures": closures}


def parse_weekly(text: str) -> dict[str, list[list[str]]]:
    """'mon-fri 09:00-18:00; sat 10:00-12:00 14:00-17:00' as a weekly mapping (unchecked)."""
    weekly: dict[str, list[list[str]]] = {}
    for part in re.split(r"[;\n]", text or ""):
        words = part.split()
        if not words:
            continue
        days_word, times = words[0].lower(), words[1:]
        if "-" in days_word and not _TIME.match(days_word.split("-")[0]):
            first, last = (_DAY_WORDS.get(w[:3], w) for w in days_word.split("-", 1))
            if first in DAYS and last in DAYS:
                days = list(DAYS[DAYS.index(first) : DAYS.index(last) + 1])
            else:
                days = [days_word]
        else:
            days = [days_word]
        spans = []
        for t in times:
            m = _RANGE.match(t)
            spans.append(list(m.groups()) if m else [t, ""])
        for d in days:
            weekly.setdefault(d, []).extend(spans)
    return weekly


def parse_closures(text: str) -> list[dict[str, str]]:
    """'2026-12-24..2027-01-02 winter break' per line as closures (unchecked)."""
    out = []
    for line in (text or "").splitlines():
        words = line.split(maxsplit=1)
        if not words:
            continue
        start, _, end = words[0].partition("..")
        out.append({"from": start, "to": end or start, "note": words[1] if len(words) > 1 else ""})
    return out


def weekly_text(hours: dict[str, Any]) -> str:
    """The schedule as one line: 'mon 09:00-18:00; tue 09:00-12:00 14:00-18:00'."""
    return "; ".join(
        f"{d} " + " ".join(f"{a}-{b}" for a, b in spans)
        for d, spans in (hours.get("weekly") or {}).items()
    )


def closures_text(hours: dict[str, Any]) -> str:
    return "\n".join(
        f"{c['from']}..{c['to']}" + (f" {c['note']}" if c.get("note") else "")
        for c in hours.get("closures") or []
    )


def open_at(hours: dict[str, Any], at: datetime) -> bool:
    """Whether the facility is open at the instant `at` (timezone-aware)."""
    local = at.astimezone(ZoneInfo(hours["time_zone"]))
    today = local.date().isoformat()
    for c in hours.get("closures") or []:
        if c["from"] <= today <= c["to"]:
            return False
    now = local.time()
    for a, b in (hours.get("weekly") or {}).get(DAYS[local.weekday()], []):
        start = time.fromisoformat(a)
        if b == "24:00":
            if now >= start:
                return True
        elif start <= now < time.fromisoformat(b):
            return True
    return False
