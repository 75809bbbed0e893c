"""A resource's booking rules: what a manager or a lender may set, checked in one place.

Rules are wall-clock rules where the resource is (its IANA time zone), so a weekly "Tuesday
09:00-18:00" stays right across daylight saving time:

- availability: recurring windows `[{rrule, start, end, since}]` (RFC 5545 RRULE read by
  python-dateutil, e.g. `FREQ=WEEKLY;BYDAY=TU,TH`, from `since`, by default the day it was
  set); none = the facility's opening hours only
  (a member's tool with neither is available around the clock);
- exceptions: `[{from, to, note}]` local date-times when it is not available (maintenance);
- slot_minutes (granularity), min_minutes, max_minutes, horizon_days;
- book_before_minutes (booking deadline), cancel_before_minutes (cancellation deadline);
- price_per_hour or price_per_slot (else the facility's hourly rate for the process), currency;
- approval: whether a manager confirms each booking.

An RRULE is expanded only inside a bounded window and refused when it would give more than
`MAX_OCCURRENCES` windows over the horizon (FREQ=SECONDLY, or a daily rule with many BYHOURs).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr

from refaire.said import Said

DEFAULTS: dict[str, Any] = {
    "availability": [],
    "exceptions": [],
    "slot_minutes": 30,
    "min_minutes": 30,
    "max_minutes": 480,
    "horizon_days": 90,
    "book_before_minutes": 0,
    "cancel_before_minutes": 0,
    "price_per_hour": None,
    "price_per_slot": None,
    "currency": None,
    "approval": False,
}
MAX_OCCURRENCES = 2000
MAX_WINDOWS = 20
MAX_EXCEPTIONS = 200
MAX_HORIZON_DAYS = 730
ALLOWED_FREQ = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$|^24:00$")


class RulesError(ValueError):
    """Rules that cannot be stored; `problems` lists every (field, message)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))


def check_zone(name: Any) -> str:
    """The IANA time zone name, or RulesError naming it."""
    text = str(name or "").strip()
    try:
        if not text:
            raise ValueError
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise RulesError(
            [("time_zone", Said("sharing.err.zone", value=repr(text)))]
        ) from None
    return text


def _int(rules: dict, key: str, low: int, high: int, problems: list) -> None:
    value = rules.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append((key, Said("sharing.err.whole", low=low, high=high, value=repr(value))))


def _money(rules: dict, key: str, problems: list) -> None:
    value = rules.get(key)
    if value is None:
        return
    try:
        rules[key] = float(value)
        if not 0 <= rules[key] < 1e6:
            raise ValueError
    except (TypeError, ValueError):
        problems.append((key, Said("sharing.err.amount", value=repr(value))))


def parse_clock(text: Any) -> time | None:
    """'09:00' → time(9, 0); '24:00' → time.max stand-in handled by callers (None if wrong)."""
    text = str(text or "").strip()
    if not _TIME.match(text):
        return None
    if text == "24:00":
        return time(23, 59, 59, 999999)
    h, m = text.split(":")
    return time(int(h), int(m))


def _shiftable(text: str) -> bool:
    """Whether the rule gives the same days from any anchor date: daily, or weekly on named
    days, with no INTERVAL or COUNT (those count from the anchor)."""
    parts = dict(p.split("=", 1) for p in text.split(";") if "=" in p)
    if "INTERVAL" in parts and parts["INTERVAL"] != "1" or "COUNT" in parts:
        return False
    return parts.get("FREQ") == "DAILY" or (parts.get("FREQ") == "WEEKLY" and "BYDAY" in parts)


def rule_for(window: dict[str, Any], start: time, not_before: date | None = None) -> Any:
    """The dateutil rule of an availability window, anchored at its `since` date.

    dateutil walks every occurrence from the anchor, so a rule anchored years ago costs
    years of iteration per question; a rule whose days do not depend on the anchor is
    anchored at `not_before` instead (same occurrences from there on)."""
    since = date.fromisoformat(window.get("since") or date.today().isoformat())
    if not_before is not None and not_before > since and _shiftable(window["rrule"]):
        since = not_before
    return rrulestr(window["rrule"], dtstart=datetime.combine(since, start), forceset=False)


def _window(i: int, w: Any, horizon: int, problems: list) -> dict[str, Any] | None:
    where = f"availability[{i}]"
    if not isinstance(w, dict):
        problems.append((where, Said("sharing.err.window")))
        return None
    text = str(w.get("rrule") or "").strip().removeprefix("RRULE:")
    start, end = parse_clock(w.get("start")), parse_clock(w.get("end"))
    if start is None or end is None or end <= start:
        problems.append((where, Said("sharing.err.window_times")))
        return None
    freq = re.search(r"FREQ=([A-Z]+)", text.upper())
    if not freq or freq.group(1) not in ALLOWED_FREQ:
        problems.append(
            (where, Said("sharing.err.freq", allowed="|".join(ALLOWED_FREQ), value=repr(text)))
        )
        return None
    out = {"rrule": text.upper(), "start": w["start"].strip(), "end": w["end"].strip(),
           "since": date.today().isoformat()}  # fmt: skip
    if w.get("since"):
        try:
            out["since"] = date.fromisoformat(str(w["since"]).strip()).isoformat()
        except ValueError:
            problems.append((where, Said("sharing.err.since")))
            return None
    try:
        rule = rule_for(out, start)
    except (ValueError, TypeError) as exc:
        problems.append((where, Said("sharing.err.rrule", error=str(exc))))
        return None
    # Bounded expansion: count at most MAX_OCCURRENCES + 1 instances over the horizon.
    first = datetime.combine(date.today(), time())
    last = first + timedelta(days=horizon + 1)
    for count, occurrence in enumerate(rule.xafter(first - timedelta(days=1), inc=True), 1):
        if occurrence > last:
            break
        if count > MAX_OCCURRENCES:
            problems.append(
                (where, Said("sharing.err.too_many", n=MAX_OCCURRENCES, days=horizon))
            )  # fmt: skip
            return None
    return out


def _exception(i: int, e: Any, problems: list) -> dict[str, str] | None:
    where = f"exceptions[{i}]"
    try:
        start = datetime.fromisoformat(str(e["from"]).strip())
        end = datetime.fromisoformat(str(e["to"]).strip())
    except (KeyError, TypeError, ValueError):
        problems.append((where, Said("sharing.err.exception")))
        return None
    if end <= start:
        problems.append((where, Said("sharing.err.exception_order", end=str(end), start=str(start))))
        return None
    out = {"from": start.replace(tzinfo=None).isoformat(timespec="minutes"),
           "to": end.replace(tzinfo=None).isoformat(timespec="minutes")}  # fmt: skip
    if e.get("note"):
        out["note"] = str(e["note"]).strip()[:200]
    return out


def check_rules(given: dict[str, Any] | None) -> dict[str, Any]:
    """The complete rules (defaults filled in), or RulesError naming every wrong field."""
    if given is not None and not isinstance(given, dict):
        raise RulesError([("rules", Said("sharing.err.rules_mapping"))])
    unknown = sorted(set(given or {}) - set(DEFAULTS))
    problems: list[tuple[str, str]] = [
        (k, Said("sharing.err.unknown_rule", known=", ".join(DEFAULTS))) for k in unknown
    ]
    rules = {**DEFAULTS, **{k: v for k, v in (given or {}).items() if k in DEFAULTS}}
    _int(rules, "slot_minutes", 5, 1440, problems)
    _int(rules, "min_minutes", 5, 60 * 24 * 31, problems)
    _int(rules, "max_minutes", 5, 60 * 24 * 31, problems)
    _int(rules, "horizon_days", 1, MAX_HORIZON_DAYS, problems)
    _int(rules, "book_before_minutes", 0, 60 * 24 * 60, problems)
    _int(rules, "cancel_before_minutes", 0, 60 * 24 * 60, problems)
    if not problems and rules["min_minutes"] > rules["max_minutes"]:
        problems.append(("min_minutes", Said("sharing.err.min_max")))
    _money(rules, "price_per_hour", problems)
    _money(rules, "price_per_slot", problems)
    if rules["currency"] is not None and not re.fullmatch(r"[A-Z]{3}", str(rules["currency"])):
        problems.append(("currency", Said("sharing.err.currency")))
    rules["approval"] = bool(rules["approval"])
    windows = rules["availability"] or []
    if not isinstance(windows, list) or len(windows) > MAX_WINDOWS:
        problems.append(("availability", Said("sharing.err.windows", n=MAX_WINDOWS)))
        windows = []
    horizon = rules["horizon_days"] if isinstance(rules["horizon_days"], int) else 90
    rules["availability"] = [
        w for i, x in enumerate(windows) if (w := _window(i, x, horizon, problems))
    ]
    exceptions = rules["exceptions"] or []
    if not isinstance(exceptions, list) or len(exceptions) > MAX_EXCEPTIONS:
        problems.append(("exceptions", Said("sharing.err.exceptions", n=MAX_EXCEPTIONS)))
        exceptions = []
    rules["exceptions"] = [e for i, x in enumerate(exceptions) if (e := _exception(i, x, problems))]
    if problems:
        raise RulesError(problems)
    return rules
