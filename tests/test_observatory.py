"""Observatory figures on a small store built here: known designs and facilities give
known counts, completeness scores and index components, by CLI, API, CSV/JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from refaire.app import create_app
from refaire.cli import app as cli_app
from refaire.model import Design, Facility, Licence, Link, Note, Part, Provenance
from refaire.observatory.completeness import COMPONENTS, component_mask, score
from refaire.observatory.figures import FilterError, dashboard
from refaire.store import open_store
from refaire.store.designs import save_designs
from refaire.store.facilities import save_facilities

runner = CliRunner()


def _design(key: str, **kw) -> Design:
    prov = Provenance(
        source=key, format="okh-losh", checksum=key, imported_at="2025-01-01T00:00:00"
    )
    return Design(key=key, name=kw.pop("name", key), format="okh-losh", provenance=prov, **kw)


def _inferred(*pairs: tuple[str, float]) -> list[Note]:
    return [Note("sectors", "text", f"{s} (confidence {c:.2f})", "inferred") for s, c in pairs]


MIT = Licence("MIT", "permissive")
CERN = Licence("CERN-OHL-S-2.0", "strong-copyleft")


def small_designs() -> list[Design]:
    return [
        # fully documented, medical by CPC (declared), OTRL-5
        _design(
            "d1",
            licence=CERN,
            bom="bom.csv",
            manufacturing_instructions=["make.md"],
            sources=["a.scad"],
            images=["a.png"],
            parts=[Part(name="p")],
            readme="README.md",
            function="a splint",
            cpc=["A61F 5/00"],
            sectors=["A61", "A"],
            technology_readiness="OTRL-5",
            documentation_readiness="ODRL-3*",
            created="2021-03-01",
            platform="github",
        ),
        # licence + function: 2/8, medical inferred (0.80), OTRL-2
        _design(
            "d2",
            licence=MIT,
            function="a crutch",
            sectors=["A61", "A"],
            notes=_inferred(("A61", 0.8), ("A", 0.8)),
            technology_readiness="OTRL-2",
            created="2022-06-01",
            platform="github",
        ),
        # image from a part + description: 2/8, energy inferred (0.60), no readiness
        _design(
            "d3",
            description="solar dryer",
            parts=[Part(name="frame", image="f.png")],
            sectors=["F26", "F"],
            notes=[
                *_inferred(("F26", 0.6), ("F", 0.6)),
                Note("country", "France", "FR", "oshwa-country"),
                Note("created", "2023-01-01T00:00-04:00", "2023-01-01", "oshwa-certified"),
            ],
            created="2023-01-01",
            categories=["Environmental"],
            licensor="Atelier Soleil",
            links=[Link("derivative-of", "https://example.org/original")],
            platform="oshwa",
        ),
        # nothing but a name: 0/8, no sector, only an update date
        _design("d4", updated="2024-02-02T00:00:00"),
    ]


def small_facilities() -> list[Facility]:
    return [
        Facility(key="f1", name="Lab Lyon", country="FR", latitude=45.75, longitude=4.85),
        Facility(key="f2", name="Lab Paris", country="FR", latitude=48.85, longitude=2.35),
        Facility(key="f3", name="Lab Bern", country="CH", latitude=46.95, longitude=7.45),
        Facility(key="f4", name="Lab nowhere", country=None),
    ]


@pytest.fixture
def small_store(tmp_path):
    store = open_store(str(tmp_path / "small.db"))
    save_designs(store, small_designs())
    save_facilities(store, small_facilities())
    yield store
    store.close()


def test_completeness_formula() -> None:
    records = [d.to_dict() for d in small_designs()]
    assert [score(component_mask(r)) for r in records] == [1.0, 0.25, 0.375, 0.0]
    assert len(COMPONENTS) == 8
    # d3: images come from its part, function from its description, parts present
    mask = component_mask(records[2])
    assert {c for i, c in enumerate(COMPONENTS) if mask >> i & 1} == {"images", "parts", "function"}


def test_dashboard_exact_figures(small_store) -> None:
    d = dashboard(small_store, with_coverage=False)
    assert d["totals"]["designs"] == 4
    assert d["totals"]["facilities"] == 4
    assert d["totals"]["facility_countries"] == 2
    assert d["totals"]["mean_completeness"] == pytest.approx((1 + 0.25 + 0.375 + 0) / 4, abs=1e-4)
    assert d["totals"]["mature_share"] == 0.25
    by_id = {s["id"]: s for s in d["sectors"]}
    assert set(by_id) == {"A", "A61", "F", "F26"}
    a61 = by_id["A61"]
    assert (a61["designs"], a61["declared"], a61["inferred"]) == (2, 1, 1)
    assert a61["mean_inferred_confidence"] == pytest.approx(0.8)
    # every sector has fewer designs than the method needs: shown, not ranked
    assert all(s["too_few"] and s["index"] is None and s["rank"] is None for s in d["sectors"])
    assert a61["raw"]["maturity"] == 0.5
    assert a61["raw"]["documentation"] == pytest.approx((1 + 0.25) / 2)
    # first-known years 2021, 2022, 2023 (certified): all in the last three years
    assert a61["raw"]["momentum"] == 1.0 and a61["dated"]["first_known"] == 2
    assert d["index_method"]["recent_years"] == [2021, 2023]
    f26 = by_id["F26"]
    # one actor for one design, and that design has a lineage link
    assert f26["raw"]["community"] == 1.0 and a61["raw"]["community"] == 0.0
    # no coverage asked: local making is null with its reason
    assert f26["raw"]["local_making"] is None
    assert f26["not_computed"]["local_making"] == "not asked"
    assert {r["value"]: r["designs"] for r in d["openness"]} == {
        "permissive": 1,
        "strong-copyleft": 1,
    }
    otrl = {r["level"]: r["designs"] for r in d["readiness"]["otrl"]}
    assert otrl == {5: 1, 2: 1, None: 2}
    odrl = {r["level"]: r["designs"] for r in d["readiness"]["odrl"]}
    assert odrl == {3: 1, None: 3}
    growth = {g["year"]: g for g in d["growth"]}
    assert growth[2021]["created"] == 1 and growth[2022]["created"] == 1
    assert growth[2023]["certified"] == 1 and growth[2023]["created"] == 0
    assert growth[2024]["updated"] == 1
    countries = {c["country"]: c for c in d["countries"]}
    assert countries["FR"]["facilities"] == 2 and countries["FR"]["designs"] == 1
    assert countries["CH"]["facilities"] == 1 and countries["CH"]["designs"] == 0
    pop_fr = countries["FR"]["population"]
    assert countries["FR"]["facilities_per_million"] == pytest.approx(2 / pop_fr * 1e6, abs=1e-3)
    assert d["categories"] == [{"category": "Environmental", "designs": 1}]
    assert d["actors"] == [{"actor": "Atelier Soleil", "designs": 1}]
    assert d["lineage"]["most_derived"][0]["target"] == "https://example.org/original"
    elements = {e["element"]: e["designs"] for e in d["completeness"]["elements"]}
    assert elements == {
        "licence": 2, "bom": 1, "instructions": 1, "sources": 1,
        "images": 2, "parts": 2, "readme": 1, "function": 3,
    }  # fmt: skip
    assert sum(c[2] for c in d["density"]["cells"]) == 3
    assert set(d["methods"]) >= {"sectors", "index", "countries", "completeness", "growth"}


def test_filters(small_store) -> None:
    d = dashboard(small_store, sector="a61", with_coverage=False)
    assert d["filters"]["sector"] == "A61"
    assert d["totals"]["designs"] == 2
    d = dashboard(small_store, country="fr", with_coverage=False)
    assert d["totals"]["designs"] == 1 and d["totals"]["facilities"] == 2
    with pytest.raises(FilterError):
        dashboard(small_store, sector="Z99")
    with pytest.raises(FilterError):
        dashboard(small_store, country="France")


def test_derivations_follow_updates(small_store) -> None:
    """Saved designs are derived as they are written: the dashboard derives nothing more,
    and shows an updated design's new values at once."""
    from sqlalchemy import update

    from refaire.store.tables import design_observations

    assert dashboard(small_store, with_coverage=False)["derived_designs"] == 0
    changed = small_designs()[3]
    changed.readme = "README.md"
    changed.provenance.checksum = "changed"
    save_designs(small_store, [changed])
    d = dashboard(small_store, with_coverage=False)
    assert d["derived_designs"] == 0
    assert d["totals"]["mean_completeness"] == pytest.approx(
        (1 + 0.25 + 0.375 + 0.125) / 4, abs=1e-4
    )
    # A row older than its design (written by another path) is derived again on reading.
    with small_store.engine.begin() as conn:
        conn.execute(update(design_observations).values(checksum="older", completeness=0.0))
    d = dashboard(small_store, with_coverage=False)
    assert d["derived_designs"] == 4
    assert d["totals"]["mean_completeness"] == pytest.approx(
        (1 + 0.25 + 0.375 + 0.125) / 4, abs=1e-4
    )


def test_coverage_component_from_the_engine(small_store) -> None:
    d = dashboard(small_store)
    if d["coverage"]["computed"]:
        for s in d["sectors"]:
            lm = s["raw"]["local_making"]
            if s["judged_for_making"]:
                assert 0 <= lm <= s["raw"]["local_making_probable"] <= 1
            else:
                assert lm is None and s["not_computed"]["local_making"]
    else:
        assert d["coverage"]["reason"]


def test_cli_observe(small_store) -> None:
    result = runner.invoke(cli_app, ["observe", "--db", small_store.url, "--json", "--no-coverage"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["totals"]["designs"] == 4
    result = runner.invoke(cli_app, ["observe", "--db", small_store.url, "--no-coverage"])
    assert result.exit_code == 0 and "Transformation potential" in result.output
    result = runner.invoke(cli_app, ["observe", "--db", small_store.url, "--sector", "QQ"])
    assert result.exit_code == 2 and "--sector must be a sector id" in result.output


def test_api_tables_csv_and_json(small_store) -> None:
    client = TestClient(create_app(store=small_store))
    r = client.get("/api/observatory", params={"coverage": "false"})
    assert r.status_code == 200 and r.json()["totals"]["designs"] == 4
    assert client.get("/api/observatory", params={"country": "FRA"}).status_code == 400
    r = client.get("/api/observatory/countries.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for spreadsheets
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert {row["country"]: int(row["facilities"]) for row in rows} == {"FR": 2, "CH": 1}
    assert "X-Refaire-Method" in r.headers
    r = client.get("/api/observatory/sectors.json", params={"lang": "fr", "sector": "A61"})
    data = r.json()
    assert data["table"] == "sectors" and "potentiel" in data["method"].lower()
    assert {row["id"] for row in data["rows"]} == {"A61", "A"}
    assert client.get("/api/observatory/nothing.csv").status_code == 404
    assert client.get("/api/observatory/sectors.xml").status_code == 404
    for name in ("openness", "readiness", "completeness", "growth", "lineage", "density"):
        assert client.get(f"/api/observatory/{name}.csv").status_code == 200


def test_web_page_both_languages(small_store) -> None:
    client = TestClient(create_app(store=small_store))
    en = client.get("/observatory?lang=en")
    assert en.status_code == 200
    assert en.text.count("<svg") >= 5 and "Transformation potential" in en.text
    fr = client.get("/observatory?lang=fr")
    assert (
        "Potentiel de transformation" in fr.text
        and "Électricité" not in en.text
        and "Transformation potential" not in fr.text
    )
    assert client.get("/observatory?sector=nope").status_code == 400


def test_derivation_in_worker_processes_matches_this_process(tmp_path, monkeypatch) -> None:
    """Designs are derived as they are stored (in the import's reading workers); deriving
    them again from the stored records (`refresh`, in its own workers) gives the same rows."""
    from sqlalchemy import delete, select

    from refaire.ingest import runner
    from refaire.ingest.runner import import_sources
    from refaire.observatory import derive
    from refaire.store import open_store
    from refaire.store.tables import design_observation_tags, design_observations, designs

    okh = Path(__file__).resolve().parents[1] / "src" / "refaire" / "sample" / "okh"
    store = open_store(str(tmp_path / "d.db"))
    monkeypatch.setattr(runner, "PARALLEL_FROM", 1)  # derived in the import's workers
    import_sources(store, [str(okh)])

    def snapshot() -> tuple[dict, list]:
        with store.engine.connect() as conn:
            obs = {r[0]: tuple(r) for r in conn.execute(select(design_observations))}
            tags = sorted(tuple(r) for r in conn.execute(select(design_observation_tags)))
        return obs, tags

    at_write = snapshot()
    assert derive.refresh(store) == 0  # derived when stored: nothing stale
    with store.engine.begin() as conn:
        conn.execute(delete(design_observation_tags))
        conn.execute(delete(design_observations))
    monkeypatch.setattr(derive, "PARALLEL_FROM", 1)
    monkeypatch.setattr(derive, "TEXTS_PER_TASK", 40)
    assert derive.refresh(store) > 100
    assert snapshot() == at_write
    with store.engine.connect() as conn:
        obs = select(design_observations.c.design_id, design_observations.c.requirements)
        kept = {did: text for did, text in conn.execute(obs)}
        records = {did: rec for did, rec in conn.execute(select(designs.c.id, designs.c.record))}
    assert set(kept) == set(records)
    for did, record in records.items():
        assert kept[did] == derive.requirements_json(record), did
        assert json.loads(kept[did])["units"] is not None
    assert derive.refresh(store) == 0  # nothing stale any more


def test_concurrent_refreshes_derive_each_design_once(tmp_path) -> None:
    import threading

    from sqlalchemy import delete

    from refaire.ingest.runner import import_sources
    from refaire.observatory import derive
    from refaire.store import open_store
    from refaire.store.tables import design_observation_tags, design_observations

    okh = Path(__file__).resolve().parents[1] / "src" / "refaire" / "sample" / "okh"
    store = open_store(str(tmp_path / "c.db"))
    summary = import_sources(store, [str(okh)])
    with store.engine.begin() as conn:  # as if stored by a writer that does not derive
        conn.execute(delete(design_observation_tags))
        conn.execute(delete(design_observations))
    counts: list[int] = []
    threads = [
        threading.Thread(target=lambda: counts.append(derive.refresh(store))) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(counts) == [0, 0, summary.designs]


def test_served_app_prepares_the_observatory_in_the_background(tmp_path, monkeypatch) -> None:
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from refaire.app import create_app
    from refaire.observatory import warm
    from refaire.store import open_store
    from refaire.store.tables import design_observations

    monkeypatch.setenv("REFAIRE_ADMIN_TOKEN", "secret")
    okh = Path(__file__).resolve().parents[1] / "src" / "refaire" / "sample" / "okh" / "v1"
    store = open_store(str(tmp_path / "w.db"))
    files = sorted(okh.glob("*.yml"))[:5]

    def derived() -> int:
        with store.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(design_observations)).scalar()

    with TestClient(create_app(store, prepare=True)) as client:
        warm._RUNNING[store.url].join(timeout=60)
        assert derived() == 0  # an empty store: nothing to derive
        r = client.post(
            "/api/import",
            files=[("files", (f.name, f.read_bytes())) for f in files],
            headers={"Authorization": "Bearer secret"},
        )
        assert r.status_code == 200, r.text
        imported = r.json()["designs"]
        assert imported > 0
        thread = warm._RUNNING.get(store.url)
        if thread is not None:
            thread.join(timeout=60)
        assert derived() == imported  # derived without any request to /observatory
        # the index and its bootstrap were computed then too: the dashboard reads the cache
        im = dashboard(store)["index_method"]
        assert im["cached"] is True and im["local_making"]["computed"]


def test_charts_are_readable_on_a_phone_and_the_report_has_a_title_block(small_store) -> None:
    """Charts keep their text as text, sized so that it is at least 12 px when the chart is
    shown in a phone's column (390 px screen: ~324 px of chart); the page says when, with
    which filters and from which sources it was made (the printed report's title block)."""
    import re

    client = TestClient(create_app(store=small_store))
    page = client.get("/observatory?lang=fr&country=FR").text
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.DOTALL)
    assert len(svgs) >= 5
    for svg in svgs:
        width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
        sizes = [float(x) for x in re.findall(r"font-size: ([\d.]+)px", svg)]
        assert sizes, "chart text drawn as outlines: its size cannot be known"
        assert min(sizes) * 324 / width >= 12
    block = re.search(r'<dl id="report-title-block">(.*?)</dl>', page, flags=re.DOTALL).group(1)
    assert "Date" in block and "Filtres" in block and "GeoNames" in block and "FR" in block
    # numbers in French: comma decimals and French country names
    whole = client.get("/observatory?lang=fr").text
    assert "Suisse" in whole and "Switzerland" not in whole and re.search(r"\d,\d", whole)


def test_grouped_gather_equals_row_by_row_reading(any_store) -> None:
    """The memberships read by grouped SQL (`observatory.grouped`) are the rows one would
    read one by one, on SQLite and PostgreSQL (group_concat / string_agg)."""
    from sqlalchemy import select

    from refaire.observatory import derive
    from refaire.observatory.local import LocalResult
    from refaire.observatory.members import gather, in_sector
    from refaire.store.tables import design_observation_tags as t
    from refaire.store.tables import design_observations as o
    from refaire.store.tables import designs

    save_designs(any_store, small_designs())
    derive.refresh(any_store)
    with any_store.engine.connect() as conn:
        m, extra = gather(conn, [], LocalResult())
        pairs = conn.execute(select(t.c.design_id, t.c.value).where(in_sector())).all()
        kinds = dict(conn.execute(select(o.c.design_id, o.c.date_kind)).all())
        ids = dict(conn.execute(select(designs.c.key, designs.c.id)).all())
    rows = zip(m.sector, m.values[:, 4], strict=True)
    got = sorted((m.names[s], round(float(v), 6)) for s, v in rows)
    completeness = {ids["d1"]: 1.0, ids["d2"]: 0.25, ids["d3"]: 0.375}  # part counts
    assert got == sorted((v, completeness[d]) for d, v in pairs)
    assert m.names == ["A", "A61", "F", "F26"]
    # d3 alone has an actor and a lineage link: community 0.5 × 1 actor + 0.5 × linked
    f26 = m.values[[m.names[s] == "F26" for s in m.sector]]
    assert f26[:, 2].tolist() == [1.0]
    assert extra["per_sector"]["A"]["first_known"] == 2 and kinds[ids["d4"]] == "updated"
    assert extra["per_sector"]["F26"] == {**extra["per_sector"]["F26"], "linked": 1,
                                          "with_actor": 1, "distinct_actors": 1}  # fmt: skip


def test_a_design_whose_derivation_fails_is_stored_and_derived_later(tmp_path, monkeypatch) -> None:
    """Deriving at write time must never cost a record its place in the store."""
    from refaire.observatory import derive
    from refaire.store import designs as store_designs

    def broken(record, design):  # noqa: ANN001, ANN202
        raise ValueError("a derivation bug")

    store = open_store(str(tmp_path / "f.db"))
    monkeypatch.setattr(store_designs, "observe", broken)
    counts = save_designs(store, small_designs())
    assert counts.imported == 4 and not counts.failed
    monkeypatch.undo()
    assert derive.refresh(store) == 4  # left underived, derived when first read
    assert dashboard(store, with_coverage=False)["derived_designs"] == 0
