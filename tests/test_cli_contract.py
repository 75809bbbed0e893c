"""The command line agrees with itself.

- Every command that takes a common flag (`--near`, `--radius-km`, `--lang`, `--sector`,
  `--openness`, `--readiness`, `--country`, `--material`, `--process`, `--limit`,
  `--offset`) refuses the same mistake the same way: exit 2, one line naming the flag and
  what it takes, no API field name, no traceback. The commands are enumerated from the
  app, so a new command with such a flag is checked without editing this file.
- Help shows flags as flags, documents every option and lists `demo` first.
- Importing the command line loads neither the web stack nor plotting nor the database.
- Database URL mistakes are one sentence; a read command never creates a mistyped file.
- `refaire demo` builds the database the next commands read; a busy port is reported
  before anything is built.
- Material names agree between `quote`, `facilities list` and the vocabulary.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from refaire.cli import app as cli
from refaire.cli._options import RULES, flag_of, walk

ROOT = Path(__file__).resolve().parent.parent
MESH = ROOT / "tests" / "fixtures" / "meshes" / "tw4_filter_clamp.stl"

# One wrong value per flag, and words the refusal must contain (what the flag takes).
BAD = {
    "--near": ("nowhere-near-anything-xyz", ["LAT,LON"]),
    "--radius-km": ("-5", ["km", "above 0"]),
    "--lang": ("de", ["en", "fr"]),
    "--sector": ("Z99", ["A61", "H"]),
    "--openness": ("foo", ["permissive", "strong-copyleft"]),
    "--readiness": ("banana", ["OTRL"]),
    "--country": ("France", ["two-letter"]),
    "--material": ("wood", ["plywood", "hardwood"]),
    "--process": ("wood", ["woodworking"]),
    "--limit": ("0", ["whole number", "1"]),
    "--offset": ("-5", ["whole number", "0"]),
}
# How the JSON API names these; a CLI user never typed them.
API_WORDS = ("radius_km", "near=", "limit=", "offset=", "query parameter")


def _root():
    return typer.main.get_command(cli)


def _cases() -> list[tuple[tuple[str, ...], str]]:
    out = []
    for path, command in walk(_root()):
        for param in command.params:
            flag = flag_of(param)
            if flag in BAD and not getattr(param, "is_flag", False):
                out.append((path, flag))
    return out


CASES = _cases()
WITH_DB = {path for path, command in walk(_root()) if any(flag_of(p) == "--db" for p in command.params)}


def test_the_table_covers_the_commands_that_take_common_flags() -> None:
    flags = {flag for _, flag in CASES}
    # every flag with a shared rule is taken by some command, and checked here
    assert set(RULES) <= set(BAD)
    assert {"--near", "--radius-km", "--lang", "--sector", "--limit", "--offset"} <= flags
    assert sum(1 for _, f in CASES if f == "--limit") >= 8
    assert (("match",), "--near") in CASES and (("facilities", "list"), "--near") in CASES


@pytest.mark.parametrize(("path", "flag"), CASES, ids=[f"{' '.join(p)} {f}" for p, f in CASES])
def test_same_mistake_same_answer(path: tuple[str, ...], flag: str, tmp_path: Path) -> None:
    value, words = BAD[flag]
    db = tmp_path / "never-created.db"
    db_args = ["--db", str(db)] if path in WITH_DB else []
    res = CliRunner().invoke(cli, [*path, f"{flag}={value}", *db_args])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1, res.output
    line = lines[0]
    assert line.startswith("error: ") and flag in line, line
    assert all(w in line for w in words), line
    assert "Traceback" not in res.output and not any(w in line for w in API_WORDS), line
    assert not db.exists()


def test_canonical_values_are_taken(tmp_path: Path) -> None:
    """A value clearly meant is canonicalised the same way everywhere, not refused."""
    db = _store_with_sample(tmp_path)
    upper = CliRunner().invoke(cli, ["designs", "list", "--sector", "A61", "--json", "--db", db])
    lower = CliRunner().invoke(cli, ["designs", "list", "--sector", "a61", "--json", "--db", db])
    assert upper.exit_code == lower.exit_code == 0, lower.output
    assert json.loads(upper.output)["total"] == json.loads(lower.output)["total"]
    # a value no design has is said so, never a silent empty table
    empty = CliRunner().invoke(cli, ["designs", "list", "--language", "xx", "--db", db])
    assert empty.exit_code == 0 and "no design has --language xx" in empty.output
    assert "values present:" in empty.output and " en" in empty.output


def test_help_shows_flags_as_flags_and_documents_every_option() -> None:
    undocumented = []
    for path, command in walk(_root()):
        for param in command.params:
            if param.param_type_name == "option" and not (param.help or "").strip():
                undocumented.append(f"{' '.join(path)} {flag_of(param)}")
        res = CliRunner().invoke(cli, [*path, "--help"])
        assert res.exit_code == 0, (path, res.output)
        assert "<bool>" not in res.output and "<str>" not in res.output, res.output
        assert "Traceback" not in res.output
    assert not undocumented, undocumented


def test_demo_is_listed_first() -> None:
    out = CliRunner().invoke(cli, ["--help"]).output
    commands = out.split("Commands:", 1)[1].split()
    assert commands[0] == "demo"


def test_importing_the_cli_loads_no_heavy_stack() -> None:
    code = (
        "import sys, refaire.cli; "
        "print([m for m in ('fastapi', 'starlette', 'jinja2', 'matplotlib', 'numpy', "
        "'sqlalchemy', 'alembic', 'uvicorn', 'rich.console') if m in sys.modules])"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def _one_line_error(res) -> str:  # noqa: ANN001 - a click Result
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), res.output
    assert "Traceback" not in res.output
    return lines[0]


def test_a_read_command_never_creates_a_mistyped_sqlite_file(tmp_path: Path) -> None:
    typo = tmp_path / "refair.db"
    line = _one_line_error(CliRunner().invoke(cli, ["designs", "list", "--db", str(typo)]))
    assert str(typo) in line and "--db" in line
    assert not typo.exists()


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("hello, this is not SQLite\n" * 100)
    line = _one_line_error(CliRunner().invoke(cli, ["facilities", "list", "--db", str(notes)]))
    assert "not a database" in line


def test_an_unsupported_database_url() -> None:
    line = _one_line_error(CliRunner().invoke(cli, ["designs", "list", "--db", "mysql://u@h/db"]))
    assert "PostgreSQL" in line and "SQLite" in line


@pytest.mark.postgres
def test_a_postgresql_database_that_does_not_exist() -> None:
    base = os.environ.get("REFAIRE_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("REFAIRE_TEST_POSTGRES_URL not set")
    url = base.rsplit("/", 1)[0] + "/refaire_no_such_database_cli13"
    line = _one_line_error(CliRunner().invoke(cli, ["designs", "list", "--db", url]))
    assert "refaire_no_such_database_cli13" in line and "does not exist" in line


def _store_with_sample(tmp_path: Path, name: str = "s.db") -> str:
    db = str(tmp_path / name)
    okh = ROOT / "src" / "refaire" / "sample" / "okh" / "manually-created"
    res = CliRunner().invoke(cli, ["import", str(okh), "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    return db


def test_demo_database_is_the_default_until_there_is_your_own(tmp_path: Path, monkeypatch) -> None:
    from refaire.store.db import default_database_path, demo_database_path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("REFAIRE_DATABASE_URL", raising=False)
    runner = CliRunner()
    line = _one_line_error(runner.invoke(cli, ["designs", "list"]))
    assert "refaire demo" in line  # no database yet: says how to get one, creates none
    assert not default_database_path().exists()
    demo = demo_database_path()
    demo.parent.mkdir(parents=True)
    okh = ROOT / "src" / "refaire" / "sample" / "okh" / "manually-created"
    assert runner.invoke(cli, ["import", str(okh), "--db", str(demo)]).exit_code == 0
    listed = runner.invoke(cli, ["designs", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output)["total"] > 0
    info = runner.invoke(cli, ["db", "info"]).output
    assert str(demo) in info and "demo" in info
    # writes go to the demo's database too (one default for every command)...
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    assert not default_database_path().exists()
    # ...until you make a database of your own: then it is the default again
    own_path = str(default_database_path())
    assert runner.invoke(cli, ["db", "upgrade", "--db", own_path]).exit_code == 0
    own = runner.invoke(cli, ["designs", "list", "--json"])
    assert json.loads(own.output)["total"] == 0
    assert str(default_database_path()) in runner.invoke(cli, ["db", "info"]).output


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_a_busy_port_is_reported_before_anything_is_built(
    command: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("REFAIRE_DATABASE_URL", raising=False)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        db = tmp_path / "d.db"
        res = CliRunner().invoke(cli, [command, "--port", str(port), "--db", str(db)])
    line = _one_line_error(res)
    assert str(port) in line and "--port" in line
    assert not db.exists()


def test_material_names_agree_between_quote_facilities_and_vocabulary(tmp_path: Path) -> None:
    from refaire.quote.rates import rates
    from refaire.vocab.capabilities import all_ids
    from refaire.vocab.names import canonical_id

    # the quote's materials are vocabulary ids: one list of names
    assert set(rates()["materials"]) <= set(all_ids("material"))
    db = str(tmp_path / "q.db")
    assert CliRunner().invoke(cli, ["db", "upgrade", "--db", db]).exit_code == 0
    runner = CliRunner()
    for name, expected in (("asa", "abs"), ("felt", "textile"), ("PLA+", "pla"), ("wood", None)):
        listed = runner.invoke(cli, ["facilities", "list", "--material", name, "--json", "--db", db])
        quoted = runner.invoke(
            cli, ["quote", str(MESH), "--material", name, "--json", "--db", db, "--limit", "1"]
        )
        if expected is None:
            assert listed.exit_code == quoted.exit_code == 2
            assert listed.output == quoted.output  # the same sentence
            assert "plywood" in listed.output
            continue
        assert canonical_id(name, "material") == expected
        assert listed.exit_code == 0, listed.output
        if expected == "textile":  # a laser material: a mesh is not quoted in it, said so
            assert quoted.exit_code == 1 and "textile" in quoted.output
        else:
            assert quoted.exit_code == 0, quoted.output
            assert json.loads(quoted.output)["material"] == expected


def test_match_marks_town_centre_distances_approximate() -> None:
    from refaire.cli.match import _km

    assert _km({"approximate_location": True}, 12.5) == "12.5 km (approximate: town centre)"
    assert _km({}, 12.5) == "12.5 km"


def test_python_dash_m_refaire_is_the_same_command_line() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-m", "refaire", "designs", "list", "--limit", "0"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 2
    assert out.stderr.strip() == "error: --limit must be a whole number from 1 to 200."
