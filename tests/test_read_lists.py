"""One bad entry rejects that entry, not its list (issue 10, item 15).

Real hostile entries first (a SpaceAPI URL that does not parse, an OKW number of
hundreds of digits), then every list reader with one entry failing in a way no
check foresaw: the other entries are read and the failure is located.
"""

from __future__ import annotations

import json

import pytest

from refaire.ingest.base import get_reader

SPACE = {"api_compatibility": ["14"], "space": "Good Space", "url": "https://good.example",
         "location": {"lat": 52.1, "lon": 4.3}}  # fmt: skip


def _errors(result) -> list[tuple[str | None, str]]:
    return [(p.field, p.message) for p in result.problems if p.severity == "error"]


def test_spaceapi_list_with_a_url_that_does_not_parse_keeps_every_space() -> None:
    bad = dict(SPACE, space="Odd Space", url="http://[::1")
    far = dict(SPACE, space="Far Space", location={"lat": 1, "lon": 4.0})
    text = json.dumps([SPACE, bad, far, dict(SPACE, space="Third Space")])
    data = text.replace('"lat": 1,', '"lat": 1e400,').encode()
    result = get_reader("spaceapi").read("spaces.json", data)
    assert [f.name for f in result.facilities] == ["Good Space", "Odd Space", "Third Space"]
    assert _errors(result) == [("[2].location", "entry 2: bad coordinates inf, 4.0; rejected")]


@pytest.mark.parametrize("quantity", ["9" * 400, "1.0e+400", ".nan", "-3"])
def test_okw_list_with_an_oversized_number_keeps_the_other_entries(quantity: str) -> None:
    text = (
        "- name: First Lab\n  facility-status: active\n"
        "- name: Big Lab\n  facility-status: active\n  equipment:\n"
        f"    - equipment-type: 3D printer\n      quantity: {quantity}\n"
        "- name: Third Lab\n  facility-status: active\n"
    )
    result = get_reader("okw").read("labs.okw.yml", text.encode())
    assert [f.name for f in result.facilities] == ["First Lab", "Big Lab", "Third Lab"]
    [warning] = [p for p in result.problems if p.field == "[1].equipment[0].quantity"]
    assert warning.severity == "warning" and warning.line == 7


# (reader format, module, per-entry function, a real list of several entries)
LISTS = [
    ("spaceapi", "read_spaceapi", "_entry", None),
    ("okw", "read_okw", "_facility", None),
    ("fablabs-iopa", "read_fablabs", "_row", "fablabs-3.json"),
    ("places-csv", "read_places", "place_to_facility", "places-latitude.csv"),
    ("places-json", "read_places", "place_to_facility", "places.json"),
    ("nesta-csv", "read_nesta", "_row", "nesta-4.csv"),
]


@pytest.mark.parametrize(("fmt", "module", "func", "name"), LISTS, ids=[x[0] for x in LISTS])
def test_an_unforeseen_failure_in_one_entry_is_located(
    fmt, module, func, name, monkeypatch, fixtures
):
    import importlib

    mod = importlib.import_module(f"refaire.ingest.{module}")
    if fmt == "spaceapi":
        name = "spaces.json"
        data = json.dumps([dict(SPACE, space=f"Space {i}") for i in range(4)]).encode()
    elif fmt == "okw":
        name = "okw.yml"
        data = "".join(f"- name: Lab {i}\n  facility-status: active\n" for i in range(4)).encode()
    else:
        data = (fixtures / "fuzz" / name).read_bytes()
    clean = get_reader(fmt).read(name, data)
    assert len(clean.facilities) >= 3
    real = getattr(mod, func)
    read = []

    def second_fails(*args, **kwargs):
        out = real(*args, **kwargs)
        if out is not None:
            read.append(out)
            if len(read) == 2:  # the second entry that would have been read
                raise ArithmeticError("something no check foresaw")
        return out

    monkeypatch.setattr(mod, func, second_fails)
    result = get_reader(fmt).read(name, data)
    assert len(result.facilities) == len(clean.facilities) - 1
    [(field, message)] = [e for e in _errors(result) if e not in _errors(clean)]
    assert "could not be read (ArithmeticError: something no check foresaw); rejected" in message
    assert message.startswith(("entry ", "row ")), message
    assert read[1].name not in {f.name for f in result.facilities}
