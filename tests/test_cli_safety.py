"""Record text and file names printed by every CLI command are shown literally: Rich never
reads them as markup (a design named `x [/b]` used to crash `designs list`, and
`[bold red]` restyled the output)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from _hostile import hostile_store
from refaire.cli import app as cli

SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="100mm" height="50mm" viewBox="0 0 100 50">'
    b'<rect x="5" y="5" width="90" height="40"/></svg>'
)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "h.db"
    store, _f, _d = hostile_store(str(path))
    store.close()
    return str(path)


def run(*args: str):
    return CliRunner().invoke(cli, [*args], catch_exceptions=False)


def _flat(text: str) -> str:
    """The output with table borders and line breaks removed (cells wrap on 80 columns)."""
    return "".join(ch for ch in text if ch not in "│┃║|\n ─━═┌┐└┘├┤┬┴┼╭╮╰╯┏┓┗┛┡┩")


@pytest.mark.parametrize(
    ("args", "literal"),
    [
        (["designs", "list"], "x[/b][boldred]"),
        (["designs", "list", "--q", "x"], "x[/b][boldred]"),
        (["designs", "show", "t:evil-design"], "x[/b][boldred]"),
        (["facilities", "list"], "[red]Lyon[/red]"),
        (["facilities", "show", "t:evil"], "[red]Lyon[/red]"),
        (["facilities", "list", "--near", "45.764,4.8357", "--radius-km", "30"], "[red]Lyon"),
        (["match", "t:evil-design", "--near", "45.764,4.8357", "--radius-km", "30"], "[/]"),
        (["match", "--facility", "t:evil"], "x[/b][boldred]"),
        (["observe", "--no-coverage"], "designs"),
    ],
)
def test_records_print_literally(db, args, literal) -> None:
    result = run(*args, "--db", db)
    assert result.exit_code == 0, result.output
    assert literal in _flat(result.output), result.output


def test_design_show_keeps_every_field_literal(db) -> None:
    out = _flat(run("designs", "show", "t:evil-design", "--db", db).output)
    for text in ("x[/b][boldred]<script>", "<b>Shade</b>[/]", "javascript:alert", "data:text/html"):
        assert text in out, text


def test_facility_show_keeps_every_field_literal(db) -> None:
    out = _flat(run("facilities", "show", "t:evil", "--db", db).output)
    for text in ("[red]Lyon[/red]", "<i>Laser</i>", "[bold]cutter", "javascript:window"):
        assert text in out, text


def test_errors_quote_user_input_literally(db) -> None:
    result = run("designs", "show", "[/b]", "--db", db)
    assert result.exit_code == 1 and "[/b]" in result.output
    result = run("match", "[bold red]x", "--near", "45.7,4.8", "--db", db)
    assert result.exit_code == 1 and "[bold red]x" in result.output


def test_quote_and_mesh_file_names(db, tmp_path) -> None:
    drawing = tmp_path / "[red]plate[bold red].svg"
    drawing.write_bytes(SVG)
    result = run("quote", str(drawing), "--material", "plywood", "--near", "45.76,4.84",
                 "--db", db)  # fmt: skip
    assert result.exit_code == 0, result.output
    out = _flat(result.output)
    assert "[red]plate[boldred].svg" in out
    assert "Evil<script>" in out  # the hostile facility quotes, its name literal
    mesh = tmp_path / "[red]broken.stl"
    mesh.write_bytes(b"solid x\nfacet normal 0 0 1\nendsolid")
    result = run("mesh", str(mesh))
    assert "[red]broken.stl" in _flat(result.output)


def test_import_summary(db, tmp_path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "okh.toml").write_text(
        'okhv = "OKH-LOSHv1.0"\nname = "y [/i] [bold]"\nrepo = "https://example.org/y"\n'
        'version = "1"\nlicense = "[/x]"\nlicensor = "a"\nfunction = "f"\n'
    )
    result = run("import", str(folder), "--db", db)
    out = _flat(result.output)
    assert result.exit_code == 0 and "[/x]" in out, result.output  # an unopened tag
    shown = _flat(run("designs", "list", "--q", "y", "--db", db).output)
    assert "y[/i][bold]" in shown
