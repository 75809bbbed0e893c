"""The default rates and material table, read once from `rates.toml` beside this module."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Any


@cache
def rates() -> dict[str, Any]:
    return tomllib.loads(resources.files(__package__).joinpath("rates.toml").read_text("utf-8"))


def material(material_id: str) -> dict[str, Any]:
    """A material's row; ValueError naming the known ids for an unknown one."""
    table = rates()["materials"]
    key = material_id.strip().lower()
    if key not in table:
        raise ValueError(f"unknown material {material_id!r}: known are {', '.join(sorted(table))}")
    return table[key]


def materials_for(process: str) -> list[str]:
    return sorted(k for k, v in rates()["materials"].items() if v["process"] == process)
