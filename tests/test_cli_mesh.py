"""`refaire mesh`: one result per file in order, JSON and table, exit code on failure."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from refaire.cli import app

MESHES = Path(__file__).parent / "fixtures" / "meshes"
runner = CliRunner()


def test_json_results_in_order_and_exit_code(tmp_path: Path) -> None:
    broken = tmp_path / "broken.stl"
    broken.write_bytes((MESHES / "flypi_manipulator_thumbscrew.stl").read_bytes()[:-7])
    files = [MESHES / "tw4_filter_clamp.stl", broken, MESHES / "door_knob.3mf"]
    result = runner.invoke(app, ["mesh", "--json", *map(str, files)])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [Path(d["file"]).name for d in data] == [f.name for f in files]
    assert [d["ok"] for d in data] == [True, False, True]
    assert data[0]["triangles"] == 896 and data[0]["watertight"] is True
    assert "truncated" in data[1]["problems"][0]["message"]
    assert data[2]["units_assumed"] == "millimeter"


def test_table_and_success_exit_code() -> None:
    result = runner.invoke(app, ["mesh", str(MESHES / "door_knob.3mf")])
    assert result.exit_code == 0, result.output
    assert "door_knob.3mf" in result.output and "9,344" in result.output
    assert "zero-area facets" in result.output  # the warning is printed in full


def test_missing_file_is_a_result_not_a_crash(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["mesh", "--json", str(tmp_path / "nope.stl"), str(MESHES / "tw4_filter_clamp.stl")]
    )
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data[0]["ok"] is False and data[1]["ok"] is True
