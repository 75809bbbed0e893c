"""The root command group: what every command shares before and after it runs.

- Usage mistakes print one line, `error: <sentence>`, and exit with code 2 (the
  convention of command-line tools), instead of a usage block and a framed box; the
  sentences of common flags come from `cli._options`.
- Help is plain text: flags shown as flags, values as a word (`N`, `TEXT`, `PATH`), not
  as Python types (`<bool>`, `<list[str]>`); `demo`, the first command to run, is listed
  first.
- Commands are loaded lazily (click's documented LazyGroup pattern): `refaire --help`
  lists the names and summaries of `_commands.COMMANDS` without importing a command
  module, and `refaire designs show` imports and builds the `designs` group alone. The
  rules and help tidying above are applied to each command as it is loaded.
"""

from __future__ import annotations

import importlib
import sys
from gettext import gettext
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup

try:  # typer ≥ 0.29 carries its own copy of click
    from typer._click import exceptions as _cx
    from typer._click.utils import make_default_short_help
except ImportError:  # pragma: no cover - older typer, the click package
    from click import exceptions as _cx  # type: ignore[no-redef]
    from click.utils import make_default_short_help  # type: ignore[no-redef]

from refaire.cli import _commands, _options

FIRST = ("demo", "serve")


def _metavar(param: Any) -> str | None:
    """A word for the value an option takes; None for flags (they take none)."""
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    desc = getattr(param, "type_descriptor", None)
    if desc is None:
        return None
    if desc.is_choice:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in desc.choices) + "]"
    annotation = desc.annotation
    inner = getattr(annotation, "__args__", (annotation,))
    kinds = {a for a in inner if a is not type(None)}
    if kinds <= {int}:
        return "N"
    if kinds <= {float}:
        return "NUMBER"
    if desc.is_path or desc.is_list and any("Path" in str(a) for a in kinds):
        return "PATH"
    return "TEXT"


def _tidy_help(root: Any) -> None:
    """Set value words on options that have none (flags keep none); arguments are
    named in capitals (`DESIGN`), as usage lines write them, not as `design <str>`."""
    for _path, command in _options.walk(root):
        for param in command.params:
            if param.metavar is not None:
                continue
            if param.param_type_name == "argument":
                param.metavar = (param.name or "value").upper()
                # the help text says what it is; a Python type (`<str>`) says nothing more
                param.display_type_rich = _no_type
                continue
            word = _metavar(param)
            if word is not None:
                param.metavar = word


def _no_type(ctx: Any) -> None:
    return None


# The Typer app the command modules register into, and the modules registered so far:
# `register(app)` adds commands to module-level groups, so it runs once per process.
_SCRATCH = typer.Typer()
_REGISTERED: set[str] = set()


def _register(module: str) -> None:
    if module in _REGISTERED:
        return
    # a module without `register` adds its commands to another module's group on import
    register = getattr(importlib.import_module(f"refaire.cli.{module}"), "register", None)
    if register is not None:
        register(_SCRATCH)
    _REGISTERED.add(module)


def build(name: str, *, rich_markup_mode: Any, suggest_commands: bool) -> Any:
    """The click command of the top-level command `name`, its modules imported now."""
    for module in _commands.COMMANDS[name].modules:
        _register(module)
    for info in _SCRATCH.registered_commands:
        if info.name == name:
            command = typer.main.get_command_from_info(
                info,
                # typer's default, as the root app's own (its pretty tracebacks are off)
                pretty_exceptions_short=True,
                rich_markup_mode=rich_markup_mode,
            )
            break
    else:
        group = next(g for g in _SCRATCH.registered_groups if g.name == name)
        command = typer.main.get_group_from_info(
            group,
            pretty_exceptions_short=True,
            rich_markup_mode=rich_markup_mode,
            suggest_commands=suggest_commands,
        )
    _options.install_rules(command)
    _tidy_help(command)
    return command


class RefaireGroup(TyperGroup):
    """The `refaire` group: lazy commands, shared flag rules, one-line usage errors,
    tidy help."""

    def __init__(self, **attrs: Any) -> None:
        self._loaded: dict[str, Any] = {}
        super().__init__(**attrs)

    # click reads `commands` as a plain dict; here it is filled on first read, so that a
    # caller walking the whole tree (the contract tests) still sees every command
    @property
    def commands(self) -> dict[str, Any]:  # type: ignore[override]
        for name in self._names():
            self._load(name)
        return {name: self._loaded[name] for name in self._names()}

    @commands.setter
    def commands(self, value: Any) -> None:
        # the root app registers nothing itself: every command comes from _commands
        self._loaded.update(value or {})

    def _names(self) -> list[str]:
        names = list(_commands.COMMANDS) + [n for n in self._loaded if n not in _commands.COMMANDS]
        return [n for n in FIRST if n in names] + [n for n in names if n not in FIRST]

    def _load(self, name: str) -> Any:
        if name not in self._loaded:
            self._loaded[name] = build(
                name, rich_markup_mode=self.rich_markup_mode, suggest_commands=self.suggest_commands
            )
        return self._loaded[name]

    def add_command(self, cmd: Any, name: str | None = None) -> None:
        self._loaded[name or cmd.name] = cmd

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self._loaded or cmd_name in _commands.COMMANDS:
            return self._load(cmd_name)
        return None

    def list_commands(self, ctx: Any) -> list[str]:
        return self._names()

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list from the summaries alone: no command module is imported."""
        names = self._names()
        limit = formatter.width - 6 - max(len(n) for n in names)
        rows = []
        for name in names:
            entry = _commands.COMMANDS.get(name)
            text = entry.summary if entry else self._loaded[name].help or ""
            rows.append((name, make_default_short_help(text, limit).strip()))
        with formatter.section(gettext("Commands")):
            formatter.write_dl(rows)

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _cx.NoArgsIsHelpError as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except _cx.UsageError as exc:
            sys.stderr.write(f"error: {reword(exc)}\n")
            sys.exit(2)
        except _cx.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.stderr.write("Aborted.\n")
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


def reword(exc: Any) -> str:
    """One sentence for a usage mistake, naming the flag and what it takes."""
    if isinstance(exc, _options.FlagError):
        return exc.format_message()
    param = getattr(exc, "param", None)
    if isinstance(exc, _cx.MissingParameter) or param is None:
        text = exc.format_message()
        command = exc.ctx.command_path if exc.ctx is not None else "refaire"
        return f"{text} (`{command} --help` lists what it takes)"
    return _options.sentence(param, reason=exc.message)
