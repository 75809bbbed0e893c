"""Signals per year for one sector: the news series shown beside the momentum component.

News is not designs: an article about a wheelchair workshop says the sector is talked
about, not that a design was published. So this series is never added to the index value;
the sector report and its JSON show it as its own labelled series. Per year, a signal
counts once, as `certain` when its sector tag is stated or confirmed, else as `inferred`
(only a classifier tied it to the sector) — the weaker is never shown as the stronger.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from refaire.store.db import Store
from refaire.store.tables import signal_tags, signals

LABEL = "news signals per year (a separate series: not designs, not in the index value)"


def news_series(store: Store, sector: str) -> dict[str, Any]:
    year = func.substr(signals.c.published, 1, 4)
    # per signal: 1 when any of its tags for the sector is stated or confirmed
    strong = case((signal_tags.c.origin == "inferred", 0), else_=1)
    per_signal = (
        select(signals.c.id, year.label("year"), func.max(strong).label("strong"))
        .join(signal_tags, signal_tags.c.signal_id == signals.c.id)
        .where(signal_tags.c.kind == "sector", signal_tags.c.value == sector)
        .group_by(signals.c.id, year)
        .subquery()
    )
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(per_signal.c.year, per_signal.c.strong, func.count())
            .group_by(per_signal.c.year, per_signal.c.strong)
            .order_by(per_signal.c.year)
        ).all()
    years: dict[str, dict[str, int]] = {}
    for y, strong_flag, n in rows:
        entry = years.setdefault(str(y), {"certain": 0, "inferred": 0})
        entry["certain" if strong_flag else "inferred"] += n
    return {
        "label": LABEL,
        "in_index": False,
        "by_year": [{"year": y, **v} for y, v in sorted(years.items())],
    }
