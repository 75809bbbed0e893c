"""A located problem found while reading input: reported, never raised."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "info"]


@dataclass(slots=True)
class Problem:
    """What is wrong, where: `source` is a file path or URL, `field` a dotted key or None.

    `line` is filled when the parser can tell it (YAML/TOML syntax errors, CSV rows).
    An `error` means the record was rejected; a `warning` means it was stored with a defect.
    """

    source: str
    severity: Severity
    field: str | None
    message: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
        if self.field:
            where += f" [{self.field}]"
        return f"{where}: {self.severity}: {self.message}"
