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
