"""A short-lived, in-process memory of who is behind a session cookie or an API token.

Checking a credential is one indexed query, yet under load it costs a signed-in read more
than the 1 ms the project allows over an anonymous one. So each process remembers the
actor of a credential for `TTL` seconds. Every people write made in this process (log-out,
revocation, password reset, deletion, roles, profile) clears the memory at once; another
worker process over the same database sees such a change within `TTL` seconds.
"""

from __future__ import annotations

import threading
import time

from refaire.people.actor import Actor

TTL = 5.0
MAX_ENTRIES = 10_000

_entries: dict[str, tuple[float, int, Actor]] = {}
_generation = 0
_lock = threading.Lock()


def get(key: str) -> Actor | None:
    found = _entries.get(key)
    if found is None:
        return None
    expires, generation, actor = found
    if generation != _generation or expires < time.monotonic():
        return None
    return actor


def put(key: str, actor: Actor) -> None:
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[key] = (time.monotonic() + TTL, _generation, actor)


def forget_all() -> None:
    """Called by every people write: nothing remembered before it is used again."""
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()
