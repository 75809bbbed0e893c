"""The store on SQLite and PostgreSQL: migrations, upsert identity, search, facets."""

from __future__ import annotations

from sqlalchemy import inspect

from refaire.model import Design, Licence, Link, Note, Part, Provenance
from refaire.store.db import current_revision, head_revision
from refaire.store.design_search import search_designs
from refaire.store.designs import count_designs, get_design, iter_designs, lineage, save_designs


def make(key: str, name: str, **kw) -> Design:
    prov = Provenance(
        source=f"/data/{key}.toml",
        format="okh-losh",
        checksum="0" * 64,
        imported_at="2026-11-23T10:00:00+00:00",
        text=f'name = "{name}"\n',
    )
    return Design(key=key, name=name, format="okh-losh", provenance=prov, **kw)


def test_migrations_applied_on_first_use(any_store):
    assert current_revision(any_store.engine) == head_revision()
    tables = set(inspect(any_store.engine).get_table_names())
    assert {"designs", "design_postings", "design_facets", "facilities"} <= tables


def test_save_is_idempotent_and_updates(any_store):
    d = make("https://example.org/crib#crib", "Baby Crib", function="A safe place to sleep")
    first = save_designs(any_store, [d])
    assert (first.imported, first.updated) == (1, 0)
    d2 = make("https://example.org/crib#crib", "Baby Crib", function="Folding crib for clinics")
    second = save_designs(any_store, [d2])
    assert (second.imported, second.updated) == (0, 1)
    assert count_designs(any_store) == 1
    _id, stored = get_design(any_store, "https://example.org/crib#crib")
    assert stored.function == "Folding crib for clinics"
    # the old words are no longer indexed, the new ones are
    assert search_designs(any_store, q="safe")["total"] == 0
    assert search_designs(any_store, q="clinics")["total"] == 1


def test_record_round_trips_through_the_store(any_store):
    d = make(
        "k1",
        "Solar Dryer",
        licence=Licence("CC-BY-SA-4.0", "strong-copyleft", original="LicenseRef-CC BY-SA-4.0"),
        languages=["en-GB"],
        sectors=["F", "F24"],
        technology_readiness="OTRL-2",
        parts=[Part(name="Frame", processes=["woodworking"], materials=["plywood"])],
        links=[Link("fork-of", "https://example.org/dryer")],
        notes=[Note("license", "LicenseRef-CC BY-SA-4.0", "CC-BY-SA-4.0", "spdx-repair")],
    )
    save_designs(any_store, [d])
    design_id, back = get_design(any_store, "k1")
    assert back.to_dict() == d.to_dict()
    assert get_design(any_store, design_id)[1].key == "k1"
    assert [x.key for _i, x in iter_designs(any_store)] == ["k1"]


def test_search_words_prefix_accents_and_ranking(any_store):
    save_designs(
        any_store,
        [
            make("a", "Séchoir solaire", function="Sèche les fruits au soleil"),
            make("b", "Solar cooker", function="Cooks with the sun", keywords=["solar"]),
            make("c", "Wheelchair", function="Mobility aid; no solar parts"),
        ],
    )
    names = [i["name"] for i in search_designs(any_store, q="solar")["items"]]
    assert names[0] == "Solar cooker"  # name match outranks a description match
    # "solar" also finds the French "solaire" (bilingual expansion, refaire.text_expand)
    assert set(names) == {"Solar cooker", "Wheelchair", "Séchoir solaire"}
    assert search_designs(any_store, q="sechoir")["items"][0]["name"] == "Séchoir solaire"
    assert search_designs(any_store, q="SOL")["total"] == 3  # prefix: solaire, solar, soleil
    assert search_designs(any_store, q="solar cooker")["total"] == 1  # every word must match
    assert search_designs(any_store, q="nothing-like-this")["total"] == 0


def test_facets_count_and_filter(any_store):
    lic = Licence("MIT", "permissive")
    save_designs(
        any_store,
        [
            make(
                "a", "A", licence=lic, sectors=["A", "A61"], languages=["en-GB"], platform="github"
            ),
            make("b", "B", licence=lic, sectors=["A"], languages=["fr"], platform="github"),
            make("c", "C", licence=Licence("CC-BY-NC-4.0", "non-free"), sectors=["F"]),
        ],
    )
    res = search_designs(any_store)
    counts = {f: {v["value"]: v["count"] for v in vals} for f, vals in res["facets"].items()}
    assert counts["openness"] == {"permissive": 2, "non-free": 1}
    assert counts["sector"] == {"A": 2, "A61": 1, "F": 1}
    assert counts["language"] == {"en": 1, "fr": 1}
    only = search_designs(any_store, filters={"sector": ["A61"]})
    assert [i["name"] for i in only["items"]] == ["A"]
    both = search_designs(any_store, filters={"openness": ["permissive"], "language": ["fr"]})
    assert [i["name"] for i in both["items"]] == ["B"]


def test_unknown_facet_is_refused(any_store):
    import pytest

    with pytest.raises(ValueError, match="unknown facet 'colour'"):
        search_designs(any_store, filters={"colour": ["red"]})


def test_pagination_is_stable(any_store):
    save_designs(any_store, [make(f"k{i:02d}", f"Design {i:02d}") for i in range(25)])
    first = search_designs(any_store, limit=10, offset=0)
    third = search_designs(any_store, limit=10, offset=20)
    assert first["total"] == 25
    assert [i["name"] for i in first["items"]][:2] == ["Design 00", "Design 01"]
    assert len(third["items"]) == 5


def test_lineage_resolves_stored_parents_and_children(any_store):
    parent = make("p", "Parent", repo="https://example.org/parent")
    child = make("c", "Child", links=[Link("fork-of", "https://example.org/parent")])
    save_designs(any_store, [parent, child])
    pid, p = get_design(any_store, "p")
    cid, c = get_design(any_store, "c")
    assert lineage(any_store, cid, c)["parents"][0]["design"] == {"id": pid, "name": "Parent"}
    assert lineage(any_store, pid, p)["children"] == [
        {"id": cid, "name": "Child", "kind": "fork-of"}
    ]


def test_word_index_follows_rewrites_within_and_across_flushes(any_store):
    from refaire.store.designs import flush_postings

    save_designs(any_store, [make("k", "Loom", function="weaves cotton")], index=False)
    # saved again before the flush: only the last version may be indexed
    save_designs(any_store, [make("k", "Loom", function="weaves wool")], index=False)
    flush_postings(any_store)
    assert search_designs(any_store, q="wool")["total"] == 1
    assert search_designs(any_store, q="cotton")["total"] == 0
    assert search_designs(any_store, q="weaves")["total"] == 1
    # a later rewrite drops the words the design no longer has
    save_designs(any_store, [make("k", "Loom", function="knits linen")])
    assert search_designs(any_store, q="weaves")["total"] == 0
    assert search_designs(any_store, q="linen")["items"][0]["name"] == "Loom"
