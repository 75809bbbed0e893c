"""Which materials a process can work: `data/process_materials.toml`.

Matching asks `can_work(process, material)` before counting a material requirement as
met, so that a machine that lists no materials (or lists a wrong one) does not "work"
copper on a resin printer. A process without an entry takes its nearest ancestor's list;
a process with none in its chain, or a material outside the vocabulary, is not checked
(nothing is known against it).
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from refaire.vocab.capabilities import all_ids, is_known, process_ancestors


@cache
def _table() -> dict[str, frozenset[str]]:
    text = resources.files("refaire.vocab").joinpath("data", "process_materials.toml")
    data = tomllib.loads(text.read_text("utf-8"))["compatible"]
    for pid, mats in data.items():
        if not is_known(pid, "process"):
            raise ValueError(f"process_materials.toml: {pid!r} is not a process id")
        bad = [m for m in mats if not is_known(m, "material")]
        if bad:
            raise ValueError(f"process_materials.toml: {pid}: not material ids: {bad}")
    return {pid: frozenset(mats) for pid, mats in data.items()}


@cache
def compatible_materials(process: str) -> frozenset[str] | None:
    """The materials `process` can work (its own entry or its nearest ancestor's); None
    when the table says nothing of it or of its ancestors."""
    table = _table()
    if not is_known(process, "process"):
        return None
    for pid in (process, *process_ancestors(process)):
        if pid in table:
            return table[pid]
    return None


def can_work(process: str, material: str) -> bool:
    """Whether `process` can work `material`; True when either is not in the table."""
    allowed = compatible_materials(process)
    if allowed is None or not is_known(material, "material"):
        return True
    return material in allowed


def workable(process: str, materials: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """The materials of `materials` that `process` can work, in their order."""
    return tuple(m for m in materials if can_work(process, m))


def compatibility_rows() -> list[dict[str, object]]:
    """Every process with the materials it can work (None: not checked), for listings."""
    return [
        {
            "process": p,
            "materials": sorted(m) if (m := compatible_materials(p)) is not None else None,
        }
        for p in all_ids("process")
    ]
