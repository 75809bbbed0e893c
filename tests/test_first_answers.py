"""What is kept in memory or on disk across writes answers as a full rebuild would.

#18: the first answer after an import must not redo what the import did not change.
Each kept piece is checked against the same thing built from nothing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from refaire.ingest.runner import import_sources
from refaire.store import open_store

SAMPLE = Path(__file__).resolve().parents[1] / "src" / "refaire" / "sample"


def _sample_designs() -> list[str]:
    return sorted(str(p) for p in (SAMPLE / "okh").rglob("*.toml"))


def test_local_making_after_a_design_import_equals_a_full_rebuild(tmp_path) -> None:
    from refaire.match.index import design_index, facility_index
    from refaire.observatory import local

    files = _sample_designs()
    assert len(files) > 20
    store = open_store(str(tmp_path / "local.db"))
    try:
        import_sources(store, [*files[: len(files) // 2], str(SAMPLE / "facilities")])
        before = local.local_reach(store, radius_km=50.0)
        assert before.available and before.stated
        kept = local._incidences[(store.url, None, 50.0)]
        import_sources(store, files[len(files) // 2 :])
        after = local.local_reach(store, radius_km=50.0)
        # the facilities did not change: their incidence was kept, not recomputed
        assert local._incidences[(store.url, None, 50.0)][1] is kept[1]
        assert len(after.stated) > len(before.stated)
        full = local.reach(facility_index(store), design_index(store), local.towns(), 50.0)
        assert after.stated == full.stated and after.probable == full.probable
        assert any(v > 0 for v in after.stated.values())
        # a facility added: the incidence is built again, and agrees with a full rebuild
        from refaire.model import Facility
        from refaire.store.facilities import save_facilities

        save_facilities(store, [Facility(key="new-lab", name="New lab", country="FR",
                                         latitude=43.6, longitude=1.44)])  # fmt: skip
        moved = local.local_reach(store, radius_km=50.0)
        assert local._incidences[(store.url, None, 50.0)][1] is not kept[1]
        full = local.reach(facility_index(store), design_index(store), local.towns(), 50.0)
        assert moved.stated == full.stated
        inc = local._incidences[(store.url, None, 50.0)][1]
        fi = facility_index(store)
        fresh = local.sig_town_incidence(
            fi.lat, fi.lon, fi.sig_of, len(fi.sigs), local.towns(), 50.0
        )
        assert np.array_equal(inc.toarray(), fresh.toarray())
    finally:
        store.close()


def _facet_designs(keys: list[str], licence: str = "MIT", platform: str = "github"):  # noqa: ANN202
    from refaire.model import Design, Licence, Provenance

    out = []
    for i, key in enumerate(keys):
        prov = Provenance(source=key, format="okh-losh", checksum=f"{key}-{licence}",
                          imported_at="2025-01-01T00:00:00")  # fmt: skip
        out.append(Design(key=key, name=f"{'zyx'[i % 3]} {key}", format="okh-losh",
                          provenance=prov, licence=Licence(licence, "permissive"),
                          platform=platform, description="solar lamp"))  # fmt: skip
    return out


def _same_index(a, b) -> None:  # noqa: ANN001
    """Two facet indexes answer alike (codes may be numbered differently)."""
    assert a.size == b.size
    assert np.array_equal(a.present, b.present) and np.array_equal(a.name_rank, b.name_rank)
    for index in (a, b):
        for d in range(index.size):
            rows = slice(index.offsets[d], index.offsets[d + 1])
            assert (index.row_design[rows] == d).all()

    def triples(index):  # noqa: ANN001, ANN202
        return sorted(zip(index.row_design.tolist(),
                          [index.facets[f] for f in index.row_facet.tolist()],
                          [index.values[v] for v in index.row_value.tolist()], strict=True))  # fmt: skip

    assert triples(a) == triples(b)
    everyone = a.present.copy()
    assert a.counts(everyone) == b.counts(everyone)


def test_facet_index_takes_in_added_designs_and_rebuilds_after_a_rewrite(
    tmp_path, monkeypatch
) -> None:
    from refaire.store import facet_index as fx
    from refaire.store.design_search import search_designs
    from refaire.store.designs import save_designs

    store = open_store(str(tmp_path / "facets.db"))
    built = []
    real_build = fx._build
    monkeypatch.setattr(fx, "_build", lambda *a, **k: built.append(1) or real_build(*a, **k))
    try:
        save_designs(store, _facet_designs([f"a{i}" for i in range(30)]))
        first = fx.facet_index(store)
        assert len(built) == 1
        save_designs(store, _facet_designs([f"b{i}" for i in range(40)], "GPL-3.0", "gitlab"))
        extended = fx.facet_index(store)
        assert len(built) == 1 and extended is not first  # taken in, not built anew
        _same_index(extended, real_build(store, extended.generation))
        found = search_designs(store, q="solar", limit=200)
        fx.forget(store)
        assert search_designs(store, q="solar", limit=200) == found
        # an existing design changed (its platform): the index is built again
        save_designs(store, _facet_designs(["a3"], "CERN-OHL-S-2.0", "codeberg"))
        rebuilt = fx.facet_index(store)
        assert len(built) == 3  # the forget above, and this rewrite
        assert "codeberg" in rebuilt.values
        _same_index(rebuilt, real_build(store, rebuilt.generation))
    finally:
        store.close()


def test_facet_index_of_a_database_recreated_at_the_same_url_is_built_anew(tmp_path) -> None:
    from refaire.store import facet_index as fx
    from refaire.store.designs import save_designs

    path = tmp_path / "again.db"
    for platform in ("github", "gitlab"):
        store = open_store(str(path))
        try:
            save_designs(store, _facet_designs([f"a{i}" for i in range(5)], platform=platform))
            assert platform in fx.facet_index(store).values
            if platform == "gitlab":
                assert "github" not in fx.facet_index(store).values
        finally:
            store.close()
        path.unlink()


def test_a_running_app_prepares_again_after_another_process_writes(tmp_path, monkeypatch) -> None:
    """A CLI import beside a running server: the server's watcher sees the store's
    generations move, waits for them to stop, and prepares once (not per batch)."""
    import threading
    import time

    from fastapi.testclient import TestClient

    from refaire.app import create_app
    from refaire.observatory import warm
    from refaire.store.designs import save_designs

    monkeypatch.setattr(warm, "WATCH_EVERY_S", 0.05)
    prepared = []
    done = threading.Event()

    def fake_prepare(store) -> None:  # noqa: ANN001
        prepared.append(store.url)
        done.set()

    monkeypatch.setattr(warm, "prepare", fake_prepare)
    path = tmp_path / "watched.db"
    served = open_store(str(path))
    try:
        with TestClient(create_app(served, prepare=True)):
            assert done.wait(5)  # the start's own preparation
            time.sleep(0.3)  # the watcher's first look
            prepared.clear()
            done.clear()
            other = open_store(str(path))  # as `refaire import` would, in its own process
            try:
                save_designs(other, _facet_designs([f"w{i}" for i in range(3)]))
            finally:
                other.close()
            assert done.wait(5), "the watcher did not prepare after the write"
            time.sleep(0.3)
            assert prepared == [served.url]  # once for the writes, not once per look
    finally:
        served.close()
