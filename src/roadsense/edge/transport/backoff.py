"""Capped exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff
And Jitter"): the n-th retry waits a uniform random time in ``[0, min(cap, base * factor**n)]``.

Full jitter spreads a fleet's retries after an outage, so 16,000 gateways do not hit the
server in lock-step when it comes back. :class:`RateLimit` (a token bucket) paces the requests
of a gateway that has a backlog to catch up on.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Backoff:
    """How long to wait before retry number ``attempt`` (0 for the first retry)."""

    base_s: float = 1.0
    cap_s: float = 300.0
    factor: float = 2.0

    def __post_init__(self) -> None:
        if not (self.base_s >= 0.0 and self.cap_s >= 0.0):
            raise ValueError("base_s and cap_s must be non-negative numbers")
        if not self.factor >= 1.0:
            raise ValueError("factor must be at least 1")

    def ceiling(self, attempt: int) -> float:
        """The largest delay retry number ``attempt`` may wait: ``min(cap, base * factor**n)``."""
        n = max(0, attempt)
        try:
            grown = self.base_s * self.factor**n
        except OverflowError:
            return self.cap_s
        return min(self.cap_s, grown)

    def delay(self, attempt: int, rng: random.Random) -> float:
        """A delay drawn uniformly from ``[0, ceiling(attempt)]`` (full jitter)."""
        return rng.random() * self.ceiling(attempt)


@dataclass(frozen=True)
class RateLimit:
    """At most ``per_s`` requests a second on average and ``burst`` back to back.

    A gateway catching up after hours offline sends its backlog at this pace rather than as
    fast as the server answers; the first ``burst`` requests go out at once, so the small
    backlog of a short gap is not slowed down.
    """

    per_s: float = 5.0
    burst: int = 20

    def __post_init__(self) -> None:
        if not self.per_s > 0.0:
            raise ValueError("per_s must be a positive number")
        if self.burst < 1:
            raise ValueError("burst must be at least 1")


class TokenBucket:
    """The state of a :class:`RateLimit`: ``burst`` tokens, refilled at ``per_s``.

    :meth:`take` may overdraw (a caller that does not wait is paced by later waits).
    """

    def __init__(self, limit: RateLimit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._tokens = float(limit.burst)
        self._at = clock()
        self._after_pause = False

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._at)
        self._tokens = min(float(self.limit.burst), self._tokens + elapsed * self.limit.per_s)
        self._at = now

    def wait_s(self) -> float:
        """Seconds until a token is there; 0 when one is there now."""
        self._refill()
        return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self.limit.per_s

    def take(self) -> None:
        """Spend a token (one request).

        The first request after a :meth:`pause` starts the bucket again from empty, however
        late its caller woke: time spent past the pause is not saved up for a burst either.
        """
        self._refill()
        if self._after_pause:
            self._tokens = min(self._tokens, 1.0)
            self._after_pause = False
        self._tokens -= 1.0

    def pause(self, seconds: float) -> None:
        """No token for ``seconds``, then one every ``1 / per_s``: no burst after a pause.

        For a server that said "too many requests": the wait it asked for is not a time to
        save up tokens in.
        """
        self._refill()
        self._tokens = min(self._tokens, -max(0.0, seconds) * self.limit.per_s)
        self._after_pause = True
