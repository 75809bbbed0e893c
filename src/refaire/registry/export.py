"""Exporting the stored designs to a file or directory, one format at a time."""

from __future__ import annotations

import json
from pathlib import Path

from refaire.store import Store
from refaire.store.designs import iter_designs
from refaire.text import slug

FORMATS = ("okh-toml", "json", "csv", "ttl")


def export_designs(store: Store, fmt: str, out: Path) -> int:
    """Write every stored design to `out`; returns how many were written.

    okh-toml writes one `<id>-<slug>.toml` per design into the directory `out`;
    the other formats write one file.
    """
    from refaire.export.okh_toml import design_to_toml
    from refaire.export.rdf import designs_to_turtle
    from refaire.export.spreadsheet import CSV_ENCODING
    from refaire.export.tabular import design_to_json, designs_to_csv

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    count = 0
    if fmt == "okh-toml":
        out.mkdir(parents=True, exist_ok=True)
        for design_id, d in iter_designs(store):
            (out / f"{design_id}-{slug(d.name, 60) or 'design'}.toml").write_text(
                design_to_toml(d), encoding="utf-8"
            )
            count += 1
        return count
    out.parent.mkdir(parents=True, exist_ok=True)

    def counted():
        nonlocal count
        for _id, d in iter_designs(store):
            count += 1
            yield d

    encoding = CSV_ENCODING if fmt == "csv" else "utf-8"  # the BOM spreadsheets expect
    with out.open("w", encoding=encoding, newline="") as fh:
        if fmt == "csv":
            designs_to_csv(counted(), fh)
        elif fmt == "ttl":
            for chunk in designs_to_turtle(counted()):
                fh.write(chunk)
        else:
            fh.write("[\n")
            for i, d in enumerate(counted()):
                fh.write((",\n" if i else "") + json.dumps(design_to_json(d), ensure_ascii=False))
            fh.write("\n]\n")
    return count
