"""Warning episodes: onset, duration and peak level from a stream of per-frame states.

A warning source (the Mobileye 0x700 bits, the software warning engine, the IMU) says at
each moment which warnings are active and how strongly. :class:`EpisodeTracker` turns that
into one episode per warning: it opens at the first active frame, keeps the measurements
of that onset, follows the peak level, and closes once the warning has been silent for
``merge_gap_s`` (a flicker shorter than that continues the same episode).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from roadsense.schema import EventType


@dataclass(frozen=True)
class Observation:
    """One warning as seen in one frame."""

    level: int = 1
    measurements: Mapping[str, float | int | None] = field(default_factory=dict)
    """What lies behind it at this moment: ``ttc_s``, ``headway_s``, ``speed_mps`` ..."""
    raw: str | None = None
    """The raw frame (hex or text) that showed it."""


@dataclass
class Episode:
    """One warning from onset to end."""

    type: EventType
    start_t: float
    """Monotonic seconds of the first active frame."""
    end_t: float
    """Seconds of the last active frame."""
    peak_level: int
    onset: Mapping[str, float | int | None]
    """Measurements at onset."""
    raw: list[str] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        """Time from the first to the last active frame."""
        return max(0.0, self.end_t - self.start_t)


class EpisodeTracker:
    """Open, extend and close episodes, one per warning type at a time."""

    def __init__(self, merge_gap_s: float = 0.0, max_raw: int = 32) -> None:
        self.merge_gap_s = merge_gap_s
        self.max_raw = max_raw
        self._open: dict[EventType, Episode] = {}

    def update(
        self, t: float, active: Mapping[EventType, Observation]
    ) -> tuple[list[Episode], list[Episode]]:
        """Feed one moment; returns (episodes that began now, episodes that ended)."""
        began: list[Episode] = []
        for kind, obs in active.items():
            episode = self._open.get(kind)
            if episode is None:
                episode = Episode(kind, t, t, obs.level, dict(obs.measurements))
                self._open[kind] = episode
                began.append(episode)
            else:
                episode.end_t = t
                episode.peak_level = max(episode.peak_level, obs.level)
            if obs.raw is not None and len(episode.raw) < self.max_raw:
                episode.raw.append(obs.raw)
        ended = [
            ep
            for kind, ep in self._open.items()
            if kind not in active and t - ep.end_t > self.merge_gap_s
        ]
        for ep in ended:
            del self._open[ep.type]
        return began, ended

    def close(self) -> list[Episode]:
        """End every open episode (at the end of a log or on shutdown)."""
        ended = list(self._open.values())
        self._open.clear()
        return ended

    @property
    def open_types(self) -> set[EventType]:
        """Warnings active now."""
        return set(self._open)

    def earliest_start(self) -> float | None:
        """Start of the oldest episode still open (None when none is)."""
        return min((ep.start_t for ep in self._open.values()), default=None)

    def levels(self) -> dict[EventType, int]:
        """The peak level so far of every open episode."""
        return {kind: ep.peak_level for kind, ep in self._open.items()}
