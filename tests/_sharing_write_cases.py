"""What the sharing permission cases need in the permission scenario (`test_write_permissions`):
a bookable room and an approval-only room at the scenario's lab, a training with a session,
and fresh bookings of the member, each on its own slot, made on first use and kept on `s`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from refaire.people import OPERATOR
from refaire.people.auth import actor_for_user
from refaire.sharing import resources, service, trainings

RULES = {"slot_minutes": 60, "min_minutes": 60, "max_minutes": 120}


def sharing(s: Any) -> SimpleNamespace:
    if not hasattr(s, "sharing"):
        make = lambda name, **rules: resources.create_resource(s.store, OPERATOR, s.lab, {  # noqa: E731
            "kind": "space", "name": name, "units": 1, "time_zone": "Europe/Paris",
            "rules": {**RULES, **rules}})["id"]  # fmt: skip
        training = resources.add_training(s.store, OPERATOR, s.lab, {"name": "Probe training"})
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        session, page_session = (
            trainings.add_session(s.store, OPERATOR, training["id"], start,
                                  start + timedelta(hours=1), 10)["id"]
            for _ in range(2)
        )  # fmt: skip
        s.sharing = SimpleNamespace(
            room=make("Probe room"), approval=make("Approval room", approval=True),
            training=training["id"], session=session, page_session=page_session, next=0,
            day=datetime.now(UTC).date() + timedelta(days=3),
        )  # fmt: skip
    return s.sharing


def slot(s: Any) -> tuple[str, str]:
    """A fresh hour on the probe rooms (around the clock: they have no opening hours)."""
    sh = sharing(s)
    start = datetime.combine(sh.day, datetime.min.time()) + timedelta(hours=sh.next)
    sh.next += 1
    return start.isoformat(timespec="minutes"), (start + timedelta(hours=1)).isoformat(
        timespec="minutes"
    )


def slot_json(s: Any, role: str, **extra: Any) -> dict[str, Any]:
    a, b = slot(s)
    return {"json": {"starts_at": a, "ends_at": b, **extra}}


def slot_form(s: Any, role: str) -> dict[str, Any]:
    a, b = slot(s)
    return {"data": {"day": a[:10], "start": a[11:], "end": b[11:]}}


def member_booking(s: Any, role: str, approval: bool = False) -> int:
    """A new booking of the scenario's member (pending on the approval room)."""
    sh = sharing(s)
    member = actor_for_user(s.store, s.users["member"], via="cli")
    a, b = slot(s)
    return service.book(s.store, member, sh.approval if approval else sh.room, a, b)["id"]


def signed_up_session(s: Any, role: str) -> int:
    """A new session of the probe training with `role`'s user signed up (not the anonymous)."""
    sh = sharing(s)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    sid = trainings.add_session(s.store, OPERATOR, sh.training, start,
                                start + timedelta(hours=1), 5)["id"]  # fmt: skip
    if role in s.users:
        trainings.sign_up(s.store, actor_for_user(s.store, s.users[role], via="cli"), sid)
    return sid
