"""The top-level commands: their names, the one-line help `refaire --help` lists, and the
command modules that build each of them.

This table is the one place a top-level command's summary is written: command groups
take it as their `help`, single commands as theirs, and `refaire --help` prints it
without importing any command module (click's lazy-group pattern, see `_group`). Only
the invoked command's modules are imported, so one command's start-up pays for itself
alone. tests/test_cli_startup.py checks that the table and the modules agree.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, NamedTuple


class Entry(NamedTuple):
    # modules of refaire.cli whose `register(app)` builds the command (or adds to it)
    modules: tuple[str, ...]
    summary: str


# In the order `refaire --help` lists them (after `demo` and `serve`, see _group.FIRST).
COMMANDS: dict[str, Entry] = {
    "import": Entry(
        ("importing",),
        "Import OKH manifests and facility lists; bad files are reported, never fatal.",
    ),
    "worker": Entry(
        ("jobs",),
        "Run the job queue's consumer until interrupted (Ctrl-C stops it after running jobs).",
    ),
    "match": Entry(
        ("match",),
        "Where, and how, a design can be made near a place: matches, plans, reasons.",
    ),
    "mesh": Entry(
        ("mesh",),
        "Measure meshes: bounding box, volume, area, watertightness, unit suspicions.",
    ),
    "observe": Entry(
        ("observe",),
        "Inventory of the movement: sectors, countries, licences, maturity, documentation,\n"
        "growth, lineage, signals, and the transformation potential of each sector.",
    ),
    "audit": Entry(
        ("people",),
        "The audit trail, newest first: who changed what, when, before → after.",
    ),
    "quote": Entry(
        ("quote",),
        "Measure a part, find who can make it, and price it with the breakdown.",
    ),
    "serve": Entry(
        ("serve",),
        "Serve the web pages and the JSON API (OpenAPI at /api/openapi.json).",
    ),
    "demo": Entry(
        ("serve",),
        "Build a SQLite database from the sample data bundled in the package, then serve it.",
    ),
    "db": Entry(("db",), "Database set-up: migrations and where the data lives."),
    "designs": Entry(
        ("designs", "design_authors", "design_conflicts"),
        "Find and read the open designs in the registry.",
    ),
    "export": Entry(("designs", "production"), "Export registry records in standard formats."),
    "facilities": Entry(
        ("facilities", "facility_manage"),
        "Find and read the facilities (FabLabs, makerspaces) in the registry.",
    ),
    "jobs": Entry(("jobs",), "Background jobs (crawls, derivation) and their state."),
    "signals": Entry(
        ("observe", "signal_feeds"),
        "The watch of weak signals: articles, events and project news.",
    ),
    "peers": Entry(
        ("peers",),
        "Federation: follow other Refaire instances and pull their signed change feeds.",
    ),
    "users": Entry(("people",), "Accounts and site admins."),
    "tokens": Entry(("people",), "Personal API tokens (Authorization: Bearer)."),
    "mail": Entry(("people",), "Outgoing mail: the outbox used when no SMTP is set."),
    "requests": Entry(("production",), "Production requests: ask for a design to be made nearby."),
    "quotes": Entry(("production",), "Quotes on production requests."),
    "orders": Entry(("production",), "Orders: state, moves, messages, reviews."),
    "offers": Entry(("production",), "Made-to-order offers (the storefront)."),
    "resources": Entry(("sharing",), "Bookable machines, spaces and lent tools; trainings."),
    "bookings": Entry(("sharing",), "Book, change, cancel, approve; feeds and exports."),
    "sources": Entry(
        ("sources",),
        "Sources crawled again and again: manifests, lists of manifest URLs, facility lists.",
    ),
    "vocab": Entry(("vocab",), "The capability vocabulary: resolve text to ids, list ids."),
}


def summary(name: str) -> str:
    """The one-line help of the top-level command `name`."""
    return COMMANDS[name].summary


def described(name: str, command: Callable[..., Any]) -> str:
    """The full help of a single command: its summary, then its docstring's details."""
    details = inspect.getdoc(command)
    return f"{summary(name)}\n\n{details}" if details else summary(name)
