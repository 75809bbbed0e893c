"""Readiness levels (OTRL/ODRL), legacy LOSH values and OKH v1 development stages."""

from __future__ import annotations

import pytest

from refaire.vocab.readiness import (
    normalise_documentation_readiness,
    normalise_technology_readiness,
    readiness_from_development_stage,
    readiness_label,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("OTRL-4", ("OTRL-4", None)),
        ("OTRL-8", ("OTRL-8", None)),
        ("Ideation", ("OTRL-1", "legacy-losh")),
        ("TechnicalDesign", ("OTRL-3", "legacy-losh")),
        ("Conception", ("OTRL-2", "legacy-losh")),
        ("OTLR-5", ("OTRL-5", "typo")),
        ("otrl4", ("OTRL-4", "format")),
        ("OTRL 3", ("OTRL-3", "format")),
        ("TRL-4", ("OTRL-4", "typo")),
        ("OTRL-9", (None, None)),
        ("ODRL-3", (None, None)),
        ("nonsense", (None, None)),
        ("", (None, None)),
    ],
)
def test_technology_readiness(text: str, expected: tuple) -> None:
    assert normalise_technology_readiness(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ODRL-3", ("ODRL-3", None)),
        ("ODRL-3*", ("ODRL-3*", None)),
        ("Started", ("ODRL-1", "legacy-losh")),
        ("Full", ("ODRL-3", "legacy-losh")),
        ("odrl 3*", ("ODRL-3*", "format")),
        ("ODLR-2", ("ODRL-2", "typo")),
        ("ODRL-5", ("ODRL-4", "legacy-losh")),
        ("ODLR-5", ("ODRL-4", "typo+legacy-losh")),
        ("OTRL-4", (None, None)),
    ],
)
def test_documentation_readiness(text: str, expected: tuple) -> None:
    assert normalise_documentation_readiness(text) == expected


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("idea", "OTRL-1"),
        ("research", "OTRL-1"),
        ("concept", "OTRL-2"),
        ("early-stages", "OTRL-2"),
        ("proof of concept", "OTRL-3"),
        ("prototype", "OTRL-3"),
        ("prototpye", "OTRL-3"),
        ("Prototyp 1", "OTRL-3"),
        ("testing", "OTRL-4"),
        ("working prototype", "OTRL-4"),
        ("product", "OTRL-5"),
        ("production", "OTRL-5"),
        ("in production", "OTRL-5"),
        ("Final", "OTRL-5"),
        ("stable", "OTRL-5"),
        ("OTRL-4", "OTRL-4"),
        ("[value]", None),
        ("TODO", None),
    ],
)
def test_development_stage(text: str, level: str | None) -> None:
    assert readiness_from_development_stage(text) == (level, "v1-development-stage")


def test_labels() -> None:
    for n in range(1, 9):
        assert readiness_label(f"OTRL-{n}") != f"OTRL-{n}"
        assert readiness_label(f"OTRL-{n}", "fr") != readiness_label(f"OTRL-{n}", "en")
    for level in ("ODRL-1", "ODRL-2", "ODRL-3", "ODRL-3*", "ODRL-4"):
        assert readiness_label(level) != level
        assert readiness_label(level, "fr") != readiness_label(level)
    assert readiness_label("OTRL-1").startswith("Ideation")
    assert readiness_label("OTRL-1", "fr").startswith("Idéation")
    assert readiness_label("unknown") == "unknown"
