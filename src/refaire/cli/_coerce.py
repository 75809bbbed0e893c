"""Command-line values kept as the parser gives them when that is already their type.

Typer ≥ 0.29 coerces every option and argument, `--help` included, through a pydantic
TypeAdapter built on first use; importing pydantic (and its plugin scan of the installed
packages' metadata) costs more than the rest of `refaire designs show`'s start-up. For a
`str` option given a `str`, or a `bool` flag given a `bool`, the adapter returns the value
unchanged (typer's own pre-validators are `str(value)` and "non-strings as they are"), so
those values are kept without building it; any other value, and every other type, goes to
typer's adapter exactly as before. With an older typer (click's own types, no pydantic)
nothing is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

try:
    from typer import _coercion, core
except ImportError:  # pragma: no cover - typer < 0.29
    _coercion = core = None  # type: ignore[assignment]

_PLAIN = (str, bool)


def plain(descriptor: Any) -> bool:
    """Whether values of this parameter may skip the adapter when already of its type."""
    info = descriptor.parameter_info
    return (
        descriptor.annotation in _PLAIN
        and getattr(info, "parser", None) is None
        and getattr(info, "click_type", None) is None
        and not descriptor.is_choice
        and not descriptor.is_file
    )


if _coercion is not None:

    @dataclass(frozen=True)
    class PlainRuntimeParam(_coercion.RuntimeParam):
        """A value of the annotated type as it is; others through typer's adapter."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if type(value) is self.annotation:
                return value
            full = _coercion.build_runtime_param(param.type_descriptor)
            return full._coerce_value(value, param=param, ctx=ctx)


def install() -> None:
    """Make typer's parameters use PlainRuntimeParam where `plain` (once per process)."""
    if core is None or getattr(core._TyperParameter, "_refaire_plain", False):
        return
    original = core._TyperParameter.get_runtime_param

    def get_runtime_param(self: Any) -> Any:
        if self._runtime_param is None and plain(self.type_descriptor):
            desc = self.type_descriptor
            self._runtime_param = PlainRuntimeParam(
                parameter_info=desc.parameter_info, annotation=desc.annotation
            )
        return original(self)

    core._TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    core._TyperParameter._refaire_plain = True  # type: ignore[attr-defined]
