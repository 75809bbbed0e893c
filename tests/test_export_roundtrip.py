"""Exports: OKH-LOSH TOML round trip (fixtures and the whole real corpus), Turtle, CSV, JSON.

Round-trip rule: ``design_to_toml`` then the OKH TOML reader gives the same normalised
record. Compared: ``Design.to_dict()`` without the import record (provenance, notes,
problems), without ``format`` and ``okhv`` (the copy is OKH-LOSH whatever the original
dialect), without the licences' ``original`` (the copy already holds the normalised
expression), and without ``key`` and ``platform`` when there is no repo (both then derive
from the source path, which differs by construction).
"""

from __future__ import annotations

import csv
import io
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from refaire.export.okh_toml import design_to_toml
from refaire.export.rdf import designs_to_turtle, iri, literal
from refaire.export.tabular import COLUMNS, design_to_json, designs_to_csv
from refaire.export.toml_writer import dumps, toml_string
from refaire.ingest.files import read_bytes, read_path
from refaire.ingest.parts import attach_parts
from refaire.model import Design

FIX = Path(__file__).parent / "fixtures" / "okh"


def comparable(design: Design) -> dict[str, Any]:
    data = design.to_dict()
    for k in ("provenance", "notes", "problems", "format", "okhv"):
        data.pop(k)
    if design.repo is None:
        data.pop("key")
        data.pop("platform")
    for lic in [data["licence"], *data["licences"].values()]:
        if lic:
            lic["original"] = None
    return data


def read_all(root: Path) -> list[Design]:
    designs, parts = [], []
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".toml", ".yml", ".yaml", ".json"):
            result = read_path(path)
            designs += result.designs
            parts += result.parts
    attach_parts(designs, parts)
    return designs


def round_trip(design: Design) -> Design:
    text = design_to_toml(design)
    result = read_bytes("exported/okh.toml", text.encode())
    assert len(result.designs) == 1, [str(p) for p in result.problems]
    return result.designs[0]


def mismatches(designs: list[Design]) -> list[tuple[str, list[str]]]:
    out = []
    for d in designs:
        a, b = comparable(d), comparable(round_trip(d))
        if a != b:
            assert d.provenance is not None
            out.append((d.provenance.source, [k for k in a if a[k] != b.get(k)]))
    return out


def test_round_trip_fixtures() -> None:
    designs = read_all(FIX)
    assert len(designs) >= 10 and any(d.parts for d in designs)
    assert mismatches(designs) == []


def test_round_trip_every_real_manifest(shared_data: Path) -> None:
    designs = read_all(shared_data / "okh")
    assert len(designs) >= 2100
    assert mismatches(designs) == []


def test_exported_toml_is_losh_spec_form() -> None:
    [design] = read_path(FIX / "losh" / "okh-Crown_Cap_Machine.toml").designs
    doc = tomllib.loads(design_to_toml(design))
    assert doc["okhv"] == "OKH-LOSHv1.0"
    assert doc["cpc-patent-class"] == "B67B 3/02"
    assert doc["documentation-language"] == "en-GB"
    assert doc["outer-dimensions"] == {"openSCAD": "cube(size = [520,200,300])", "unit": "mm"}
    designs = read_all(FIX / "projects")
    [mosh] = [d for d in designs if d.parts]
    doc = tomllib.loads(design_to_toml(mosh))
    assert [p["name"] for p in doc["part"]] == ["Clamp Ring", "Comb"]
    assert doc["part"][0]["material"] == ["pla"]


def test_toml_escaping() -> None:
    nasty = 'quote " backslash \\ tab \t newline \n bell \x07 del \x7f é 🙂'
    assert tomllib.loads("x = " + toml_string(nasty))["x"] == nasty
    doc = {"a b": nasty, "n": 1.5, "t": {"k": [1, 2]}, "arr": [{"x": "1"}, {"x": "2"}]}
    assert tomllib.loads(dumps(doc)) == doc


def test_turtle_escaping_and_structure() -> None:
    assert literal('a "b" \\ c\nd\x01') == '"a \\"b\\" \\\\ c\\nd\\u0001"'
    assert iri("https://x.org/a b<c>") == "<https://x.org/a%20b%3Cc%3E>"
    designs = read_all(FIX)
    chunks = list(designs_to_turtle(iter(designs)))
    assert len(chunks) == len(designs) + 1 and chunks[0].startswith("@prefix okh:")
    assert "<http://w3id.org/oseg/ont/okh#>" in chunks[0]
    text = "".join(chunks)
    assert text.count("a okh:Module") == len(designs)
    assert "okh:hasComponent" in text and "a okh:Part" in text
    assert "dcterms:license <http://spdx.org/licenses/CC-BY-SA-4.0>" in text
    assert "okh:technologyReadinessLevel otrl:OTRL1" in text


def test_turtle_parses_with_rdflib() -> None:
    rdflib = pytest.importorskip("rdflib")
    designs = read_all(FIX)
    graph = rdflib.Graph()
    graph.parse(data="".join(designs_to_turtle(designs)), format="turtle")
    okh = rdflib.Namespace("http://w3id.org/oseg/ont/okh#")
    modules = set(graph.subjects(rdflib.RDF.type, okh.Module))
    assert len(modules) == len({d.key for d in designs})


def test_csv_one_row_per_design() -> None:
    designs = read_all(FIX)
    fh = io.StringIO()
    assert designs_to_csv(designs, fh) == len(designs)
    rows = list(csv.DictReader(io.StringIO(fh.getvalue())))
    assert len(rows) == len(designs) and list(rows[0]) == COLUMNS
    [vermi] = [r for r in rows if r["name"] == "Bayside Park Farm vermicomposting"]
    assert vermi["categories"] == "Compost bin; Vermicompost"
    assert vermi["licence"] == "CC-BY-SA-4.0"


def test_json_without_manifest_text() -> None:
    [design] = read_path(FIX / "losh" / "okh-Crown_Cap_Machine.toml").designs
    data = design_to_json(design)
    assert "text" not in data["provenance"] and len(data["provenance"]["checksum"]) == 64
    assert json.loads(json.dumps(data))["name"] == "Crown Cap Machine"
