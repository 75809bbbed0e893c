"""Issue 12, another matcher's format (OHM's OKH/OKW JSON), on files of our own making.

Organisation tables keep their name (not their URL); a NASA TRL stays a TRL, beside (not
in place of) the open-hardware OTRL; OHM's process codes (LASER, SHEET…) are understood
or warned, never dropped; two facility files with distinct ids but one name and place are
merged with a count and the keys and files named on the record and in the summary.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from refaire.app import create_app
from refaire.ingest.runner import import_sources, read_source
from refaire.store.facilities import get_facility


def _read(fixtures, *names: str):
    path = fixtures.joinpath("truth", *names)
    return read_source(str(path), path.read_bytes())


def test_organisation_is_its_name_and_trl_is_kept_apart(fixtures) -> None:
    [d] = _read(fixtures, "designs", "ohm-okh-trl.json").designs
    assert d.organisation == "Example Lab Collective"
    assert (d.trl, d.technology_readiness) == ("TRL-6", None)
    [note] = [n for n in d.notes if n.field == "trl"]
    assert (note.original, note.value, note.rule) == (
        "TRL 6",
        "TRL-6",
        "nasa-trl-kept-apart-from-otrl",
    )
    assert not any(n.rule == "typo" for n in d.notes)


def test_an_otrl_value_is_still_an_otrl(fixtures, tmp_path) -> None:
    text = (fixtures / "truth" / "designs" / "ohm-okh-trl.json").read_text()
    path = tmp_path / "otrl.json"
    path.write_text(text.replace('"TRL 6"', '"OTRL-4"'))
    [d] = read_source(str(path), path.read_bytes()).designs
    assert (d.trl, d.technology_readiness) == (None, "OTRL-4")


def test_okw_process_codes_are_understood_or_warned(fixtures) -> None:
    [a] = _read(fixtures, "ohm-okw", "facility-7f3a.json").facilities
    assert [(c.id, c.origin) for c in a.processes] == [
        ("laser-cutting", "stated"),
        ("3d-printing", "stated"),
    ]
    result = _read(fixtures, "ohm-okw", "facility-9b21.json")
    [b] = result.facilities
    assert [c.id for c in b.processes] == ["sheet-metal-forming"]
    assert b.email == "bonjour@makershub.example"  # from owner.contact_info
    assert b.extra["unread_processes"] == ["TELEPORT"]
    assert any("TELEPORT" in p.message for p in result.problems if p.severity == "warning")


def test_same_place_in_two_files_is_merged_with_a_count_and_both_named(any_store, fixtures):
    s = import_sources(any_store, [str(fixtures / "truth" / "ohm-okw")])
    assert (s.read, s.imported, s.merged, s.accounted) == (2, 1, 1, True)
    [m] = s.merges
    assert {m["record_source"], m["into_source"]} == {
        "ohm-okw/facility-7f3a.json",
        "ohm-okw/facility-9b21.json",
    }
    found = get_facility(any_store, "okw:7f3a0c2e-0001-4000-8000-000000000001")
    assert found is not None
    fid, f = found
    merged = f.extra["merged_records"]
    assert merged["count"] == 2 and len(merged["keys"]) == 2
    assert {c.id for c in f.processes} >= {"laser-cutting", "sheet-metal-forming"}
    assert f.email == "bonjour@makershub.example"
    api = TestClient(create_app(store=any_store))
    en = api.get(f"/facilities/{fid}", params={"lang": "en"}).text
    assert 'id="merged-records"' in en and "One place read from 2 records" in en
    fr = api.get(f"/facilities/{fid}", params={"lang": "fr"}).text
    assert "Un seul lieu lu dans 2 enregistrements" in fr
