"""Lineage (fork-of, derivative-of, variant-of) and Appropedia topic pages.

Rule for Appropedia topics (from a study of the 2,054 converted LOSH-list manifests):
698 of them carry ``forkOf``; 697 point at a page of www.appropedia.org, always from a
design that is itself an Appropedia page. Those targets are topic pages, not forks:
374 distinct targets, generic titles (``Solar_cooker``, ``Water_filter``, ``Green_IT``)
shared by up to dozens of designs, 49 of them equal to the design's own page apart from
letter case (a page cannot be a fork of itself), and some list several topics joined by
``,_`` (``Compost_bin,_Vermicompost``). Appropedia's manifest generator
(``generateOpenKnowHowManifest.php``) filled ``forkOf`` from the page's topic.

So: a fork-of target on appropedia.org, in a design whose repo is on appropedia.org,
becomes one category per topic: the page title with ``_`` read as a space, split on
``", "``, first letter upper-cased as MediaWiki does, ``Category:`` prefix dropped (a
title may contain "/", as in ``3D_knife/shovel``).
Every other lineage value stays a `Link`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from refaire.ingest.okh_values import scalar_text

LINEAGE_KEYS = ("fork-of", "derivative-of", "variant-of")


def _on_appropedia(url: str | None) -> bool:
    if not url:
        return False
    host = (urlsplit(url.strip()).hostname or "").lower()
    return host == "appropedia.org" or host.endswith(".appropedia.org")


def appropedia_topics(target: str, repo: str | None) -> list[str] | None:
    """The topic titles a fork-of target stands for, or None when it is a real fork."""
    if not (_on_appropedia(target) and _on_appropedia(repo)):
        return None
    path = urlsplit(target.strip()).path.strip("/").removeprefix("wiki/")
    # page URLs only (a title may hold "/": "3D_knife/shovel"); not files or scripts
    if not path or path.startswith(("w/", "index.php", "Special:", "File:")):
        return None
    title = unquote(path).replace("_", " ").strip()
    title = title.removeprefix("Category:").strip()
    topics = [t.strip() for t in title.split(", ") if t.strip()]
    return [t[0].upper() + t[1:] for t in topics] or None


def lineage_targets(value: Any) -> list[str]:
    """Targets of a lineage value: a URL, a list of URLs, or v1 ``{title, manifest, web}``."""
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            text = scalar_text(item.get("manifest")) or scalar_text(item.get("web"))
        else:
            text = scalar_text(item)
        if text and text.strip():
            out.append(text.strip())
    return out
