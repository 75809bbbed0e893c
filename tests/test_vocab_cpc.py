"""CPC cleaning, sectors from CPC, sector labels and sector inference from text."""

from __future__ import annotations

import tomllib

import pytest

from refaire.vocab.cpc import clean_cpc, known_sectors, sector_label, sectors_for_cpc
from refaire.vocab.sectors import infer_sectors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("B65G1/00", "B65G 1/00"),
        ("A47C 16/04", "A47C 16/04"),
        ("B33Y30/00", "B33Y 30/00"),
        ("D03D 35/00", "D03D 35/00"),
        ("Y02E10/76", "Y02E 10/76"),
        ("B66C2700/01", "B66C 2700/01"),
        ("A", "A"),
        ("A61", "A61"),
        ("A61B", "A61B"),
        ("h05k", "H05K"),
        (
            "get CPC-ID from here <https://worldwide.espacenet.com/classification> e.g. D03D 35/00",
            None,
        ),
        ("textile machinery", None),
        ("Z01", None),
        ("", None),
    ],
)
def test_clean_cpc(text: str, expected: str | None) -> None:
    assert clean_cpc(text) == expected


@pytest.mark.parametrize(
    ("code", "sectors"),
    [
        ("A61H", ["A61", "A"]),
        ("B33Y30/00", ["B33", "B"]),
        ("H02J 1/00", ["H02", "H"]),
        ("F24S10/00", ["F24", "F"]),
        ("B62J7/00", ["B62", "B"]),
        ("A01", ["A01", "A"]),
        ("G06C 7/02", ["G06", "G"]),
        ("C07D", ["C"]),
        ("Y", ["Y"]),
        ("e.g. D03D 35/00", []),
    ],
)
def test_sectors_for_cpc(code: str, sectors: list[str]) -> None:
    assert sectors_for_cpc(code) == sectors


def test_every_sector_has_french_and_english_labels() -> None:
    for sector in known_sectors():
        assert sector_label(sector) != sector
        assert sector_label(sector, "fr") != sector
    for section in "ABCDEFGHY":
        assert section in known_sectors()
    assert sector_label("H") == "Electricity"
    assert sector_label("H", "fr") == "Électricité"
    assert sector_label("nope") == "nope"


@pytest.mark.parametrize(
    ("text", "sector"),
    [
        ("solar", "Y02"),
        ("Solar cooker", "F24"),
        ("compost", "C05"),
        ("wheelchair", "A61"),
        ("Fauteuil roulant pliant", "A61"),
        ("microscope", "G02"),
        ("prosthesis", "A61"),
        ("Prothèse de main", "A61"),
        ("agriculture", "A01"),
        ("irrigation", "A01"),
        ("drone", "B64"),
        ("3D printer", "B33"),
        ("Imprimante 3D", "B33"),
        ("bicycle trailer", "B62"),
        ("Vélo cargo", "B62"),
        ("PCB", "H05"),
        ("furniture", "A47"),
        ("Meuble de rangement", "A47"),
        ("sewing", "D05"),
        ("Atelier couture", "D05"),
        ("water filter", "C02"),
        ("covid face shield", "A61"),
    ],
)
def test_infer_sectors_top_choice(text: str, sector: str) -> None:
    found = infer_sectors(text)
    assert found, text
    assert found[0][0] == sector
    assert 0 < found[0][1] <= 0.95
    assert (sector[0], found[0][1]) in found  # the section follows its class


def test_infer_sectors_is_word_and_accent_aware() -> None:
    assert infer_sectors("") == []
    assert infer_sectors("hello world") == []
    assert not any(s == "G09" for s, _ in infer_sectors("Scientific instrument"))
    assert infer_sectors("VELO") == infer_sectors("vélo")
    assert not any(s == "D" for s, _ in infer_sectors("fabrication additive"))


def test_corpus_mostly_gets_a_sector(shared_data) -> None:
    texts = []
    for path in sorted((shared_data / "okh" / "losh-list").rglob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError:
            continue
        texts.append(f"{data.get('name', '')} {data.get('function', '')}")
    assert len(texts) > 2000
    with_sector = sum(1 for t in texts if infer_sectors(t))
    assert with_sector / len(texts) > 0.9
