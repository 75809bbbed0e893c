"""The form of a record's source that public pages and API answers show.

Imports record where each record was read. A URL is public; a file path is the importing
machine's business: its user name, folders and installation layout must not reach every
visitor. New imports store paths relative to the import root (`ingest.sources.expand`);
records imported before that still hold absolute paths, shown here by their last
components only, after an ellipsis that says the path was shortened.
"""

from __future__ import annotations

import re
from typing import Any

KEPT_PARTS = 3  # e.g. …/okh/some-design/okh.toml: enough to find the file again
_ABSOLUTE = re.compile(r"^(/|~|[A-Za-z]:[\\/]|\\\\|file:)")


def public_source(source: str | None) -> str | None:
    """`source` as shown publicly: URLs and relative paths unchanged, absolute paths cut
    to their last `KEPT_PARTS` components (a `#fragment` after the path is kept)."""
    if not source or source.startswith(("http://", "https://")):
        return source
    if not _ABSOLUTE.match(source):
        return source
    path, hash_, fragment = source.partition("#")
    if path.startswith("file:"):
        path = re.sub(r"^file:(//[^/]*)?", "", path)
    parts = [p for p in re.split(r"[\\/]+", path) if p and p != "~" and not p.endswith(":")]
    shown = "/".join(parts[-KEPT_PARTS:])
    return "…/" + shown + hash_ + fragment


def public_problems(problems: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Problem dicts (`Problem.to_dict`) with their `source` made public. The dicts are
    copied only where the source changes: most sources are public already, and an outbox
    page passes a thousand records' problems through here."""
    out = []
    for p in problems or []:
        source = p.get("source")
        shown = public_source(source)
        out.append(p if shown == source else {**p, "source": shown})
    return out
