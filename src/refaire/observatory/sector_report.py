"""One sector as a report: its index among the others, its designs, maturity, actors,
where its designs can be made, its signals over time.

Built from the same figures as the dashboard (`dashboard` unfiltered for the sector's
place in the ranking, filtered by the sector for its distributions), plus the sector's
designs, best documented first, and per country the designs a facility there can make
alone (the matching engine's stated verdicts).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import func, select

from refaire.observatory.figures import FilterError, check_filters, dashboard, in_sector
from refaire.observatory.news_series import news_series
from refaire.store.db import Store
from refaire.store.tables import design_observation_tags, design_observations, designs

DESIGNS_SHOWN = 50
o = design_observations
t = design_observation_tags


class SectorError(LookupError):
    """A sector id that is not known, or that no design belongs to."""


def sector_report(
    store: Store,
    sector_id: str,
    lang: str = "en",
    with_coverage: bool = True,
    limit: int = DESIGNS_SHOWN,
    offset: int = 0,
) -> dict[str, Any]:
    """The report of one sector (FilterError for an unknown id)."""
    sector, _ = check_filters(sector_id, None)
    if sector is None:
        raise FilterError("sector: a sector id such as A61 or H is required")
    whole = dashboard(store, lang=lang, with_coverage=with_coverage)
    row = next((s for s in whole["sectors"] if s["id"] == sector), None)
    own = dashboard(store, sector=sector, lang=lang, with_coverage=with_coverage)
    peers = [s for s in whole["sectors"] if s["level"] == (row or {}).get("level")]
    ranked = sum(1 for s in peers if s["rank"])
    with store.engine.connect() as conn:
        members = select(t.c.design_id).where(in_sector(sector))
        total = conn.execute(select(func.count()).select_from(members.subquery())).scalar()
        rows = conn.execute(
            select(
                designs.c.id, designs.c.name, o.c.completeness, o.c.otrl, o.c.year, o.c.date_kind
            )
            .join(o, o.c.design_id == designs.c.id)
            .where(designs.c.id.in_(members))
            .order_by(o.c.completeness.desc(), o.c.otrl.desc().nulls_last(), designs.c.id)
            .limit(limit)
            .offset(offset)
        ).all()
        confidence = dict(
            conn.execute(
                select(t.c.design_id, t.c.confidence).where(
                    t.c.kind == "sector",
                    t.c.value == sector,
                    t.c.design_id.in_([r[0] for r in rows]),
                )
            ).all()
        )
    where = _where_made(store, sector) if with_coverage else None
    return {
        "sector": sector,
        "label": own["sectors"][0]["label"] if own["sectors"] else _label(sector, lang),
        "index": row,
        "ranked_in_level": ranked,
        "designs": {
            "total": total,
            "limit": limit,
            "offset": offset,
            "order": "documentation completeness, then OTRL, best first",
            "items": [
                {
                    "id": did,
                    "name": name,
                    "completeness": comp,
                    "otrl": otrl,
                    "year": year,
                    "date_kind": kind,
                    # None: declared by a CPC class; else the inference's confidence
                    "sector_confidence": confidence.get(did),
                }
                for did, name, comp, otrl, year, kind in rows
            ],
        },
        "readiness": own["readiness"],
        "completeness": own["completeness"],
        "actors": own["actors"],
        "growth": own["growth"],
        "signals": {
            "total": own["signals"]["total"],
            "by_year": [
                {"year": y, "signals": n} for y, n in sorted(own["signals"]["by_year"].items())
            ],
        },
        # news beside the momentum component, never inside the index value
        "momentum_news": news_series(store, sector),
        "where_made": where,
        "methods": whole["methods"],
        "index_method": {k: v for k, v in whole["index_method"].items() if k != "leave_one_out"},
        "leave_one_out": next(
            (r for r in whole["index_method"]["leave_one_out"] if r["sector"] == sector), None
        ),
        "generated_at": whole["generated_at"],
        "filters": {"sector": sector},
    }


def _label(sector: str, lang: str) -> str:
    from refaire.vocab.sectors import sector_label

    return sector_label(sector, lang)


def _where_made(store: Store, sector: str) -> dict[str, Any]:
    """Per country: designs of the sector one facility there can make alone (stated)."""
    from refaire.observatory.coverage import coverage

    cov = coverage(store)
    if not cov.available:
        return {"computed": False, "reason": cov.reason, "countries": []}
    with store.engine.connect() as conn:
        ids = [r[0] for r in conn.execute(select(t.c.design_id).where(in_sector(sector)))]
    counts: Counter[str] = Counter()
    judged = 0
    for did in ids:
        if cov.judged.get(did):
            judged += 1
            counts.update(cov.countries.get(did, ()))
    return {
        "computed": True,
        "reason": None,
        "judged": judged,
        "countries": [
            {"country": c, "designs": n, "share": round(n / judged, 4) if judged else None}
            for c, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
    }
