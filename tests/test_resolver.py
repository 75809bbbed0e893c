"""Capability resolver, machine catalogue, dimension parser and the `refaire vocab` CLI."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from refaire.cli import app
from refaire.vocab import catalogue
from refaire.vocab.capabilities import (
    Resolution,
    all_ids,
    is_known,
    label,
    process_ancestors,
    process_parent,
    processes_for_tsdc,
    resolve,
)
from refaire.vocab.dimensions import parse_dimensions

ROOT = Path(__file__).resolve().parent.parent
VOCABULARY_PROCESSES = [
    "3d-printing",
    "fdm",
    "sla",
    "sls",
    "metal-3d-printing",
    "material-jetting",
    "cnc-milling",
    "cnc-routing",
    "turning",
    "laser-cutting",
    "laser-engraving",
    "waterjet-cutting",
    "plasma-cutting",
    "vinyl-cutting",
    "pcb-fabrication",
    "pcb-milling",
    "pcb-assembly",
    "soldering",
    "welding",
    "sheet-metal-forming",
    "injection-molding",
    "vacuum-forming",
    "casting",
    "woodworking",
    "metalworking",
    "sewing",
    "embroidery",
    "knitting",
    "weaving",
    "ceramics",
    "screen-printing",
    "3d-scanning",
    "assembly",
]
VOCABULARY_MATERIALS = [
    "pla",
    "abs",
    "petg",
    "tpu",
    "nylon",
    "resin",
    "polycarbonate",
    "polypropylene",
    "hdpe",
    "acrylic",
    "plywood",
    "mdf",
    "hardwood",
    "softwood",
    "cardboard",
    "paper",
    "aluminium",
    "steel",
    "stainless-steel",
    "copper",
    "brass",
    "fr4",
    "textile",
    "leather",
    "silicone",
    "wax",
    "glass",
    "ceramic",
    "concrete",
    "carbon-fibre",
    "foam",
]


def ids(text: str, kind: str | None = None) -> list[str]:
    return [r.id for r in resolve(text, kind=kind)]


def _benchmark():
    spec = importlib.util.spec_from_file_location(
        "resolver_bench", ROOT / "benchmarks" / "resolver.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_contract_ids_all_present() -> None:
    assert set(VOCABULARY_PROCESSES) <= set(all_ids("process"))
    assert set(VOCABULARY_MATERIALS) <= set(all_ids("material"))


def test_labelled_set_precision_and_recall() -> None:
    bench = _benchmark()
    items = bench.load()
    assert len(items) >= 250
    for item in items:
        for rid in item["expected"]:
            assert is_known(rid, item["kind"]), rid
    result = bench.score(items)
    assert result["precision"] >= 0.95, result["errors"]
    assert result["recall"] >= 0.90, result["errors"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Découpeuse laser Trotec Speedy 100", ["laser-cutting"]),
        ("Fresadora CNC", ["cnc-milling"]),
        ("Lasercutter", ["laser-cutting"]),
        ("impresora 3D", ["3d-printing"]),
        ("Drehbank", ["turning"]),
        ("tour à métaux", ["turning"]),
        ("TOUR A METAUX", ["turning"]),
        ("3DP", ["3d-printing"]),
        ("MEC", []),
        ("COT", []),
        ("STD", []),
        ("FDM", ["fdm"]),
        ("https://en.wikipedia.org/wiki/CNC_router", ["cnc-routing"]),
        ("https://fr.wikipedia.org/wiki/Découpe_laser", ["laser-cutting"]),
        ("https://fr.wikipedia.org/wiki/D%C3%A9coupe_laser", ["laser-cutting"]),
        ("Prusa i3 MK3S", ["fdm"]),
        ("Formlabs Form 3", ["sla"]),
        ("Roland SRM-20", ["pcb-milling"]),
        ("Ultimaker 2+", ["fdm"]),
        ("ShopBot", ["cnc-routing"]),
        (
            "Imprimante 3D, CNC, thermoformeuse, découpe laser",
            ["3d-printing", "cnc-milling", "vacuum-forming", "laser-cutting"],
        ),
        ("pick and place", ["pcb-assembly"]),
        ("soldering iron and pick and place machine", ["soldering", "pcb-assembly"]),
        ("coffee machine", []),
        ("Wi-Fi", []),
        ("3D glasses", []),
        ("FDM 3D printer", ["fdm"]),
        (
            "laser cutter; 3D printer / vinyl cutter\nsewing machine",
            ["laser-cutting", "3d-printing", "vinyl-cutting", "sewing"],
        ),
    ],
)
def test_brief_examples(text: str, expected: list[str]) -> None:
    assert ids(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PLA", "pla"),
        ("contreplaqué", "plywood"),
        ("plexiglas", "acrylic"),
        ("Aluminium", "aluminium"),
        ("aluminum", "aluminium"),
        ("inox", "stainless-steel"),
        ("MDF", "mdf"),
        ("acier", "steel"),
        ("FR4", "fr4"),
        ("tissu", "textile"),
        ("Sperrholz", "plywood"),
        ("acero inoxidable", "stainless-steel"),
    ],
)
def test_materials(text: str, expected: str) -> None:
    assert ids(text, kind="material") == [expected]


def test_resolution_details() -> None:
    [r] = resolve("tour à métaux", lang="fr")
    assert r == Resolution("turning", "Tournage (tour)", r.confidence, "alias:fr")
    assert 0 < r.confidence <= 1
    assert r.to_dict() == {
        "id": "turning",
        "label": "Tournage (tour)",
        "confidence": r.confidence,
        "rule": "alias:fr",
    }
    assert resolve("3DP")[0].rule == "tsdc"
    assert resolve("https://en.wikipedia.org/wiki/CNC_router")[0].rule == "wikipedia"
    assert resolve("Prusa i3 MK3S")[0].rule.startswith("catalogue:")
    assert resolve("ShopBot")[0].rule == "brand"
    assert ids("PLA", kind="process") == []
    assert ids("Laser cutter", kind="material") == []
    assert ids("resin 3D printer", kind=None) == ["sla", "resin"]


def test_tree_helpers() -> None:
    assert process_parent("fdm") == "3d-printing"
    assert process_parent("3d-printing") is None
    assert process_ancestors("cnc-routing") == ["cnc-milling"]
    assert process_ancestors("turning") == []
    assert is_known("fdm", "process") and not is_known("fdm", "material")
    assert is_known("pla", "material") and not is_known("coffee", None)
    assert label("laser-cutting", "fr") == "Découpe laser"
    assert label("laser-cutting", "de") == label("laser-cutting", "en") == "Laser cutting"
    assert "fdm" in processes_for_tsdc("3DP") and "3d-printing" in processes_for_tsdc("3dp")
    assert processes_for_tsdc("MEC") == processes_for_tsdc("COT") == processes_for_tsdc("STD") == []
    assert processes_for_tsdc("ASM-MEC") == ["assembly"]


def test_catalogue_models() -> None:
    models = catalogue.models()
    assert len(models) == 855 + 227
    assert all(m.process is None or is_known(m.process, "process") for m in models)
    assert all(is_known(x, "material") for m in models for x in m.materials)
    creatr = next(m for m in models if m.model == "LeapFrog Creatr")
    assert creatr.process == "fdm"
    assert creatr.build_volume_mm == (200.0, 270.0, 200.0)
    assert creatr.materials == ("pla", "abs", "nylon")
    assert creatr.source_file.endswith("3d_printers.csv") and creatr.source_row == 2
    # "Nylon and +2 materials": the UI counter is dropped, Nylon kept.
    assert all("materials" not in x for m in models for x in m.materials)
    speedy = next(m for m in models if m.model == "Speedy-300")
    assert speedy.process == "laser-cutting" and speedy.build_volume_mm == (726.0, 432.0)


def test_catalogue_lookup_is_tolerant() -> None:
    mk3s_plus = catalogue.lookup("Prusa", "Prusa i3 MK3S+")
    assert mk3s_plus is not None and mk3s_plus.model == "Original Prusa i3 MK3S+"
    mk3s = catalogue.lookup(None, "original prusa i3 mk3s")
    assert mk3s is not None and mk3s.model == "Original Prusa i3 MK3S"
    assert catalogue.lookup("ULTIMAKER", "Ultimaker 2+").model == "Ultimaker 2+"
    assert catalogue.lookup("Formlabs", "Form 3").process == "sla"
    assert catalogue.lookup("Trotec", "Speedy 100").model == "Speedy-100"
    assert catalogue.lookup(None, "Coffee machine") is None
    assert catalogue.find_in_text("we have a Formlabs Form 3 and a kettle").model == "Form 3"
    assert catalogue.find_in_text("Laser cutter (A3)") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("200 x 270 x 200 mm", (200.0, 270.0, 200.0)),
        ("250×210×210", (250.0, 210.0, 210.0)),
        ("300 х 300 х 340 mm", (300.0, 300.0, 340.0)),
        ("726x432", (726.0, 432.0)),
        ("A4", (210.0, 297.0)),
        ("A3", (297.0, 420.0)),
        ("2m", (2000.0,)),
        ("60 cm x 40 cm", (600.0, 400.0)),
        ('12"x24"', (304.8, 609.6)),
        ("1.2 x 0.6 m", (1200.0, 600.0)),
        ("2,500mm x 1250mm", (2500.0, 1250.0)),
        ("120 mm × 67.5 mm × 150 mm", (120.0, 67.5, 150.0)),
        ("2000/8000 x 1300/3200 mm", (2000.0, 1300.0)),
        ("no size here", None),
        ("", None),
    ],
)
def test_parse_dimensions(text: str, expected: tuple[float, ...] | None) -> None:
    assert parse_dimensions(text) == expected


def test_parse_dimensions_infinite_axis() -> None:
    x, y, z = parse_dimensions("340 × 340 ×  ∞ mm")
    assert (x, y) == (340.0, 340.0) and math.isinf(z)


def test_cli_resolve_json() -> None:
    result = CliRunner().invoke(
        app, ["vocab", "resolve", "--json", "Fresadora CNC", "coffee machine"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [d["text"] for d in data] == ["Fresadora CNC", "coffee machine"]
    assert data[0]["results"][0]["id"] == "cnc-milling"
    assert set(data[0]["results"][0]) == {"id", "label", "confidence", "rule"}
    assert data[1]["results"] == []


def test_cli_resolve_stdin_kind_and_lang() -> None:
    result = CliRunner().invoke(
        app,
        ["vocab", "resolve", "--json", "--kind", "material", "--lang", "fr", "-"],
        input="contreplaqué\n\nPLA\n",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [d["results"][0]["id"] for d in data] == ["plywood", "pla"]
    assert data[0]["results"][0]["label"] == "Contreplaqué"


def test_cli_resolve_table_and_list() -> None:
    runner = CliRunner()
    table = runner.invoke(app, ["vocab", "resolve", "Lasercutter"])
    assert table.exit_code == 0 and "laser-cutting" in table.output
    listing = runner.invoke(app, ["vocab", "list", "--kind", "process", "--json"])
    assert listing.exit_code == 0
    rows = json.loads(listing.output)
    assert {"id": "fdm", "parent": "3d-printing"}.items() <= next(
        r for r in rows if r["id"] == "fdm"
    ).items()
    assert len(rows) == len(all_ids("process"))
