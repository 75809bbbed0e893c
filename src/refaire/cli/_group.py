"""The root command group: what every command shares before and after it runs.

- Usage mistakes print one line, `error: <sentence>`, and exit with code 2 (the
  convention of command-line tools), instead of a usage block and a framed box; the
  sentences of common flags come from `cli._options`.
- Help is plain text: flags shown as flags, values as a word (`N`, `TEXT`, `PATH`), not
  as Python types (`<bool>`, `<list[str]>`); `demo`, the first command to run, is listed
  first.
"""

from __future__ import annotations

import sys
from typing import Any

import typer
from typer.core import TyperGroup

try:  # typer ≥ 0.29 carries its own copy of click
    from typer._click import exceptions as _cx
except ImportError:  # pragma: no cover - older typer, the click package
    from click import exceptions as _cx  # type: ignore[no-redef]

from refaire.cli import _options

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


class RefaireGroup(TyperGroup):
    """The `refaire` group: shared flag rules, one-line usage errors, tidy help."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return [n for n in FIRST if n in names] + [n for n in names if n not in FIRST]

    def main(
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        _options.install_rules(self)
        _tidy_help(self)
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
