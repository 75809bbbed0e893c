"""Reader for JSON renderings of OKH manifests (any dialect's keys, or a list of them).

JSON carries no dialect of its own: the keys decide, through the same alias table and
mapping as the TOML and YAML readers (`okh_keys.canonicalise`, `okh_normalise`). A
top-level list yields one design per manifest object.
"""

from __future__ import annotations

import json
import re
from typing import Any

from refaire.ingest.base import Reader, ReadResult, register
from refaire.ingest.decode import TOO_DEEP
from refaire.ingest.decode import decode_text as decode
from refaire.ingest.okh_keys import canonical_key, canonicalise
from refaire.ingest.okh_normalise import guarded, record_to_result
from refaire.ingest.read_okh_v1 import V1_KEYS
from refaire.model import Problem

_OKHV = re.compile(r'"okhv"\s*:')
_TITLE = re.compile(r'"title"\s*:')
_KEY = re.compile(r'"([A-Za-z][\w-]*)"\s*:')


def sniff(name: str, head: bytes) -> float:
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if not text.startswith(("{", "[")):
        return 0.0
    if _OKHV.search(text):
        return 0.9
    keys = {canonical_key(k) for k in _KEY.findall(text[:20000])}
    return 0.85 if _TITLE.search(text) and len(keys & V1_KEYS) >= 2 else 0.0


def _is_manifest(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    keys = {canonical_key(k) for k in obj if isinstance(k, str)}
    return "okhv" in keys or "title" in obj or ("name" in keys and len(keys & V1_KEYS) >= 1)


def read(source: str, data: bytes) -> ReadResult:
    """Read a JSON manifest (or a list of manifests)."""
    text, problems = decode(source, data)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"invalid JSON: {exc.msg}"
        return ReadResult(problems=[*problems, Problem(source, "error", None, msg, exc.lineno)])
    except RecursionError:
        return ReadResult(problems=[*problems, Problem(source, "error", None, TOO_DEEP)])
    items = raw if isinstance(raw, list) else [raw]
    manifests = [obj for obj in items if _is_manifest(obj)]
    if not manifests:
        return ReadResult(skipped=True, skip_reason="not an OKH manifest (no okhv, no title)")
    out = ReadResult(problems=list(problems))
    for i, obj in enumerate(manifests):
        where = source if len(manifests) == 1 else f"{source}#{i}"

        def build(obj: dict[str, Any] = obj, where: str = where) -> ReadResult:
            return record_to_result(
                canonicalise(obj), source=where, fmt="okh-json", data=data, text=text
            )

        one = guarded(where, build)
        out.designs.extend(one.designs)
        out.parts.extend(one.parts)
        out.problems.extend(one.problems)
    return out


register(Reader(format="okh-json", kind="design", sniff=sniff, read=read))
