"""Server-side SVG charts of the dashboard, drawn by matplotlib's SVG backend.

Each function takes the dashboard and a `labels` mapping (the page's translations) and
returns an inline `<svg>` string. Figures are built with the object API (no pyplot
state), so concurrent requests do not share a figure. Bars carry the CSS class of
their chart (`gid`) so the page and its tests can find them.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Mapping
from typing import Any

from matplotlib import rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

COLOURS = ("#2f6f5e", "#c2703d", "#4a6fa5", "#9a8c3a")
# Drawn at the width they are shown (a phone's column is ~324 px, a desktop column a bit
# more): 384 px wide, every text 11 pt (14.7 px), so text stays >= 12 px as displayed.
WIDTH_IN = 4.0
FONT = 11
TITLE = 12
_HEADER = re.compile(r"^.*?(<svg)", re.DOTALL)


def _svg(fig: Figure, title: str) -> str:
    buf = io.StringIO()
    # text stays text (not glyph outlines): selectable, read by screen readers, and its
    # size is stated in the SVG, so a test can check what a reader will see
    with rc_context({"svg.fonttype": "none"}):
        FigureCanvasSVG(fig).print_svg(buf)
    text = _HEADER.sub(r"\1", buf.getvalue(), count=1)
    # a title element makes the chart readable by screen readers
    return text.replace(
        ">", f' role="img" aria-label="{_attr(title)}"><title>{_esc(title)}</title>', 1
    )


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(text: str) -> str:
    return _esc(text).replace('"', "&quot;")


def _figure(height: float) -> Figure:
    fig = Figure(figsize=(WIDTH_IN, height), dpi=96)
    fig.patch.set_alpha(0)
    return fig


def _hbar(items: list[tuple[str, float]], title: str, xlabel: str, gid: str) -> str:
    items = items[::-1]  # largest on top
    fig = _figure(1.1 + 0.3 * max(len(items), 1))
    ax = fig.add_subplot()
    bars = ax.barh([k for k, _ in items], [v for _, v in items], color=COLOURS[0])
    for bar in bars:
        bar.set_gid(gid)
    ax.bar_label(bars, fmt="%g", padding=3, fontsize=FONT)
    ax.set_xlabel(xlabel, fontsize=FONT)
    ax.set_title(title, loc="left", fontsize=TITLE)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=FONT)
    if items:
        ax.set_xlim(0, max(v for _, v in items) * 1.25)  # room for the value labels
    fig.tight_layout()
    return _svg(fig, title)


def _short(text: str, n: int = 22) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def sectors_chart(d: dict[str, Any], labels: Mapping[str, str]) -> str:
    rows = [s for s in d["sectors"] if s["level"] == "section"]
    items = [(f"{s['id']} · {_short(s['label'])}", s["designs"]) for s in rows]
    return _hbar(items, labels["sectors"], labels["designs"], "bar-sectors")


def countries_chart(d: dict[str, Any], labels: Mapping[str, str], top: int = 15) -> str:
    rows = [r for r in d["countries"] if r["facilities"]][:top]
    items = [(f"{r['country']} · {_short(r['name'], 16)}", r["facilities"]) for r in rows]
    return _hbar(items, labels["countries"], labels["facilities"], "bar-countries")


def maturity_chart(d: dict[str, Any], labels: Mapping[str, str]) -> str:
    """OTRL and ODRL levels side by side; "not stated" last."""
    fig = _figure(5.2)
    axes = fig.subplots(2, 1)  # one above the other: side by side is too narrow to read
    for ax, scale, colour in zip(axes, ("otrl", "odrl"), COLOURS[:2], strict=True):
        rows = d["readiness"][scale]
        names = [str(r["level"]) if r["level"] is not None else labels["not_stated"] for r in rows]
        bars = ax.bar(names, [r["designs"] for r in rows], color=colour)
        for bar in bars:
            bar.set_gid(f"bar-{scale}")
        ax.bar_label(bars, fmt="%g", padding=2, fontsize=FONT)
        ax.set_title(labels[scale], loc="left", fontsize=TITLE)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=FONT)
        ax.margins(y=0.2)
    fig.tight_layout()
    return _svg(fig, labels["maturity"])


def growth_chart(d: dict[str, Any], labels: Mapping[str, str]) -> str:
    """Designs per year by kind of date (stacked), signals as a line."""
    rows = d["growth"]
    fig = _figure(3.6)
    ax = fig.add_subplot()
    years = [r["year"] for r in rows]
    bottom = [0] * len(rows)
    for kind, colour in zip(("created", "certified", "updated"), COLOURS, strict=False):
        values = [r[kind] for r in rows]
        bars = ax.bar(years, values, bottom=bottom, color=colour, label=labels[kind])
        for bar in bars:
            bar.set_gid("bar-growth")
        bottom = [a + b for a, b in zip(bottom, values, strict=True)]
    if any(r["signals"] for r in rows):
        (line,) = ax.plot(
            years,
            [r["signals"] for r in rows],
            color=COLOURS[3],
            marker="o",
            label=labels["signals"],
        )
        line.set_gid("line-signals")
    ax.set_title(labels["growth"], loc="left", fontsize=TITLE)
    ax.set_ylabel(labels["designs"], fontsize=FONT)
    ax.legend(fontsize=FONT, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=FONT)
    ax.xaxis.get_major_locator().set_params(integer=True, nbins=5)
    fig.tight_layout()
    return _svg(fig, labels["growth"])


def index_chart(d: dict[str, Any], labels: Mapping[str, str]) -> str:
    rows = [s for s in d["sectors"] if s["level"] == "section" and s["index"] is not None]
    rows.sort(key=lambda s: -s["index"])
    items = [(f"{s['id']} · {_short(s['label'])}", s["index"]) for s in rows]
    return _hbar(items, labels["index"], labels["index_axis"], "bar-index")


_cache: dict[str, dict[str, str]] = {}
_CACHE_SIZE = 32


def all_charts(d: dict[str, Any], labels: Mapping[str, str]) -> dict[str, str]:
    """Every chart of the page, by name; the same figures and labels are drawn once."""
    key = json.dumps(
        [d["sectors"], d["countries"][:15], d["readiness"], d["growth"], dict(labels)],
        sort_keys=True,
        default=str,
    )
    hit = _cache.get(key)
    if hit is None:
        if len(_cache) >= _CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        hit = _cache[key] = _draw_all(d, labels)
    return hit


def _draw_all(d: dict[str, Any], labels: Mapping[str, str]) -> dict[str, str]:
    return {
        "sectors": sectors_chart(d, labels),
        "index": index_chart(d, labels),
        "countries": countries_chart(d, labels),
        "maturity": maturity_chart(d, labels),
        "growth": growth_chart(d, labels),
    }
