"""The booking rules of a resource as an HTML form (no JSON to type), and back.

Availability windows are rows of weekday boxes with a start and an end time (a weekly RRULE
underneath); a window whose rule is not a plain weekly one keeps its RRULE in the row's
"advanced" field. Exceptions (maintenance, holidays) are rows of local from/to times. Every
page shows the stored rows plus blank ones, so adding a window needs no JavaScript.
Validation is the service's (`sharing.rules.check_rules`): this module only carries values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
NUMBERS = ("slot_minutes", "min_minutes", "max_minutes", "horizon_days",
           "book_before_minutes", "cancel_before_minutes")  # fmt: skip
PRICES = ("price_per_hour", "price_per_slot")
BLANK_ROWS = 2
MAX_ROWS = 60  # a hostile form cannot make the parser walk more rows than this
_WEEKLY = re.compile(r"FREQ=WEEKLY;BYDAY=((?:MO|TU|WE|TH|FR|SA|SU)(?:,(?:MO|TU|WE|TH|FR|SA|SU))*)")


def window_rows(rules: dict[str, Any]) -> list[dict[str, Any]]:
    """The availability windows as form rows, then blank rows."""
    rows = []
    for w in rules.get("availability") or []:
        rule = str(w.get("rrule", "")).upper()
        weekly = _WEEKLY.fullmatch(rule)
        days = set(weekly.group(1).split(",")) if weekly else (
            set(WEEKDAYS) if rule == "FREQ=DAILY" else set())  # fmt: skip
        rows.append({"days": days, "start": w.get("start", ""), "end": w.get("end", ""),
                     "rrule": "" if weekly or rule == "FREQ=DAILY" else w.get("rrule", ""),
                     "since": w.get("since", "")})  # fmt: skip
    return rows + [{"days": set(), "start": "", "end": "", "rrule": "", "since": ""}] * BLANK_ROWS


def exception_rows(rules: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [{"from": e["from"], "to": e["to"], "note": e.get("note", "")}
            for e in rules.get("exceptions") or []]  # fmt: skip
    return rows + [{"from": "", "to": "", "note": ""}] * BLANK_ROWS


def _number(text: str) -> Any:
    text = text.strip()
    # A wrong value is passed on as typed, so the service's message quotes it.
    return int(text) if re.fullmatch(r"-?\d{1,9}", text) else text


def rules_from_form(form: Mapping[str, Any]) -> dict[str, Any]:
    """The rules a submitted form states (a Starlette FormData or a dict of lists)."""

    def one(name: str) -> str:
        value = form.get(name)
        return str(value if value is not None else "").strip()

    def many(name: str) -> list[str]:
        getter = getattr(form, "getlist", None)
        values = getter(name) if getter else form.get(name) or []
        return [str(v) for v in (values if isinstance(values, list | tuple) else [values])]

    rules: dict[str, Any] = {k: _number(one(k)) for k in NUMBERS if one(k)}
    for k in PRICES:
        rules[k] = one(k).replace(",", ".") or None
    rules["currency"] = one("currency").upper() or None
    rules["approval"] = bool(one("approval"))
    windows = []
    for i in range(MAX_ROWS):
        days = [d for d in WEEKDAYS if d in many(f"w{i}_days")]
        rrule, start, end = one(f"w{i}_rrule"), one(f"w{i}_start"), one(f"w{i}_end")
        if not (days or rrule or start or end):
            continue
        w = {"rrule": rrule or (f"FREQ=WEEKLY;BYDAY={','.join(days)}" if days else ""),
             "start": start, "end": end}  # fmt: skip
        if one(f"w{i}_since"):
            w["since"] = one(f"w{i}_since")
        windows.append(w)
    rules["availability"] = windows
    exceptions = []
    for i in range(MAX_ROWS):
        start, end, note = one(f"x{i}_from"), one(f"x{i}_to"), one(f"x{i}_note")
        if start or end:
            exceptions.append({"from": start, "to": end, **({"note": note} if note else {})})
    rules["exceptions"] = exceptions
    return rules
