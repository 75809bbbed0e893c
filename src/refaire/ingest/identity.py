"""Identity of a design: a stable key, and the platform it is published on.

Key rule (stable across imports of the same content):

- with a repository URL: ``<normalised repo>#<slug of name>``, where the repo URL is
  normalised as: surrounding space removed, scheme and host lower-cased, default port,
  query and fragment dropped, a ``/tree/<ref>…``, ``/-/tree/<ref>…``, ``/blob/…`` or
  ``/src/branch/…`` suffix removed (a manifest often points into a branch of its repo),
  then a trailing ``.git`` and trailing slashes removed. The name slug is the name
  lower-cased with every run of characters other than ASCII letters and digits turned
  into one ``-`` (accents folded first), so that ``OHLOOM`` from two manifests of the
  same repository is the same design. Letters that folding cannot keep (Cyrillic,
  CJK, Arabic…) are transliterated (`anyascii`) and, as transliteration can merge
  distinct names, the slug then ends with a short hash of the name: two non-Latin
  names never share a key;
- without a repository, or with one that identifies nothing (a bare host such as
  ``https://www.github.com/``, a template's ``https://github.com/username/repo``; see
  `repo_identity_problem`): ``source:<source>``, the path or URL the manifest was read from.

A key longer than the store's 1,000 characters (a huge name or URL) keeps its start
and ends with a hash of the whole, so it stays unique.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from anyascii import anyascii

_REF_SUFFIX = re.compile(r"/(?:-/)?(?:tree|blob|src/branch|src/tag|src/commit)/.*$")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def normalise_repo_url(url: str) -> str:
    """A repository URL in the canonical form used by `design_key` (see module docstring)."""
    text = url.strip()
    parts = urlsplit(text)
    if not parts.scheme or not parts.netloc:
        return text.rstrip("/")
    scheme = parts.scheme.lower()
    host = parts.netloc.lower()
    if ":" in host and host.rsplit(":", 1)[1] == _DEFAULT_PORTS.get(scheme):
        host = host.rsplit(":", 1)[0]
    path = _REF_SUFFIX.sub("", parts.path).rstrip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")].rstrip("/")
    return urlunsplit((scheme, host, path, "", ""))


MAX_KEY = 1000


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def slug(text: str) -> str:
    """ASCII slug: ``"CP002 - Baby Crib"`` -> ``"cp002-baby-crib"``; ``"Станок"`` ->
    ``"stanok-<hash>"`` (see the module docstring)."""
    out: list[str] = []
    foreign = False
    for ch in unicodedata.normalize("NFKD", text):
        if ch.isascii():
            out.append(ch)
        elif ch.isalnum():
            # A letter or digit folding would drop (combining accents are not alnum).
            out.append(anyascii(ch))
            foreign = foreign or not _latin(ch)
    base = _NON_ALNUM.sub("-", "".join(out).lower()).strip("-")
    if foreign:
        return f"{base}-{_short_hash(text)}" if base else _short_hash(text)
    return base


def _latin(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith("LATIN ")


def bounded_key(key: str) -> str:
    """`key` if it fits the store; else its start and a hash of the whole (still unique)."""
    if len(key) <= MAX_KEY:
        return key
    return f"{key[: MAX_KEY - 10]}~{_short_hash(key)}"


# Path segments of template repository URLs ("https://github.com/username/repo").
_PLACEHOLDER_SEGMENTS = frozenset(
    {
        "user", "username", "your-username", "yourusername", "your-name", "yourname",
        "your-user", "org", "organisation", "organization", "your-org", "yourorg", "owner",
        "repo", "repository", "your-repo", "yourrepo", "project", "your-project",
        "projectname", "project-name", "example", "xxx", "foo", "bar", "name",
    }
)  # fmt: skip


def repo_identity_problem(repo: str) -> str | None:
    """Why a repository URL cannot identify a design, or None when it can.

    A bare host (``https://www.github.com/``) is every design's repository at once, and a
    template's URL (``https://github.com/username/repo``) is
    nobody's: either would merge unrelated designs into one key. (example.org addresses
    stay identities: tests and documentation use them for real-looking repositories.)
    """
    parts = urlsplit(repo.strip())
    if not parts.scheme or not parts.netloc:
        return None  # not a URL: the text itself, as given, is the identity
    segments = [seg for seg in parts.path.split("/") if seg]
    if not segments:
        return f"{repo.strip()!r} is a bare host, not a repository"
    if all(seg.lower() in _PLACEHOLDER_SEGMENTS for seg in segments[:2]):
        return f"{repo.strip()!r} is a template placeholder"
    return None


def design_key(repo: str | None, name: str, source: str) -> str:
    """The identity of a design (rule in the module docstring)."""
    if repo and repo.strip():
        return bounded_key(f"{normalise_repo_url(repo)}#{slug(name)}")
    return bounded_key(f"source:{source}")


# host (or a parent domain of it) -> platform name
_PLATFORMS: dict[str, str] = {
    "appropedia.org": "appropedia",
    "field-ready-projects.openknowhow.org": "field-ready",
    "github.com": "github",
    "raw.githubusercontent.com": "github",
    "github.io": "github",
    "gitlab.com": "gitlab",
    "wikifactory.com": "wikifactory",
    "thingiverse.com": "thingiverse",
    "hackaday.io": "hackaday",
    "hackaday.com": "hackaday",
    "codeberg.org": "codeberg",
    "oho.wiki": "oho",
    "instructables.com": "instructables",
    "hackster.io": "hackster",
    "printables.com": "printables",
    "prusaprinters.org": "printables",
    "kitspace.org": "kitspace",
    "certification.oshwa.org": "oshwa",
    "bitbucket.org": "bitbucket",
}


def _host(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return None
    return parts.hostname


def platform_of(repo: str | None, source: str) -> str | None:
    """The publishing platform of a design: from its repo URL, else from a source URL.

    Known hosts map to a short name (``appropedia``, ``github``…); other hosts are
    returned as they are; a local source path without a repo gives None.
    """
    host = _host(repo) if repo else None
    if host is None:
        host = _host(source)
    if host is None:
        return None
    labels = host.split(".")
    # try the host, then each parent domain: en.oho.wiki -> oho.wiki
    for i in range(len(labels) - 1):
        platform = _PLATFORMS.get(".".join(labels[i:]))
        if platform:
            return platform
    return host.removeprefix("www.")
