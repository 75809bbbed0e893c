"""Bulk coverage against the single-design engine and the plain per-pair code, on the
sample data bundled in the package (what `refaire demo` loads)."""

from __future__ import annotations

import numpy as np

from refaire.match.capabilities import MET, evaluate_facility, is_met
from refaire.match.coverage import bulk_coverage
from refaire.match.engine import match_requirements
from refaire.match.index import design_index, facility_index
from refaire.store.facilities import iter_facilities


def test_coverage_agrees_with_engine_and_plain_code(sample_store) -> None:
    cov = bulk_coverage(sample_store, radius_km=50.0)
    fi = facility_index(sample_store)
    di = design_index(sample_store)
    facilities = dict(iter_facilities(sample_store))
    located = {int(fid) for fid, lat in zip(fi.ids, fi.lat, strict=True) if not np.isnan(lat)}
    checked = 0
    for dr in di.reqs:
        did = dr.design_id
        if not dr.requirements:
            assert not cov.makeable_anywhere[did] and cov.facility_count[did] == 0
            continue
        codes = {
            fid: [evaluate_facility(r, f) for r in dr.requirements]
            for fid, f in facilities.items()
        }
        makers = {fid for fid, c in codes.items() if all(is_met(x) for x in c)}
        on_stated = {fid for fid, c in codes.items() if all(x == MET for x in c)}
        result = match_requirements(fi, dr, 0.0, 0.0, 20037.6, limit=1000)
        # The single-design engine over the whole Earth finds the located makers.
        assert result["complete_known_parts"] == len(makers & located), dr.name
        if dr.unknown_parts:
            # Parts of unknown requirements: never makeable, only "N of M parts".
            assert not cov.makeable_anywhere[did] and cov.facility_count[did] == 0
            assert cov.known_parts_only_anywhere[did] == bool(makers)
            assert result["complete"] == 0
            continue
        assert cov.facility_count[did] == len(makers), dr.name
        assert cov.makeable_anywhere[did] == bool(makers)
        assert cov.stated_anywhere[did] == bool(on_stated)
        assert cov.countries[did] == {
            facilities[m].country for m in makers if facilities[m].country
        }
        assert result["complete"] == len(makers & located), dr.name
        assert result["complete_stated"] == len(on_stated & located), dr.name
        checked += 1
    assert checked > 50
    assert 0 < sum(cov.makeable_anywhere.values()) < len(cov.makeable_anywhere)


def test_requirements_shown_for_sample_designs(sample_store) -> None:
    from refaire.registry.designs import design_detail

    di = design_index(sample_store)
    ohloom = next(dr for dr in di.reqs if dr.name == "OHLOOM")
    assert len(ohloom.units) == 18 and not ohloom.inferred
    detail = design_detail(sample_store, ohloom.design_id)
    items = detail["requirements"]["items"]
    assert items[0]["processes"] == ["fdm"] and items[0]["size_source"] == "openscad"


def test_design_index_is_rebuilt_from_kept_requirements(tmp_path, monkeypatch) -> None:
    """After a restart the index reads the derived requirements; it resolves no text."""
    from pathlib import Path

    import refaire.match.requirements as requirements
    from refaire.ingest.runner import import_sources
    from refaire.match.index import forget
    from refaire.store import open_store
    from refaire.store.designs import iter_designs

    okh = Path(__file__).resolve().parents[1] / "src" / "refaire" / "sample" / "okh"
    store = open_store(str(tmp_path / "r.db"))
    import_sources(store, [str(okh)])
    first = {dr.design_id: dr for dr in design_index(store).reqs}
    expected = {did: requirements.requirements_of(d, did) for did, d in iter_designs(store)}
    assert first == expected and len(first) > 100

    forget(store)  # what a restart does to the in-memory index

    def no_resolving(*_args, **_kwargs):
        raise AssertionError("requirements were recomputed instead of read")

    monkeypatch.setattr(requirements, "requirements_of", no_resolving)
    again = {dr.design_id: dr for dr in design_index(store).reqs}
    assert again == expected


def test_match_page_says_when_a_distance_is_to_a_town_centre(sample_store) -> None:
    from fastapi.testclient import TestClient

    from refaire.app import create_app
    from refaire.match.engine import match_requirements

    fi, di = facility_index(sample_store), design_index(sample_store)
    town = next(
        row for row in range(len(fi)) if fi.approximate[row] and fi.sigs[fi.sig_of[row]].strong
    )
    lat, lon = float(fi.lat[town]), float(fi.lon[town])
    found = next(
        dr
        for dr in di.reqs
        if any(
            m["facility"]["id"] == int(fi.ids[town])
            for m in match_requirements(fi, dr, lat, lon, 30.0)["matches"]
        )
    )
    client = TestClient(create_app(sample_store))
    page = client.get(
        f"/designs/{found.design_id}/match",
        params={"near": f"{lat},{lon}", "radius_km": "30", "lang": "en"},
    )
    assert page.status_code == 200
    assert "km, to the town centre: the source gives no coordinates" in page.text
