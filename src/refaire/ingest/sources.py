"""Where input bytes come from: files, directories (recursively) and http(s) URLs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from refaire.model import Problem

MAX_BYTES = 20 * 1024 * 1024  # no real manifest or facility list comes near this
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv"}


@dataclass(slots=True)
class Source:
    """One input to read: a file path or a URL, read lazily."""

    name: str
    path: Path | None = None
    url: str | None = None

    def read(self) -> tuple[bytes | None, Problem | None]:
        """The bytes, or a located problem saying why they could not be had."""
        if self.path is not None:
            return _read_file(self.path, self.name)
        assert self.url is not None
        return fetch_url(self.url)


def _read_file(path: Path, name: str) -> tuple[bytes | None, Problem | None]:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, Problem(
                name, "error", None, f"file is {size:,} bytes, over the {MAX_BYTES:,}-byte limit"
            )
        return path.read_bytes(), None
    except OSError as exc:
        return None, Problem(name, "error", None, f"cannot read file: {exc.strerror or exc}")


def fetch_url(url: str, timeout: float = 30.0) -> tuple[bytes | None, Problem | None]:
    """GET a URL with a size limit; network and HTTP errors become problems."""
    import httpx  # here: importing a manifest from files never loads the HTTP client

    try:
        with httpx.stream("GET", url, timeout=timeout, follow_redirects=True) as resp:
            if resp.status_code >= 400:
                return None, Problem(url, "error", None, f"HTTP {resp.status_code} when fetching")
            chunks, total = [], 0
            for chunk in resp.iter_bytes():
                total += len(chunk)
                if total > MAX_BYTES:
                    return None, Problem(
                        url, "error", None, f"response over the {MAX_BYTES:,}-byte limit"
                    )
                chunks.append(chunk)
            return b"".join(chunks), None
    except httpx.HTTPError as exc:
        return None, Problem(url, "error", None, f"cannot fetch: {exc}")


def expand(inputs: list[str]) -> tuple[list[Source], list[Problem]]:
    """The sources named by paths, directories and URLs, in a stable order."""
    out: list[Source] = []
    problems: list[Problem] = []
    for item in inputs:
        if item.startswith(("http://", "https://")):
            out.append(Source(name=item, url=item))
            continue
        path = Path(item).expanduser()
        if path.is_dir():
            out.extend(Source(name=_relative_name(p, path), path=p) for p in _walk(path))
        elif path.is_file():
            out.append(Source(name=_file_name(item, path), path=path))
        else:
            problems.append(Problem(item, "error", None, "no such file, directory or URL"))
    return out, problems


def _relative_name(path: Path, root: Path) -> str:
    """How a file found under the directory `root` is named in records and reports: from
    the root's own name down (`okh/lamp/okh.toml`), never the importing machine's absolute
    path, which provenance would otherwise show on public pages."""
    top = root.resolve().name
    inner = path.relative_to(root).as_posix()
    return f"{top}/{inner}" if top else inner


def _file_name(given: str, path: Path) -> str:
    """A file named on the command line keeps the relative path it was given; an absolute
    one (or one climbing out with `..`) is named by its file name alone."""
    relative = Path(given)
    if relative.is_absolute() or given.startswith("~") or ".." in relative.parts:
        return path.name
    return relative.as_posix()


def _walk(root: Path) -> Iterator[Path]:
    # scandir knows each entry's type from the directory listing: no stat per file.
    with os.scandir(root) as listing:
        entries = sorted(listing, key=lambda e: e.name)
    for entry in entries:
        if entry.name.startswith(".") or entry.name in SKIP_DIRS:
            continue
        if entry.is_dir():
            yield from _walk(Path(entry.path))
        elif entry.is_file():
            yield Path(entry.path)
