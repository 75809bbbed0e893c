"""Facility pages read right: addresses without mojibake, prices apart from machine names,
and "what can be made here" as counts, the best designs and a paginated full list."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli
from refaire.cli.serve import SAMPLE
from refaire.ingest.read_nesta import decode_export, split_price, tools_to_equipment
from refaire.ingest.runner import import_sources
from refaire.ingest.text_repair import repair
from refaire.store import open_store
from refaire.store.facilities import get_facility

NESTA = SAMPLE / "facilities" / "uk-makerspaces-nesta-2015.csv"


def test_repair_undoes_double_decoding_and_leaves_good_text():
    assert repair("CafÃ© de la Gare, 69001 Lyon") == "Café de la Gare, 69001 Lyon"
    assert repair("Ã‰cole") == "École"
    assert repair("Bob\u00e2\u20ac\u2122s lab") == "Bob\u2019s lab"
    # right text with the same letters is not "repaired"
    assert repair("FAB LAB LIVRE SP SÃO JOAQUIM") == "FAB LAB LIVRE SP SÃO JOAQUIM"
    assert repair("Zürich, Österreich") == "Zürich, Österreich"


def test_nesta_export_bytes_are_read_as_the_signs_they_stand_for():
    text, problems = decode_export("nesta.csv", NESTA.read_bytes())
    assert "\ufffd" not in text
    assert "Ransom\u2019s Rec" in text and "1 Frederick\u2019s Place" in text
    assert "Impact Driver 1/2" in text
    assert problems and problems[0].severity == "warning" and problems[0].line
    # a UTF-8 file is read as it is, without a warning
    assert decode_export("x.csv", "Ransom’s".encode()) == ("Ransom’s", [])


@pytest.mark.parametrize(
    ("item", "name", "price"),
    [
        ("Epilog Zing (406x305mm) (£1/min)", "Epilog Zing (406x305mm)", "£1/min"),
        ("Ultimaker 2 £ 10.00 £ 2.00 £ 7.50 / £ 1.50", "Ultimaker 2", "£ 10.00 £ 2.00 £ 7.50 / £ 1.50"),
        ("iPro 8000 (£3/cm3 - minimum build charge £90)", "iPro 8000", "£3/cm3 - minimum build charge £90"),
        ("Large 6 - 10 hours £2.00 / 15 min (20% off)", "Large 6 - 10 hours", "£2.00 / 15 min (20% off)"),
        ("CNC Router (2,500mm x 1250mm)", "CNC Router (2,500mm x 1250mm)", None),
    ],
)
def test_split_price(item, name, price):
    assert split_price(item) == (name, price)


def test_tariff_lines_are_not_machines():
    prices: list[str] = []
    equipment, prose = tools_to_equipment(
        "Epilog Zing (406x305mm) (£1/min)\nX Small under 30 min = £5\ne.g. 1:45 print = £17.50",
        "Digital fabrication",
        prices,
    )
    assert [(e.text, e.extra["price"]) for e in equipment] == [("Epilog Zing (406x305mm)", "£1/min")]
    assert prices == ["X Small under 30 min = £5", "e.g. 1:45 print = £17.50"] and prose == []


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("facility-text")
    garbled = root / "garbled"
    garbled.mkdir()
    (garbled / "space.json").write_text(
        json.dumps(
            {
                "api": "0.13",
                "space": "CafÃ© Fablab",
                "url": "https://example.org",
                "location": {"address": "12 rue de la RÃ©publique, 69002 Lyon", "lat": 45.76, "lon": 4.836},
                "contact": {"email": "lab@example.org"},
                "state": {"open": False},
            }
        ),
        encoding="utf-8",
    )
    s = open_store(str(root / "refaire.db"))
    import_sources(s, [str(p) for p in sorted(SAMPLE.iterdir()) if p.is_dir()] + [str(garbled)])
    yield s
    s.close()


def _facility_id(store, needle: str) -> int:
    from sqlalchemy import select

    from refaire.store.tables import facilities

    with store.engine.connect() as c:
        for fid, name in c.execute(select(facilities.c.id, facilities.c.name)):
            if needle in name:
                return fid
    raise AssertionError(needle)


def test_garbled_address_is_repaired_at_import_and_said_so(store):
    fid = _facility_id(store, "Fablab")
    f = get_facility(store, _facility_id(store, "Café Fablab"))[1]
    assert f.name == "Café Fablab" and fid
    page = TestClient(create_app(store=store)).get(f"/facilities/{f.key}?lang=fr").text
    assert "12 rue de la République, 69002 Lyon" in page and "Ã" not in page
    assert any("decoded twice" in p.message and "address" in (p.field or "") for p in f.problems)


def test_facility_pages_show_no_garbled_text(store):
    client = TestClient(create_app(store=store))
    from sqlalchemy import select

    from refaire.store.tables import facilities

    with store.engine.connect() as c:
        query = select(facilities.c.key).where(facilities.c.country == "GB")
        keys = [k for (k,) in c.execute(query)]
    assert len(keys) > 50  # the UK survey's places, and fab labs
    for key in keys:
        page = client.get(f"/facilities/{key}").text
        assert "\ufffd" not in page and "Ã" not in page, key


def test_prices_shown_apart_from_machine_names(store):
    from sqlalchemy import select

    from refaire.store.tables import facilities

    with store.engine.connect() as c:
        records = list(c.execute(select(facilities.c.id, facilities.c.record)))
    text = {fid: json.dumps(r, ensure_ascii=False) for fid, r in records}
    # the survey's price lists, as read before: names with the price glued on
    for glued in ("Ultimaker 2 £", "Epilog Zing (406x305mm) (£", "X Small under 30 min"):
        assert not any(glued in t and '"equipment_type": "' + glued in t for t in text.values())
    fid = next(fid for fid, t in text.items() if '"price": "£1/min"' in t)
    api = TestClient(create_app(store=store)).get(f"/api/facilities/{fid}").json()
    priced = [e for e in api["equipment"] if e.get("price")]
    assert priced and all("£" not in e["label"] and "£" in e["price"] for e in priced)
    page = TestClient(create_app(store=store)).get(f"/facilities/{fid}?lang=fr").text
    assert "Prix indiqué : £1/min" in page
    assert 'id="facility-prices"' in page and "X Small under 30 min = £5" in page


def test_made_here_counts_best_designs_and_full_list(store):
    client = TestClient(create_app(store=store))
    fid = None
    for candidate in range(1, 800):
        r = client.get(f"/api/match/facility/{candidate}?limit=1")
        if r.status_code == 200 and r.json()["counts"]["complete"] > 60:
            fid, counts = candidate, r.json()["counts"]
            break
    assert fid, "no facility makes many designs"
    page = client.get(f"/facilities/{fid}?lang=fr").text
    section = re.search(r'id="made-here".*?</section>', page, re.S).group(0)
    assert f"<strong>{counts['complete']}</strong> modèles fabriqués entièrement ici" in section
    assert section.count("<li><a href=\"/designs/") == 12  # the best ones, not hundreds
    assert "Manque" not in section and "Missing" not in section  # no "nobody does X here" rows
    assert f'href="/facilities/{fid}/designs"' in section
    # best first: stated requirements, most of them first
    first = client.get(f"/api/match/facility/{fid}?limit=1000").json()["complete"]
    order = [(d["inferred"], not d["stated"], -d["requirements"]) for d in first]
    assert order == sorted(order)
    # the full list, paged by 50, in the same order
    full = client.get(f"/facilities/{fid}/designs?page=2")
    assert full.status_code == 200
    names = re.findall(r'<th scope="row"><a href="/designs/(\d+)">', full.text)
    assert [int(n) for n in names] == [d["id"] for d in first[50:100]]
    near = client.get(f"/facilities/{fid}/designs?list=near&lang=fr").text
    assert near.count('<th scope="row">') == min(50, counts["near"])
    assert client.get("/facilities/999999/designs").status_code == 404
    # API and CLI page the same way
    api = client.get(f"/api/match/facility/{fid}?limit=5&offset=5").json()
    assert [d["id"] for d in api["complete"]] == [d["id"] for d in first[5:10]]
    out = CliRunner().invoke(
        cli, ["match", "--facility", str(fid), "--limit", "5", "--offset", "5", "--json", "--db", store.url]
    )
    assert out.exit_code == 0, out.output
    assert [d["id"] for d in json.loads(out.stdout)["complete"]] == [d["id"] for d in first[5:10]]
