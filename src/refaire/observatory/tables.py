"""The dashboard as flat tables, each downloadable as CSV or JSON with its method text."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from refaire.export.spreadsheet import SafeDictWriter

Row = dict[str, Any]


def _sectors(d: dict[str, Any]) -> list[Row]:
    rows = []
    for s in d["sectors"]:
        comps = s["components"]
        rows.append(
            {
                "id": s["id"],
                "label": s["label"],
                "level": s["level"],
                "designs": s["designs"],
                "declared": s["declared"],
                "inferred": s["inferred"],
                "mean_inferred_confidence": s["mean_inferred_confidence"],
                "mature_otrl4_plus": s["mature"],
                "too_few_to_say": s["too_few"],
                "index": s["index"],
                "interval_low": s["interval"][0] if s["interval"] else None,
                "interval_high": s["interval"][1] if s["interval"] else None,
                "rank": s["rank"],
                **{f"rank_{k}": v for k, v in comps.items()},
                **{f"raw_{k}": v for k, v in s["raw"].items()},
                "local_making_not_computed": s["not_computed"].get("local_making"),
                "judged_for_making": s["judged_for_making"],
                "first_known_dated": s["dated"]["first_known"],
                "recent_first_known": s["dated"]["recent"],
                "update_only_dated": s["dated"]["update_only"],
            }
        )
    return rows


def _readiness(d: dict[str, Any]) -> list[Row]:
    return [
        {"scale": scale.upper(), "level": r["level"], "designs": r["designs"]}
        for scale in ("otrl", "odrl")
        for r in d["readiness"][scale]
    ]


def _density(d: dict[str, Any]) -> list[Row]:
    return [
        {"latitude": lat, "longitude": lon, "facilities": n, "cell_deg": d["density"]["cell_deg"]}
        for lat, lon, n in d["density"]["cells"]
    ]


def _leave_one_out(d: dict[str, Any]) -> list[Row]:
    return [
        {"sector": r["sector"], "level": r["level"], "rank": r["rank"],
         **{f"rank_without_{k}": v for k, v in r["without"].items()},
         "largest_move": r["largest_move"]}
        for r in d["index_method"]["leave_one_out"]
    ]  # fmt: skip


# table name -> (method key, rows from the dashboard)
TABLES: dict[str, tuple[str, Callable[[dict[str, Any]], list[Row]]]] = {
    "sectors": ("index", _sectors),
    "index_leave_one_out": ("index", _leave_one_out),
    "countries": ("countries", lambda d: d["countries"]),
    "openness": ("openness", lambda d: d["openness"]),
    "platforms": ("platforms", lambda d: d["platforms"]),
    "formats": ("platforms", lambda d: d["formats"]),
    "readiness": ("readiness", _readiness),
    "completeness": ("completeness", lambda d: d["completeness"]["elements"]),
    "completeness_histogram": ("completeness", lambda d: d["completeness"]["histogram"]),
    "growth": ("growth", lambda d: d["growth"]),
    "lineage": ("lineage", lambda d: d["lineage"]["most_derived"]),
    "categories": ("categories", lambda d: d["categories"]),
    "actors": ("actors", lambda d: d["actors"]),
    "practices": ("practices", lambda d: d["practices"]),
    "bookings_by_month": ("bookings", lambda d: d["bookings"]["by_month"]),
    "bookings_by_process": ("bookings", lambda d: d["bookings"]["by_process"]),
    "bookings_by_country": ("bookings", lambda d: d["bookings"]["by_country"]),
    "shared_resources": ("bookings", lambda d: d["bookings"]["shared"]),
    "signals": ("signals", lambda d: d["signals"]["by_sector_year"]),
    "density": ("density", _density),
}


def table(dashboard: dict[str, Any], name: str) -> dict[str, Any]:
    """{"table", "method", "filters", "rows"} of a named table (KeyError if unknown)."""
    method_key, rows = TABLES[name]
    return {
        "table": name,
        "method": dashboard["methods"][method_key],
        "filters": dashboard["filters"],
        "rows": rows(dashboard),
    }


def to_csv(rows: list[Row]) -> str:
    """CSV text with a header from the first row's keys (empty cells for None, formula-like
    text neutralised; encode it with `CSV_ENCODING`)."""
    out = io.StringIO()
    if not rows:
        return ""
    writer = SafeDictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
