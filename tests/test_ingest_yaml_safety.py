"""YAML alias bombs are refused by every YAML reader, with a located problem, quickly."""

from __future__ import annotations

import pytest

from refaire.ingest.runner import read_source
from refaire.ingest.yaml_safe import YAMLBombError, safe_load


def _bomb(levels: int = 9, width: int = 9) -> str:
    names = "abcdefghijklmnop"
    lines = [f"{names[0]}: &{names[0]} [" + ",".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        refs = ",".join([f"*{names[i - 1]}"] * width)
        lines.append(f"{names[i]}: &{names[i]} [{refs}]")
    return "\n".join(lines) + "\n"


# An OKW facility and an OKH v1 manifest, each carrying a bomb in a field they read.
OKW_BOMB = "name: Bomb Lab\nfacility-status: active\nequipment-type: x\n" + _bomb()
OKH_BOMB = "title: Bomb\nname: Bomb\nlicense: MIT\nrepo: https://example.org/b\n" + _bomb()


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [("bomb.okw.yml", OKW_BOMB, "okw"), ("okh-bomb.yml", OKH_BOMB, "okh-v1")],
)
def test_alias_bomb_is_refused_with_its_line(name: str, text: str, fmt: str) -> None:
    from refaire.ingest.base import detect

    assert detect(name, text.encode()).format == fmt
    result = read_source(name, text.encode())
    assert not result.designs and not result.facilities
    [problem] = [p for p in result.problems if p.severity == "error"]
    assert "refused" in problem.message and problem.line is not None
    assert problem.source == name


def test_the_406_byte_billion_laughs_is_refused() -> None:
    text = _bomb()
    assert len(text.encode()) < 410
    with pytest.raises(YAMLBombError, match="extra nodes"):
        safe_load(text)


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(YAMLBombError, match="contains it"):
        safe_load("a: &x [1, *x]\n")


def test_ordinary_aliases_still_load() -> None:
    doc = safe_load("base: &b {city: Lyon}\none: *b\ntwo: *b\n")
    assert doc["one"] == doc["two"] == {"city": "Lyon"}


def test_a_large_document_without_aliases_is_not_refused() -> None:
    text = "\n".join(f"- {{name: lab {i}, n: [{i}, {i + 1}]}}" for i in range(1_000))
    assert len(safe_load(text)) == 1_000
