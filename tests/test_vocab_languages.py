"""Language normalisation to BCP-47, on the values found in real manifests."""

from __future__ import annotations

import re

import pytest

from _vocab_corpus import LANGUAGE_KEYS, corpus_values
from refaire.vocab.languages import language_label, normalise_language

BCP47 = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$")


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("English-UK", "en-GB"),
        ("EN-UK", "en-GB"),
        ("en-UK", "en-GB"),
        ("En-US", "en-US"),
        ("english-US", "en-US"),
        ("EN", "en"),
        ("EN-GB", "en-GB"),
        ("en-CA", "en-CA"),
        ("French-FR", "fr-FR"),
        ("DE-Western-Europe", "de"),
        ("DE-Western-Europe ", "de"),
        ("jp-JP", "ja-JP"),
        ("es", "es"),
        ("sw", "sw"),
        ("Deutsch", "de"),
        ("français", "fr"),
        ("Español", "es"),
        ("Kiswahili", "sw"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("en_US.UTF-8", "en-US"),
        ("English (United Kingdom)", "en-GB"),
    ],
)
def test_normalise_language(text: str, tag: str) -> None:
    assert normalise_language(text) == tag


@pytest.mark.parametrize("text", ["", "   ", "[value]", "klingon", "xx-YY"])
def test_unrecognisable_is_none(text: str) -> None:
    assert normalise_language(text) is None


def test_labels_in_english_and_french() -> None:
    assert language_label("fr-FR") == "French (France)"
    assert language_label("fr-FR", "fr") == "français (France)"
    assert language_label("en-GB", "fr") == "anglais (Royaume-Uni)"
    assert language_label("sw") == "Swahili"
    assert language_label("de", "fr") == "allemand"
    assert language_label("not a language") == "not a language"


def test_every_corpus_language_normalises(shared_data) -> None:
    values = corpus_values(shared_data / "okh", LANGUAGE_KEYS)
    assert len(values) > 2000
    for value in set(values):
        tag = normalise_language(value)
        assert tag is not None, value
        assert BCP47.match(tag), (value, tag)
    assert normalise_language("English-UK") in {normalise_language(v) for v in values}
