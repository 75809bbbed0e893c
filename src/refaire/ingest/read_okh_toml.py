"""Reader for OKH TOML manifests: OKH-LOSH 1.0, OKH 2.x and the legacy [MOSH]/[POSHn] form.

Two formats are registered, told apart by ``okhv``: ``okh-losh`` (``OKH-LOSHv1.0``) and
``okh-2`` (``2.0``, ``2.4``…; the legacy sectioned form carries ``okhv = "2.0"`` too).
Both share one read function and the common mapping (`okh_keys`, `okh_normalise`).

A `.toml` file that is not an OKH manifest (``pyproject.toml``, ``Cargo.toml``) is
claimed with low confidence so that it is skipped with a clear reason instead of
"not recognised". A part manifest (``okh-<Part>.toml`` without module traits) yields
a `Part` whose ``manifest`` is the source, attached later by `refaire.ingest.parts`.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import PurePosixPath
from typing import Any

from refaire.ingest.base import Reader, ReadResult, register
from refaire.ingest.decode import TOO_DEEP
from refaire.ingest.decode import decode_text as decode
from refaire.ingest.okh_keys import canonicalise
from refaire.ingest.okh_normalise import guarded, is_part_manifest, record_to_result
from refaire.ingest.okh_values import scalar_text
from refaire.model import Problem

_OKHV = re.compile(r"""^\s*okhv\s*=\s*["']([^"'\n]*)["']""", re.MULTILINE)
_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")
_CAMEL_OR_KEBAB_NAME = re.compile(r"^\s*name\s*=", re.MULTILINE)


def dialect_of(okhv: str | None) -> str:
    """``okh-losh`` for OKH-LOSH version strings, ``okh-2`` for 2.x ones."""
    if okhv and re.match(r"^\s*v?2(\.\d+)*\s*$", okhv):
        return "okh-2"
    return "okh-losh"


def _is_toml_name(name: str) -> bool:
    return PurePosixPath(name.lower().split("?")[0]).suffix == ".toml"


def _okh_named(name: str) -> bool:
    return "okh" in PurePosixPath(name.replace("\\", "/")).name.lower()


def _sniff(name: str, head: bytes, want: str) -> float:
    text = head.decode("utf-8", "replace")
    m = _OKHV.search(text)
    if m:
        return 0.95 if dialect_of(m.group(1)) == want else 0.0
    if want != "okh-losh" or not _is_toml_name(name):
        return 0.0
    # no okhv: an OKH-named file is probably a (damaged) manifest; any other .toml is
    # claimed weakly so that it gets a "not an OKH manifest" skip reason
    return 0.6 if _okh_named(name) and _CAMEL_OR_KEBAB_NAME.search(text) else 0.5


def sniff_losh(name: str, head: bytes) -> float:
    return _sniff(name, head, "okh-losh")


def sniff_okh2(name: str, head: bytes) -> float:
    return _sniff(name, head, "okh-2")


def _looks_like_okh(record: dict[str, Any]) -> bool:
    if record.get("okhv") is not None:
        return True
    traits = ("repo", "license", "licensor", "function", "tsdc", "part", "material", "export")
    return scalar_text(record.get("name")) is not None and any(k in record for k in traits)


def parse_toml(source: str, data: bytes) -> tuple[dict[str, Any] | None, str, ReadResult | None]:
    """Parsed TOML, its text, or a finished result (empty file, syntax error)."""
    text, problems = decode(source, data)
    if not text.strip():
        if _okh_named(source):
            msg = "empty file: an OKH manifest was expected here but the file has no content"
            return None, text, ReadResult(problems=[*problems, Problem(source, "error", None, msg)])
        return None, text, ReadResult(skipped=True, skip_reason="empty file")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = _TOML_LINE.search(str(exc))
        line = int(m.group(1)) if m else None
        msg = f"invalid TOML: {_TOML_LINE.sub('', str(exc)).strip()}"
        return (
            None,
            text,
            ReadResult(problems=[*problems, Problem(source, "error", None, msg, line)]),
        )
    except RecursionError:
        return (
            None,
            text,
            ReadResult(problems=[*problems, Problem(source, "error", None, TOO_DEEP)]),
        )
    return raw, text, None


def read(source: str, data: bytes) -> ReadResult:
    """Read one OKH TOML manifest: a design, a part, a skip, or located errors."""
    raw, text, early = parse_toml(source, data)
    if early is not None:
        return early
    assert raw is not None

    def build() -> ReadResult:
        record = canonicalise(raw)
        if not _looks_like_okh(record):
            return ReadResult(
                skipped=True, skip_reason="not an OKH manifest (no okhv, no name with OKH fields)"
            )
        okhv = scalar_text(record.get("okhv"))
        result = record_to_result(record, source=source, fmt=dialect_of(okhv), data=data, text=text)
        if okhv is None and not is_part_manifest(record, source):
            for d in result.designs:
                d.problems.append(Problem(source, "warning", "okhv", "no okhv: read as OKH-LOSH"))
        return result

    return guarded(source, build)


register(Reader(format="okh-losh", kind="design", sniff=sniff_losh, read=read))
register(Reader(format="okh-2", kind="design", sniff=sniff_okh2, read=read))
