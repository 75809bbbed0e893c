"""Reader for OKH v1 manifests (YAML ``okh.yml``), with the drift of real files.

- ``%`` lines (``%YAML 1.2``, ``%TAG``, and stray ones such as
  ``%Open know-how manifest 0.1``) are blanked before parsing, keeping line numbers.
- The v1 template writes placeholders as ``[value]``: YAML reads that as a one-item
  list, so a one-item list where v1 expects a single value is turned back into the
  bracketed text, which the common rules treat as a placeholder (absent, warned).
- An empty (or comments-only) file is rejected with a clear message; a YAML syntax
  error is an error with its line; a YAML file that is not a manifest (a CI workflow,
  a facility list) is skipped with "not an OKH manifest".
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

import yaml

from refaire.ingest import yaml_safe
from refaire.ingest.base import Reader, ReadResult, register
from refaire.ingest.decode import TOO_DEEP
from refaire.ingest.decode import decode_text as decode
from refaire.ingest.okh_keys import canonical_key, canonicalise
from refaire.ingest.okh_normalise import guarded, record_to_result
from refaire.model import Problem

# Keys only OKH v1 manifests have (compared after `canonical_key`, so aliases count).
V1_KEYS = frozenset(
    {
        "repo",  # project-link
        "documentation-home",
        "manifest-author",
        "manifest-language",
        "okhv",  # okh-manifest-version
        "date-created",
        "license",
        "licensor",
        "development-stage",
        "made-independently",
        "archive-download",
        "health-safety-notice",
        "making-instructions",
        "manufacturing-instructions",
    }
)
# v1 fields that hold one value: a one-item list there is a `[placeholder]`.
_SINGLE = frozenset(
    {
        "name",
        "description",
        "intended-use",
        "version",
        "development-stage",
        "repo",
        "documentation-home",
        "bom",
        "tool-list",
        "archive-download",
        "health-safety-notice",
        "made",
        "made-independently",
        "manifest-language",
        "documentation-language",
        "date-created",
        "date-updated",
    }
)
_TOP_KEY = re.compile(r"^([A-Za-z][\w-]*)\s*:", re.MULTILINE)


def _is_yaml_name(name: str) -> bool:
    return PurePosixPath(name.lower().split("?")[0]).suffix in (".yml", ".yaml")


def _top_keys(text: str) -> set[str]:
    return {canonical_key(k) for k in _TOP_KEY.findall(text)}


def sniff(name: str, head: bytes) -> float:
    if b"title" in head:  # every v1 manifest has one; other files skip the decoding
        text = head.decode("utf-8", "replace")
        keys = _top_keys(text)
        if "name" in keys and len(keys & V1_KEYS) >= 2 and re.search(r"^title\s*:", text, re.M):
            return 0.95
    if not _is_yaml_name(name):
        return 0.0
    # an OKH-named YAML file is ours even when empty; any other YAML is claimed weakly
    # so that a CI workflow is skipped as "not an OKH manifest" rather than unknown
    okh_named = "okh" in PurePosixPath(name.replace("\\", "/")).name.lower()
    return 0.6 if okh_named else 0.5


def strip_directives(text: str) -> tuple[str, int]:
    """Blank every line starting with ``%``; returns the text and how many were blanked."""
    lines = text.splitlines(keepends=True)
    count = 0
    for i, line in enumerate(lines):
        if line.startswith("%"):
            lines[i] = "\n" if line.endswith("\n") else ""
            count += 1
    return "".join(lines), count


def unbracket(raw: dict[str, Any]) -> dict[str, Any]:
    """Turn YAML's reading of ``key: [value]`` back into the text ``[value]`` (see module doc)."""
    out = dict(raw)
    for key, value in raw.items():
        if (
            isinstance(key, str)
            and canonical_key(key) in _SINGLE
            and isinstance(value, list)
            and len(value) == 1
            and isinstance(value[0], str)
        ):
            out[key] = f"[{value[0]}]"
    return out


def _has_content(text: str) -> bool:
    return any(ln.strip() and not ln.lstrip().startswith("#") for ln in text.splitlines())


def read(source: str, data: bytes) -> ReadResult:
    """Read one OKH v1 YAML manifest."""
    text, problems = decode(source, data)
    stripped, _ = strip_directives(text)
    if not _has_content(stripped):
        what = "empty file" if not text.strip() else "no YAML content (only comments)"
        msg = f"{what}: an OKH v1 manifest needs at least a title"
        return ReadResult(problems=[*problems, Problem(source, "error", None, msg)])
    try:
        raw = yaml_safe.safe_load(stripped)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        detail = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        msg = f"invalid YAML: {detail}"
        return ReadResult(problems=[*problems, Problem(source, "error", None, msg, line)])
    except RecursionError:
        return ReadResult(problems=[*problems, Problem(source, "error", None, TOO_DEEP)])
    if not isinstance(raw, dict) or not _is_manifest(raw):
        return ReadResult(skipped=True, skip_reason="not an OKH manifest (no title, no OKH keys)")

    def build() -> ReadResult:
        record = canonicalise(unbracket(raw))
        result = record_to_result(record, source=source, fmt="okh-v1", data=data, text=text)
        result.problems[:0] = problems
        return result

    return guarded(source, build)


def _is_manifest(raw: dict[str, Any]) -> bool:
    # v1 names its required field `title`; a bare `name` is what CI workflows have
    keys = {canonical_key(k) for k in raw if isinstance(k, str)}
    return "title" in raw or len(keys & V1_KEYS) >= 2


register(Reader(format="okh-v1", kind="design", sniff=sniff, read=read))
