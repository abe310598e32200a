"""Capped exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff
And Jitter"): the n-th retry waits a uniform random time in ``[0, min(cap, base * factor**n)]``.

Full jitter spreads a fleet's retries after an outage, so 16,000 gateways do not hit the
server in lock-step when it comes back.
"""

from __future__ import annotations

import random
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
