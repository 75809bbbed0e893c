"""A design's pictures: the manifest's image as a URL a page may load, and mesh thumbnails.

Manifests name images three ways: an https URL (kept), a GitHub "blob" page URL (turned
into the raw file it shows, which a page can load), or a path inside the repository (made
absolute against a GitHub or GitLab `repo`, the only hosts whose raw-file addresses are
known). Anything else (other schemes, paths with no known host, text) gives no picture.
Only https is kept: pages are served under a policy that loads no plain-http image.

Mesh thumbnails are drawn when a mesh is measured (`geometry.thumbnail`) and stored with
the part; records carry them, lists and pages get their URL (`thumbnail_url`).
"""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import quote, urlsplit

_BLOB = re.compile(r"^https://github\.com/([^/]+)/([^/]+)/blob/(.+)$")
_GITHUB = re.compile(r"^https?://github\.com/([^/\s]+)/([^/\s#?]+?)(?:\.git)?/?$")
_GITLAB = re.compile(r"^https?://gitlab\.com/([^\s#?]+?)(?:\.git)?/?$")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]")


def _https(url: str) -> str | None:
    if _INVISIBLE.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme == "https" and parts.hostname else None


def picture_url(image: object, repo: object = None) -> str | None:
    """The https URL of a manifest's `image`, resolved against `repo` when relative."""
    if not isinstance(image, str) or not image.strip():
        return None
    text = re.sub(r"\s+#.*$", "", image).strip()  # "path  # comment" of OKH templates
    if "://" in text:
        blob = _BLOB.match(text)
        if blob:
            owner, name, rest = blob.groups()
            text = f"https://raw.githubusercontent.com/{owner}/{name}/{rest.split('?')[0]}"
        return _https(text)
    if text.startswith(("/", "\\", "~", "[")) or ".." in text.split("/") or ":" in text:
        return None
    path = quote(text.lstrip("./"), safe="/%")
    repo_text = repo.strip() if isinstance(repo, str) else ""
    hub = _GITHUB.match(repo_text)
    if hub:
        return _https(f"https://raw.githubusercontent.com/{hub[1]}/{hub[2]}/HEAD/{path}")
    lab = _GITLAB.match(repo_text)
    if lab:
        return _https(f"https://gitlab.com/{lab[1]}/-/raw/HEAD/{path}")
    return None


def thumbnail_parts(record: dict[str, Any]) -> list[int]:
    """Indexes of the parts of a design record that have a mesh thumbnail."""
    return [i for i, p in enumerate(record.get("parts") or []) if p.get("thumbnail")]


def thumbnail_url(design_id: int, part: int | None = None) -> str:
    return f"/api/designs/{design_id}/thumbnail.png" + ("" if part is None else f"?part={part}")


def summary_pictures(design_id: int, record: dict[str, Any]) -> dict[str, str | None]:
    """`picture` (the manifest's image, first) and `thumbnail_url` (the first mesh's)."""
    picture = None
    for image in record.get("images") or []:
        picture = picture_url(image, record.get("repo"))
        if picture:
            break
    with_mesh = thumbnail_parts(record)
    return {
        "picture": picture,
        "thumbnail_url": thumbnail_url(design_id) if with_mesh else None,
    }


def detail_pictures(design_id: int, data: dict[str, Any]) -> None:
    """Replace the parts' stored thumbnails of a detail dict by their URLs, in place."""
    data.update(summary_pictures(design_id, data))
    for i, part in enumerate(data.get("parts") or []):
        stored = part.pop("thumbnail", None)
        part["thumbnail_url"] = thumbnail_url(design_id, i) if stored else None
        part["picture"] = picture_url(part.get("image"), data.get("repo"))


def thumbnail_png(record: dict[str, Any], part: int | None = None) -> bytes | None:
    """The PNG bytes of a part's thumbnail (the first part that has one by default)."""
    parts = record.get("parts") or []
    indexes = thumbnail_parts(record) if part is None else [part]
    for i in indexes:
        if 0 <= i < len(parts) and parts[i].get("thumbnail"):
            try:
                return base64.b64decode(parts[i]["thumbnail"], validate=True)
            except ValueError:
                return None
    return None
