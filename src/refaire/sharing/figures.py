"""What the observatory counts of sharing: booked hours and shared machines and tools.

Counted: bookings (not blocks) confirmed or completed; pending, refused, cancelled and
no-show ones are not hours of use. Hours are given per month (UTC month of the start),
per process of the resource, and per country of its facility; a member's lent tool has
no stated country and is counted as "not located". Shared resources are the active
bookable machines, spaces and tools.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC
from typing import Any

from sqlalchemy import func, select

from refaire.store.tables import bookings, facilities, resources

COUNTED = ("confirmed", "completed")
NOT_LOCATED = "not located"


def bookings_figures(conn: Any, country: str | None = None) -> dict[str, Any]:
    where = [bookings.c.kind == "booking", bookings.c.status.in_(COUNTED)]
    if country:
        where.append(facilities.c.country == country)
    rows = conn.execute(
        select(bookings.c.starts_at, bookings.c.ends_at, resources.c.process,
               facilities.c.country)
        .select_from(bookings.join(resources, resources.c.id == bookings.c.resource_id)
                     .outerjoin(facilities, facilities.c.id == resources.c.facility_id))
        .where(*where)
    ).all()  # fmt: skip
    by_month: dict[str, list[float]] = defaultdict(lambda: [0.0, 0])
    by_process: dict[str, float] = defaultdict(float)
    by_country: dict[str, float] = defaultdict(float)
    for start, end, process, cc in rows:
        hours = (end - start).total_seconds() / 3600
        month = (start if start.tzinfo else start.replace(tzinfo=UTC)).astimezone(UTC)
        by_month[month.strftime("%Y-%m")][0] += hours
        by_month[month.strftime("%Y-%m")][1] += 1
        by_process[process or "unstated"] += hours
        by_country[cc or NOT_LOCATED] += hours
    shared_where = [resources.c.active.is_(True)]
    if country:
        shared_where.append(facilities.c.country == country)
    shared = conn.execute(
        select(facilities.c.country, resources.c.kind, func.count())
        .select_from(resources.outerjoin(facilities, facilities.c.id == resources.c.facility_id))
        .where(*shared_where)
        .group_by(facilities.c.country, resources.c.kind)
    ).all()
    per_country: dict[str, dict[str, int]] = defaultdict(lambda: {"machine": 0, "space": 0,
                                                                  "tool": 0})  # fmt: skip
    for cc, kind, n in shared:
        per_country[cc or NOT_LOCATED][kind] += n
    return {
        "bookings": len(rows),
        "booked_hours": round(sum(by_process.values()), 2),
        "by_month": [{"month": m, "hours": round(h, 2), "bookings": n}
                     for m, (h, n) in sorted(by_month.items())],
        "by_process": [{"process": p, "hours": round(h, 2)}
                       for p, h in sorted(by_process.items(), key=lambda x: -x[1])],
        "by_country": [{"country": c, "hours": round(h, 2)}
                       for c, h in sorted(by_country.items(), key=lambda x: -x[1])],
        "shared": [{"country": c, **k, "total": sum(k.values())}
                   for c, k in sorted(per_country.items(), key=lambda x: -sum(x[1].values()))],
    }  # fmt: skip
