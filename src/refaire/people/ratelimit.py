"""Failed-attempt limits with back-off, in process memory.

Used for logins (one key per typed e-mail and one per client address) and for wrong bearer
tokens (per address). A key may fail `free` times; every further failure blocks it for a
delay that doubles each time, up to `max_delay`; a success clears it; a key untouched for
`forget_after` seconds starts afresh. Keys are what was typed, whether or not an account
exists, so the limit itself never tells whether an e-mail is registered.

In-process memory: each server process keeps its own counts (documented; a shared
deployment behind several workers gets the limit once per worker, still bounded).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class _State:
    failures: int = 0
    blocked_until: float = 0.0
    last: float = 0.0


@dataclass
class Limiter:
    free: int
    base_delay: float = 1.0
    max_delay: float = 900.0
    forget_after: float = 3600.0
    clock: Callable[[], float] = time.monotonic
    max_keys: int = 100_000
    _keys: dict[str, _State] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, key: str) -> int:
        """Whole seconds to wait before `key` may try again (0: it may now)."""
        now = self.clock()
        with self._lock:
            state = self._keys.get(key)
            if state is None or state.blocked_until <= now:
                return 0
            return max(1, math.ceil(state.blocked_until - now))

    def failure(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            state = self._keys.get(key)
            if state is None or now - state.last > self.forget_after:
                if len(self._keys) >= self.max_keys:
                    self._prune(now)
                state = self._keys[key] = _State()
            state.failures += 1
            state.last = now
            over = state.failures - self.free
            if over > 0:
                delay = min(self.max_delay, self.base_delay * 2 ** min(over - 1, 30))
                state.blocked_until = now + delay

    def success(self, key: str) -> None:
        with self._lock:
            self._keys.pop(key, None)

    def _prune(self, now: float) -> None:
        """Drop forgotten keys; if all are recent (an attack from many keys), the oldest half."""
        stale = [k for k, s in self._keys.items() if now - s.last > self.forget_after]
        if not stale:
            ordered = sorted(self._keys, key=lambda k: self._keys[k].last)
            stale = ordered[: len(ordered) // 2]
        for k in stale:
            del self._keys[k]


@dataclass
class RateLimits:
    """The limiters of one app: login per account and per address, wrong bearer tokens per
    address, reset mails per address."""

    login_account: Limiter = field(default_factory=lambda: Limiter(free=5))
    login_address: Limiter = field(default_factory=lambda: Limiter(free=20))
    token_address: Limiter = field(default_factory=lambda: Limiter(free=10))
    # Every reset request counts (a mail is sent each time): no mail-bombing from one address.
    mail_address: Limiter = field(default_factory=lambda: Limiter(free=5, base_delay=60.0))

    def set_clock(self, clock: Callable[[], float]) -> None:
        limiters = (self.login_account, self.login_address, self.token_address, self.mail_address)
        for limiter in limiters:
            limiter.clock = clock


class TooManyAttempts(Exception):
    """Refused by a limiter; `retry_after` whole seconds until the next try."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed attempts: try again in {retry_after} s")
