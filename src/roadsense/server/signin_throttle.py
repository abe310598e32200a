"""Failed sign-ins counted in a sliding window, per account and per client address.

After ``limit`` failures of one key within ``window_s`` seconds, further sign-ins for it
are answered 429 with ``Retry-After`` until the oldest failure leaves the window. This
lives in the process's memory (each server process counts its own); the lock-out that
follows many failures in a row is kept in the store, so every process honours it.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable

MAX_KEYS = 100_000
"""Keys remembered at most; beyond that the ones without recent failures are dropped."""


class SignInThrottle:
    """Sliding-window counts of failed sign-ins per key (``"user:<name>"``, ``"addr:<ip>"``)."""

    def __init__(
        self,
        limits: dict[str, int],
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``limits`` maps a key's kind (the part before ``:``) to its failures allowed."""
        self.limits = limits
        self.window_s = window_s
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, keys: Iterable[str]) -> float | None:
        """Seconds until a sign-in for these keys is allowed again; None when it is now."""
        now = self._clock()
        wait = 0.0
        for key in keys:
            limit = self.limits[key.partition(":")[0]]
            times = self._recent(key, now)
            if len(times) >= limit:
                wait = max(wait, times[-limit] + self.window_s - now)
        return wait if wait > 0 else None

    def failed(self, keys: Iterable[str]) -> None:
        """Count a failed sign-in against each key."""
        now = self._clock()
        if len(self._failures) >= MAX_KEYS:
            for key in list(self._failures):
                self._recent(key, now)
        for key in keys:
            limit = self.limits[key.partition(":")[0]]
            self._failures.setdefault(key, deque(maxlen=limit)).append(now)

    def clear(self, key: str) -> None:
        """Forget a key's failures (a successful sign-in, an admin's unlock)."""
        self._failures.pop(key, None)
