"""The dashboard: every figure of the observatory from a handful of grouped queries.

`dashboard(store)` first derives the designs not yet derived (`derive.refresh`, one pass
over those records only), then runs one grouped query per family of figures over the
small derived columns (sectors, facets, readiness, completeness masks, years, tags,
lineage, facilities per country, signals) and one pass in Python over the facility
coordinates (density grid) and, when the matching engine is there, over (design, sector)
pairs for the local-making share. Filters (`sector`, `country`) restrict the designs
(and, for a country, the facilities) every figure is computed on.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import case, func, select

from refaire.observatory import derive
from refaire.observatory.completeness import COMPONENTS
from refaire.observatory.coverage import CoverageResult, coverage
from refaire.observatory.index import COMPONENTS as COMPONENT_NAMES
from refaire.observatory.index import MIN_DESIGNS, RESAMPLES
from refaire.observatory.local import LocalResult, local_reach
from refaire.observatory.members import MIN_SECTOR_CONFIDENCE, in_sector, sector_index_table
from refaire.observatory.methods import methods
from refaire.observatory.population import country_name, population, population_source
from refaire.observatory.sector_accuracy import measure as measure_sectors
from refaire.observatory.signals import PRACTICES, SignalError, check_sector
from refaire.store.db import Store
from refaire.store.tables import (
    design_facets,
    design_links,
    design_observation_tags,
    design_observations,
    designs,
    facilities,
    signal_tags,
    signals,
)

TOP = 20
GRID_DEG = 2.0
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")

o = design_observations
t = design_observation_tags


class FilterError(ValueError):
    """A filter value the observatory cannot use (unknown sector, bad country code)."""


def check_filters(sector: str | None, country: str | None) -> tuple[str | None, str | None]:
    """Canonical (sector id, country code), or FilterError saying what is expected."""
    if sector is not None and sector.strip():
        try:
            sector = check_sector(sector)
        except SignalError as exc:
            raise FilterError(exc.errors[0][1]) from None
    else:
        sector = None
    if country is not None and country.strip():
        if not _COUNTRY.match(country.strip()):
            raise FilterError(
                f"country: expected a two-letter ISO code such as FR, got {country!r}"
            )
        country = country.strip().upper()
    else:
        country = None
    return sector, country


def _design_filter(column: Any, sector: str | None, country: str | None) -> list[Any]:
    conds = []
    if sector:
        conds.append(column.in_(select(t.c.design_id).where(in_sector(sector))))
    if country:
        sub = select(t.c.design_id).where(t.c.kind == "country", t.c.value == country)
        conds.append(column.in_(sub))
    return conds


def _label(sector_id: str, lang: str) -> str:
    from refaire.vocab.sectors import sector_label

    return sector_label(sector_id, lang)


def dashboard(
    store: Store,
    sector: str | None = None,
    country: str | None = None,
    lang: str = "en",
    with_coverage: bool = True,
    radius_km: float = 50.0,
) -> dict[str, Any]:
    """Every figure of the observatory (see the module docstring and `methods`)."""
    sector, country = check_filters(sector, country)
    start = time.perf_counter()
    derived = derive.refresh(store)
    derived_s = time.perf_counter() - start
    cov = coverage(store, radius_km) if with_coverage else CoverageResult(reason="not asked")
    local = (
        local_reach(store, country, radius_km) if with_coverage else LocalResult(reason="not asked")
    )
    cov_s = time.perf_counter() - start - derived_s
    figures_start = time.perf_counter()
    flt_o = _design_filter(o.c.design_id, sector, country)
    with store.engine.connect() as conn:
        out = _figures(store, conn, flt_o, sector, country, lang, cov, local)
    out["filters"] = {"sector": sector, "country": country}
    out["generated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    out["timings_s"] = {
        "derive": round(derived_s, 3),
        "coverage": round(cov_s, 3),
        "figures": round(time.perf_counter() - figures_start, 3),
    }
    out["derived_designs"] = derived
    out["methods"] = methods(lang)
    return out


def _figures(
    store: Store,
    conn: Any,
    flt_o: list[Any],
    sector: str | None,
    country: str | None,
    lang: str,
    cov: Any,
    local: LocalResult,
) -> dict[str, Any]:
    mature = func.sum(case((o.c.otrl >= 4, 1), else_=0))
    total, completeness_sum, mature_n = conn.execute(
        select(func.count(), func.coalesce(func.sum(o.c.completeness), 0.0), mature).where(*flt_o)
    ).one()
    mature_n = int(mature_n or 0)

    # sectors: counts, declared vs inferred, maturity and completeness, in one grouped query
    q = (
        select(
            t.c.value,
            func.count(),
            func.sum(case((t.c.confidence.is_(None), 1), else_=0)),
            func.avg(t.c.confidence),
            mature,
            func.sum(o.c.completeness),
        )
        .select_from(t.join(o, o.c.design_id == t.c.design_id))
        .where(in_sector(), *flt_o)
        .group_by(t.c.value)
    )
    sector_rows = conn.execute(q).all()
    per_sector_cov = _sector_coverage(conn, flt_o, cov) if cov.available else {}
    table = sector_index_table(store, conn, flt_o, (sector, country), local)
    sectors_out = []
    for value, n, declared, conf, mat, _comp in sector_rows:
        judged, makeable = per_sector_cov.get(value, (0, 0)) if cov.available else (None, None)
        idx = table["rows"][value]
        idx["raw"]["makeable_anywhere"] = round(makeable / judged, 4) if judged else None
        sectors_out.append(
            {
                "id": value,
                "label": _label(value, lang),
                "level": "section" if len(value) == 1 else "class",
                "designs": n,
                "declared": int(declared or 0),
                "inferred": n - int(declared or 0),
                "mean_inferred_confidence": round(conf, 3) if conf is not None else None,
                "mature": int(mat or 0),
                **idx,
            }
        )
    sectors_out.sort(key=lambda r: (r["level"] != "section", -r["designs"], r["id"]))

    facets: dict[str, list[dict[str, Any]]] = defaultdict(list)
    flt_f = [design_facets.c.design_id.in_(select(o.c.design_id).where(*flt_o))] if flt_o else []
    for facet, value, n in conn.execute(
        select(design_facets.c.facet, design_facets.c.value, func.count())
        .where(design_facets.c.facet.in_(("openness", "platform", "format")), *flt_f)
        .group_by(design_facets.c.facet, design_facets.c.value)
        .order_by(func.count().desc(), design_facets.c.value)
    ):
        facets[facet].append({"value": value, "designs": n})

    otrl: dict[int | None, int] = defaultdict(int)
    odrl: dict[int | None, int] = defaultdict(int)
    masks: dict[int, int] = defaultdict(int)
    for lt, ld, mask, n in conn.execute(
        select(o.c.otrl, o.c.odrl, o.c.components, func.count())
        .where(*flt_o)
        .group_by(o.c.otrl, o.c.odrl, o.c.components)
    ):
        otrl[lt] += n
        odrl[ld] += n
        masks[mask] += n

    growth: dict[int, dict[str, int]] = defaultdict(
        lambda: {"created": 0, "certified": 0, "updated": 0}
    )
    for year, kind, n in conn.execute(
        select(o.c.year, o.c.date_kind, func.count())
        .where(o.c.year.is_not(None), *flt_o)
        .group_by(o.c.year, o.c.date_kind)
    ):
        growth[year][kind] += n

    tops: dict[str, list[tuple[str, int]]] = {}
    for kind, limit in (("country", None), ("category", TOP), ("actor", TOP)):
        q = (
            select(t.c.value, func.count())
            .where(t.c.kind == kind, *_retarget(flt_o))
            .group_by(t.c.value)
            .order_by(func.count().desc(), t.c.value)
        )
        tops[kind] = [tuple(r) for r in conn.execute(q.limit(limit) if limit else q)]

    fac_flt = [facilities.c.country == country] if country else []
    fac_by_country = dict(
        conn.execute(
            select(facilities.c.country, func.count())
            .where(facilities.c.country.is_not(None), *fac_flt)
            .group_by(facilities.c.country)
        ).all()
    )
    facility_total = conn.execute(
        select(func.count()).select_from(facilities).where(*fac_flt)
    ).scalar()
    coords = conn.execute(
        select(facilities.c.latitude, facilities.c.longitude).where(
            facilities.c.latitude.is_not(None), facilities.c.longitude.is_not(None), *fac_flt
        )
    )
    # plain tuples: numpy probes Row objects attribute by attribute, 50x slower
    coords = [(lat, lon) for lat, lon in coords]

    lineage = _lineage(conn, flt_o)
    signal_out = _signals(conn, sector)

    design_countries = dict(tops["country"])
    countries_out = []
    for cc in sorted(set(fac_by_country) | set(design_countries)):
        pop = population(cc)
        nf = fac_by_country.get(cc, 0)
        countries_out.append(
            {
                "country": cc,
                "name": country_name(cc, lang),
                "facilities": nf,
                "designs": design_countries.get(cc, 0),
                "population": pop,
                "facilities_per_million": round(nf / pop * 1e6, 3) if pop else None,
            }
        )
    countries_out.sort(key=lambda r: (-r["facilities"], -r["designs"], r["country"]))

    from refaire.sharing.figures import bookings_figures

    bookings_out = bookings_figures(conn, country)
    from refaire.production.figures import production_figures

    production_out = production_figures(conn, country)
    return {
        "totals": {
            "designs": total,
            "facilities": facility_total,
            "facility_countries": len(fac_by_country),
            "design_countries": len(design_countries),
            "signals": signal_out["total"],
            "sectors": sum(1 for s in sectors_out if s["level"] == "section"),
            "mean_completeness": round(completeness_sum / total, 4) if total else None,
            "mature_share": round(mature_n / total, 4) if total else None,
        },
        "sectors": sectors_out,
        "countries": countries_out,
        "population_source": population_source(),
        "openness": facets["openness"],
        "platforms": facets["platform"],
        "formats": facets["format"],
        "readiness": {
            "otrl": [{"level": k, "designs": otrl[k]} for k in sorted(otrl, key=_none_last)],
            "odrl": [{"level": k, "designs": odrl[k]} for k in sorted(odrl, key=_none_last)],
        },
        "completeness": _completeness(masks, total),
        "growth": [
            {"year": y, **growth[y], "signals": signal_out["by_year"].get(y, 0)}
            for y in sorted(set(growth) | set(signal_out["by_year"]))
        ],
        "lineage": lineage,
        "categories": [{"category": v, "designs": n} for v, n in tops["category"]],
        "actors": [{"actor": v, "designs": n} for v, n in tops["actor"]],
        "practices": _practices(total, facility_total, bookings_out["bookings"],
                                production_out["offers"] + production_out["orders"]),
        "bookings": bookings_out,
        "production": production_out,
        "signals": signal_out,
        "density": _density(coords),
        "index_method": {
            "components": list(COMPONENT_NAMES),
            "normalisation": "percentile rank among sectors of the same level",
            "min_designs": MIN_DESIGNS,
            "resamples": RESAMPLES,
            "recent_years": table["recent_years"],
            "bootstrap_computed_in_s": table["computed_in_s"],
            "cached": table["cached"],
            "local_making": {
                "computed": local.available,
                "reason": local.reason,
                "radius_km": local.radius_km,
                "towns": local.towns,
                "population": local.population,
                "source": local.source,
                "computed_in_s": round(local.computed_in_s, 3),
            },
            "leave_one_out": table["leave_one_out"],
            "min_sector_confidence": MIN_SECTOR_CONFIDENCE,
            "sector_accuracy": measure_sectors(store),
        },
        "coverage": {
            "computed": cov.available,
            "reason": cov.reason,
            "radius_km": cov.radius_km,
            "computed_in_s": cov.computed_in_s,
            "makeable": sum(cov.makeable.values()),
            "makeable_stated": cov.makeable_stated,
            "with_unknown_parts": cov.with_unknown_parts,
            "known_parts_only": cov.known_parts_only,
        },
    }


def _none_last(k: int | None) -> tuple[bool, int]:
    return (k is None, k or 0)


def _sector_coverage(conn: Any, flt_o: list[Any], cov: Any) -> dict[str, tuple[int, int]]:
    """sector -> (designs judged, designs makeable) from the engine's per-design answers."""
    rows = conn.execute(
        select(t.c.design_id, t.c.value).where(in_sector(), *_retarget(flt_o))
    ).all()
    if not rows:
        return {}
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    values = [r[1] for r in rows]
    size = int(ids.max()) + 1
    judged = np.zeros(size, dtype=bool)
    makeable = np.zeros(size, dtype=bool)
    for did, ok in cov.judged.items():
        if did < size and ok:
            judged[did] = True
    for did, ok in cov.makeable.items():
        if did < size and ok:
            makeable[did] = True
    names, inverse = np.unique(np.array(values, dtype=object), return_inverse=True)
    j = np.bincount(inverse, weights=judged[ids], minlength=len(names))
    m = np.bincount(inverse, weights=(makeable & judged)[ids], minlength=len(names))
    return {str(n): (int(a), int(b)) for n, a, b in zip(names, j, m, strict=True)}


def _retarget(flt_o: list[Any]) -> list[Any]:
    """The design filters, on the tags table's design id instead of the observations'."""
    return [t.c.design_id.in_(select(o.c.design_id).where(*flt_o))] if flt_o else []


def _completeness(masks: dict[int, int], total: int) -> dict[str, Any]:
    elements = {name: 0 for name in COMPONENTS}
    histogram = [0] * (len(COMPONENTS) + 1)
    for mask, n in masks.items():
        present = 0
        for i, name in enumerate(COMPONENTS):
            if mask >> i & 1:
                elements[name] += n
                present += 1
        histogram[present] += n
    return {
        "elements": [
            {"element": k, "designs": v, "share": round(v / total, 4) if total else None}
            for k, v in elements.items()
        ],
        "histogram": [
            {"score": round(i / len(COMPONENTS), 3), "designs": n} for i, n in enumerate(histogram)
        ],
    }


def _lineage(conn: Any, flt_o: list[Any]) -> dict[str, Any]:
    flt = [design_links.c.design_id.in_(select(o.c.design_id).where(*flt_o))] if flt_o else []
    kinds = dict(
        conn.execute(
            select(design_links.c.kind, func.count()).where(*flt).group_by(design_links.c.kind)
        ).all()
    )
    top = conn.execute(
        select(design_links.c.target, func.count())
        .where(*flt)
        .group_by(design_links.c.target)
        .order_by(func.count().desc(), design_links.c.target)
        .limit(TOP)
    ).all()
    # a link target is a URL: the design it names is found by key, repository or OSHWA page
    lookup: dict[str, str] = {}
    for target, _n in top:
        m = re.match(r"^https://certification\.oshwa\.org/([a-z]{2}\d{6})\.html$", target)
        lookup[target] = f"oshwa:{m.group(1).upper()}" if m else target
    names: dict[str, tuple[int, str]] = {}
    if lookup:
        keys = list(lookup.values())
        for did, key, repo, name in conn.execute(
            select(designs.c.id, designs.c.key, designs.c.repo, designs.c.name).where(
                designs.c.key.in_(keys) | designs.c.repo.in_(keys)
            )
        ):
            names.setdefault(key, (did, name))
            if repo:
                names.setdefault(repo, (did, name))
    return {
        "links": [{"kind": k, "links": n} for k, n in sorted(kinds.items())],
        "most_derived": [
            {
                "target": target,
                "derived": n,
                "design_id": names.get(lookup[target], (None, None))[0],
                "name": names.get(lookup[target], (None, None))[1],
            }
            for target, n in top
        ],
    }


def _signals(conn: Any, sector: str | None) -> dict[str, Any]:
    flt = []
    if sector:
        flt = [
            signals.c.id.in_(
                select(signal_tags.c.signal_id).where(
                    signal_tags.c.kind == "sector", signal_tags.c.value == sector
                )
            )
        ]
    total = conn.execute(select(func.count()).select_from(signals).where(*flt)).scalar()
    year = func.substr(signals.c.published, 1, 4)
    by_year = {
        int(y): n
        for y, n in conn.execute(select(year, func.count()).where(*flt).group_by(year))
        if y and y.isdigit()
    }
    rows = conn.execute(
        select(signal_tags.c.value, year, func.count())
        .select_from(signal_tags.join(signals, signals.c.id == signal_tags.c.signal_id))
        .where(signal_tags.c.kind == "sector", *flt)
        .group_by(signal_tags.c.value, year)
        .order_by(signal_tags.c.value, year)
    ).all()
    practices = dict(
        conn.execute(
            select(signal_tags.c.value, func.count())
            .where(
                signal_tags.c.kind == "practice",
                *([signal_tags.c.signal_id.in_(select(signals.c.id).where(*flt))] if flt else []),
            )
            .group_by(signal_tags.c.value)
        ).all()
    )
    return {
        "total": total,
        "by_year": by_year,
        "by_sector_year": [
            {"sector": s, "year": int(y), "signals": n} for s, y, n in rows if y.isdigit()
        ],
        "by_practice": [{"practice": p, "signals": practices.get(p, 0)} for p in PRACTICES],
    }


def _practices(designs_n: int, facilities_n: int, bookings_n: int,
               offers_n: int) -> list[dict[str, Any]]:  # fmt: skip
    return [
        {"practice": "open-design", "count": designs_n, "not_computed": None},
        {"practice": "fabrication-place", "count": facilities_n, "not_computed": None},
        {"practice": "offers", "count": offers_n, "not_computed": None},
        {"practice": "bookings", "count": bookings_n, "not_computed": None},
    ]


def _density(coords: list[Any]) -> dict[str, Any]:
    if not coords:
        return {"cell_deg": GRID_DEG, "cells": []}
    arr = np.asarray(coords, dtype=float)
    lat_i = np.floor((arr[:, 0] + 90) / GRID_DEG).astype(np.int64)
    lon_i = np.floor((arr[:, 1] + 180) / GRID_DEG).astype(np.int64)
    keys, counts = np.unique(lat_i * 1000 + lon_i, return_counts=True)
    cells = [
        [
            round(-90 + (k // 1000 + 0.5) * GRID_DEG, 3),
            round(-180 + (k % 1000 + 0.5) * GRID_DEG, 3),
            int(n),
        ]
        for k, n in zip(keys.tolist(), counts.tolist(), strict=True)
    ]
    return {"cell_deg": GRID_DEG, "cells": cells}
