"""The reader contract and the registry that format detection walks.

A reader never raises on bad input: it returns what it could read plus located
`Problem`s. A reader that returns no record and no error means "not mine" (skipped).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from refaire.model import Design, Facility, Part, Problem


@dataclass(slots=True)
class ReadResult:
    """What one source yielded. `skipped` says the source was not for this reader at all."""

    designs: list[Design] = field(default_factory=list)
    facilities: list[Facility] = field(default_factory=list)
    # Part manifests read on their own (`okh-<Part>.toml`); the import run attaches
    # them to their module by location (see `refaire.ingest.parts`).
    parts: list[Part] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Entries of a list rejected by the reader (each with its error in `problems`): the
    # import summary counts entries, so a list of 8 with 6 bad ones says "rejected: 6".
    rejected: int = 0
    skipped: bool = False
    skip_reason: str | None = None


@contextmanager
def one_entry(
    result: ReadResult, source: str, label: str, field: str | None = None, line: int | None = None
) -> Iterator[None]:
    """Read one entry of a list: an unexpected failure rejects that entry, not the list.

    Readers check what they expect; this is for what they did not foresee (a URL
    that does not parse, a number too large to convert), so that one odd entry of
    a thousand is an error at its index and the other 999 are read.
    """
    try:
        yield
    except Exception as exc:  # noqa: BLE001 (any failure of one entry is that entry's)
        msg = f"{label}: could not be read ({type(exc).__name__}: {str(exc)[:200]}); rejected"
        result.problems.append(Problem(source, "error", field, msg, line))
        result.rejected += 1


# sniff(name, head) -> confidence in [0, 1] that the bytes are this reader's format.
Sniffer = Callable[[str, bytes], float]
# read(source, data) -> ReadResult; `source` is the path or URL used in problems.
ReadFunc = Callable[[str, bytes], ReadResult]


@dataclass(frozen=True, slots=True)
class Reader:
    format: str
    kind: str  # "design" or "facility"
    sniff: Sniffer
    read: ReadFunc


_READERS: dict[str, Reader] = {}


def register(reader: Reader) -> Reader:
    _READERS[reader.format] = reader
    return reader


def readers() -> list[Reader]:
    _load_builtin_readers()
    return list(_READERS.values())


def get_reader(fmt: str) -> Reader:
    _load_builtin_readers()
    try:
        return _READERS[fmt]
    except KeyError:
        known = ", ".join(sorted(_READERS))
        raise KeyError(f"unknown format {fmt!r}; known formats: {known}") from None


_loaded = False


def _load_builtin_readers() -> None:
    """Import the reader modules once; each registers itself on import."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    import importlib
    import pkgutil

    import refaire.ingest as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith(("read_",)):
            importlib.import_module(f"refaire.ingest.{info.name}")


def detect(name: str, data: bytes) -> Reader | None:
    """The reader most confident about these bytes, or None if nobody claims them."""
    head = data[:65536]
    best, best_score = None, 0.0
    for reader in readers():
        score = reader.sniff(name, head)
        if score > best_score:
            best, best_score = reader, score
    return best if best_score >= 0.5 else None
