"""The default rates and material table, read once from `rates.toml` beside this module."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any

from refaire.said import Said


@cache
def rates() -> dict[str, Any]:
    return tomllib.loads(resources.files(__package__).joinpath("rates.toml").read_text("utf-8"))


def material(material_id: str) -> dict[str, Any]:
    """A material's row, by vocabulary id or any name the vocabulary gives it; ValueError
    (`vocab.names.UnknownName` for a name it does not know) otherwise."""
    from refaire.vocab.names import canonical_id

    table = rates()["materials"]
    key = canonical_id(material_id, "material")
    if key not in table:
        raise ValueError(Said("quote.err.no_rates", material=key, known=", ".join(sorted(table))))
    return table[key]


def materials_for(process: str) -> list[str]:
    return sorted(k for k, v in rates()["materials"].items() if v["process"] == process)
