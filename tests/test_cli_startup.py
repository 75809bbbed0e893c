"""The command line starts fast because it loads only what the invoked command needs.

- `cli._commands.COMMANDS` (names, summaries, modules) agrees with what the command
  modules register: every module with commands is listed, every top-level command they
  build is in the table, and each one is built by the modules the table names.
- `refaire --help` imports no command module; `refaire designs show --help` imports the
  designs modules only, and neither loads pydantic (see cli._coerce).
- The values typer would coerce through pydantic and those kept as given are the same.
- The migration check without alembic agrees with alembic.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import typer.main

import refaire.cli
from refaire.cli import _commands
from refaire.cli._group import _SCRATCH, _register

SRC = Path(refaire.cli.__file__).resolve().parents[2]


def _loaded_after(code: str) -> set[str]:
    """The modules loaded by a fresh interpreter after running `code`."""
    probe = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_the_table_lists_every_command_module() -> None:
    modules = {
        i.name for i in pkgutil.iter_modules(refaire.cli.__path__) if not i.name.startswith("_")
    }
    listed = {m for entry in _commands.COMMANDS.values() for m in entry.modules}
    assert listed == modules


def test_the_table_names_exactly_the_top_level_commands_the_modules_build() -> None:
    for entry in _commands.COMMANDS.values():
        for module in entry.modules:
            _register(module)
    built = {c.name for c in _SCRATCH.registered_commands} | {
        g.name for g in _SCRATCH.registered_groups
    }
    assert built == set(_commands.COMMANDS)


@pytest.mark.parametrize("name", list(_commands.COMMANDS))
def test_each_command_is_built_by_its_own_modules_and_says_its_summary(name: str) -> None:
    """In a fresh process, the modules the table names suffice to build the command
    whole (no subcommand missing), and its help starts with the table's summary."""
    code = (
        "import typer.main\n"
        "from refaire.cli import app\n"
        "from refaire.cli._options import walk\n"
        "root = typer.main.get_command(app)\n"
        f"cmd = root.get_command(None, {name!r})\n"
        "print(cmd.help.split(chr(10)+chr(10))[0])\n"
        "print(sorted(' '.join(p) for p, _ in walk(cmd)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert "\n".join(out[:-1]) == _commands.summary(name)
    # the same subcommands as when every module is loaded (the contract tests' view)
    from refaire.cli._options import walk

    whole = typer.main.get_command(refaire.cli.app).commands[name]
    assert out[-1] == str(sorted(" ".join(p) for p, _ in walk(whole)))


def test_help_lists_the_commands_without_importing_them() -> None:
    loaded = _loaded_after(
        "from refaire.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    )
    commands = {f"refaire.cli.{m}" for e in _commands.COMMANDS.values() for m in e.modules}
    assert not loaded & commands
    assert "pydantic" not in loaded and "rich.console" not in loaded


def test_a_command_loads_its_own_modules_only() -> None:
    loaded = _loaded_after(
        "from refaire.cli import app\n"
        "try:\n    app(['designs', 'show', '--help'])\nexcept SystemExit:\n    pass"
    )
    mine = {f"refaire.cli.{m}" for m in _commands.COMMANDS["designs"].modules}
    others = {f"refaire.cli.{m}" for e in _commands.COMMANDS.values() for m in e.modules} - mine
    assert mine <= loaded
    assert not loaded & others
    assert not {"pydantic", "sqlalchemy", "numpy", "alembic", "httpx"} & loaded


def test_values_kept_as_given_are_what_the_adapter_returns() -> None:
    from typer._coercion import build_runtime_param

    from refaire.cli._coerce import PlainRuntimeParam, plain

    runner_app = typer.Typer()

    @runner_app.command()
    def cmd(name: str = typer.Option("x"), flag: bool = typer.Option(False)) -> None:
        return None

    command = typer.main.get_command(runner_app)
    for param in command.params:
        desc = param.type_descriptor
        assert plain(desc)
        quick = PlainRuntimeParam(parameter_info=desc.parameter_info, annotation=desc.annotation)
        full = build_runtime_param(desc)
        samples = ["Lyon", "", " a b ", "é"] if desc.annotation is str else [True, False]
        # values of another type go to the adapter: same answer, same refusal
        samples += ["yes", "0"] if desc.annotation is bool else []
        for value in [*samples, None]:
            assert quick.coerce(value, param=param, ctx=None) == full.coerce(
                value, param=param, ctx=None
            )
        if desc.annotation is bool:
            for coercion in (quick, full):
                with pytest.raises(typer.BadParameter):
                    coercion.coerce("maybe", param=param, ctx=None)


def test_the_migration_check_without_alembic_agrees_with_alembic(tmp_path: Path) -> None:
    from refaire.store.db import (
        _scanned_head,
        _stored_revision,
        create_store_engine,
        current_revision,
        head_revision,
        is_current,
        open_store,
    )

    assert _scanned_head() == head_revision()
    engine = create_store_engine(f"sqlite:///{tmp_path / 'new.db'}")
    assert _stored_revision(engine) is None and not is_current(engine)
    store = open_store(str(tmp_path / "new.db"))
    assert _stored_revision(store.engine) == current_revision(store.engine) == head_revision()
    assert is_current(store.engine)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0017'")
    assert not is_current(store.engine)  # an old store is migrated, as before
    store.close()
    engine.dispose()
