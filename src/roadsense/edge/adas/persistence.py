"""Persistence: a warning condition counts only once it has held for a short while."""

from __future__ import annotations

_SLACK = 1e-6
"""Frame times are floats; 0.1 s written as 12.3 - 12.2 must still count as 0.1 s."""


def held_since(since: float | None, t: float, condition: bool) -> float | None:
    """Start of the present run of true conditions (``None`` while false)."""
    if not condition:
        return None
    return t if since is None else since


def has_held(since: float | None, t: float, persist_s: float) -> bool:
    """Whether a run that began at ``since`` has lasted ``persist_s`` by ``t``."""
    return since is not None and t - since >= persist_s - _SLACK


class Persistence:
    """One condition followed over frames."""

    __slots__ = ("persist_s", "since")

    def __init__(self, persist_s: float) -> None:
        self.persist_s = persist_s
        self.since: float | None = None

    def update(self, t: float, condition: bool) -> bool:
        """Feed the condition at ``t``; true once it has held ``persist_s``."""
        self.since = held_since(self.since, t, condition)
        return has_held(self.since, t, self.persist_s)
