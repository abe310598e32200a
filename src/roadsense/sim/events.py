"""Turn one taxi's simulated driving, second by second, into ADAS warning episodes.

The rules follow what an aftermarket ADAS unit and the gateway's IMU would warn
about:

- FCW: a leader within 100 m that the taxi is closing on, time to collision (with
  relative acceleration) under 2.7 s above 30 km/h; UFCW: under 1.8 s at or below
  30 km/h.
- HMW: headway (gap / own speed) at or under 0.6 s above 30 km/h; the episode ends
  when the headway opens past 0.8 s.
- HARSH_BRAKE / HARSH_ACCEL: acceleration at or beyond -3.5 / +3.0 m/s^2.
- SPEEDING: more than 10 km/h over the lane's limit for at least 3 s.

One event per episode; an episode that comes back within ``GAP_S`` seconds of its
last active second is the same episode.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from roadsense.schema.records import EventType

GAP_S = 3
"""Seconds without the condition before the same type may start a new episode."""

LEADER_RANGE_M = 100.0
FCW_TTC_S = 2.7
UFCW_TTC_S = 1.8
URBAN_SPEED_MPS = 30.0 / 3.6
"""FCW above this speed, UFCW at or below it; HMW only above it."""
UFCW_MIN_SPEED_MPS = 5.0 / 3.6
HMW_ON_S = 0.6
HMW_OFF_S = 0.8
HMW_HOLD_SPEED_MPS = 25.0 / 3.6
"""An open HMW episode also ends when the taxi slows below this."""
HARSH_BRAKE_MPS2 = -3.5
HARSH_ACCEL_MPS2 = 3.0
SPEEDING_MARGIN_MPS = 10.0 / 3.6
SPEEDING_MIN_S = 3


@dataclass(frozen=True)
class Episode:
    """One finished warning episode, in simulation seconds."""

    type: EventType
    onset_s: int
    duration_s: float
    level: int
    speed_mps: float
    ttc_s: float | None = None
    headway_s: float | None = None
    speed_limit_kmh: float | None = None


def time_to_collision(gap_m: float, closing_mps: float, closing_accel_mps2: float) -> float:
    """Seconds until the gap closes: smallest t > 0 with gap = dv*t + da*t^2/2; inf if never.

    ``closing_mps`` is own speed minus the leader's, ``closing_accel_mps2`` own
    acceleration minus the leader's (both positive when closing faster).
    """
    if gap_m <= 0.0:
        return 0.0
    dv, da = closing_mps, closing_accel_mps2
    if abs(da) < 1e-6:
        return gap_m / dv if dv > 0.0 else math.inf
    disc = dv * dv + 2.0 * da * gap_m
    if disc < 0.0:
        return math.inf  # the closing stops before the gap is gone
    root = (-dv + math.sqrt(disc)) / da
    if root > 0.0:
        return root
    return math.inf


class _Track:
    """An open or recently closed episode of one type."""

    __slots__ = ("headway", "last_s", "level", "limit_kmh", "onset_s", "speed", "ttc")

    def __init__(
        self,
        onset_s: int,
        level: int,
        speed: float,
        ttc: float | None = None,
        headway: float | None = None,
        limit_kmh: float | None = None,
    ) -> None:
        self.onset_s = onset_s
        self.last_s = onset_s
        self.level = level
        self.speed = speed
        self.ttc = ttc
        self.headway = headway
        self.limit_kmh = limit_kmh

    def episode(self, kind: EventType) -> Episode:
        return Episode(
            type=kind,
            onset_s=self.onset_s,
            duration_s=float(self.last_s - self.onset_s + 1),
            level=self.level,
            speed_mps=round(self.speed, 2),
            ttc_s=None if self.ttc is None else round(self.ttc, 2),
            headway_s=None if self.headway is None else round(self.headway, 2),
            speed_limit_kmh=self.limit_kmh,
        )


class EventDetector:
    """Warning episodes of one taxi; feed it one observation per simulated second."""

    def __init__(self) -> None:
        self._open: dict[EventType, _Track] = {}
        self._speeding_since: int | None = None
        self.finished: list[Episode] = []

    def step(
        self,
        t: int,
        speed: float,
        accel: float,
        speed_limit: float,
        leader_gap: float | None = None,
        leader_speed: float = 0.0,
        leader_accel: float = 0.0,
    ) -> None:
        """Observe second ``t``: own speed/acceleration, the lane's limit and the leader."""
        ttc = math.inf
        headway = math.inf
        if leader_gap is not None and leader_gap <= LEADER_RANGE_M:
            if speed > 0.1:
                headway = max(leader_gap, 0.0) / speed
            closing = speed - leader_speed
            if closing > 0.0:
                ttc = time_to_collision(leader_gap, closing, accel - leader_accel)

        if ttc < FCW_TTC_S:
            if speed > URBAN_SPEED_MPS:
                self._on(EventType.FCW, t, 3 if ttc < 1.0 else 2, speed, ttc=ttc)
            elif ttc < UFCW_TTC_S and speed > UFCW_MIN_SPEED_MPS:
                self._on(EventType.UFCW, t, 3 if ttc < 0.6 else 2, speed, ttc=ttc)
            self._hold(EventType.FCW, t)
            self._hold(EventType.UFCW, t, ttc < UFCW_TTC_S)
        if headway <= HMW_ON_S and speed > URBAN_SPEED_MPS:
            self._on(EventType.HMW, t, 2, speed, headway=headway)
        elif headway <= HMW_OFF_S and speed > HMW_HOLD_SPEED_MPS:
            self._hold(EventType.HMW, t)
        if accel <= HARSH_BRAKE_MPS2:
            level = 3 if accel <= -7.0 else (2 if accel <= -5.0 else 1)
            self._on(EventType.HARSH_BRAKE, t, level, speed)
        elif accel >= HARSH_ACCEL_MPS2:
            self._on(EventType.HARSH_ACCEL, t, 2 if accel >= 4.0 else 1, speed)

        if speed > speed_limit + SPEEDING_MARGIN_MPS:
            if self._speeding_since is None:
                self._speeding_since = t
            if t - self._speeding_since + 1 >= SPEEDING_MIN_S:
                over = speed - speed_limit
                level = 2 if over > 20.0 / 3.6 else 1
                self._on(
                    EventType.SPEEDING,
                    self._speeding_since,
                    level,
                    speed,
                    limit_kmh=round(speed_limit * 3.6),
                    now=t,
                )
        else:
            self._speeding_since = None

        if self._open:
            for kind in [k for k, track in self._open.items() if t - track.last_s > GAP_S]:
                self.finished.append(self._open.pop(kind).episode(kind))

    def close(self) -> list[Episode]:
        """Finish every open episode (end of the run) and return all episodes by onset."""
        for kind, track in self._open.items():
            self.finished.append(track.episode(kind))
        self._open.clear()
        self.finished.sort(key=lambda e: (e.onset_s, e.type.value))
        return self.finished

    def _on(
        self,
        kind: EventType,
        onset: int,
        level: int,
        speed: float,
        *,
        ttc: float | None = None,
        headway: float | None = None,
        limit_kmh: float | None = None,
        now: int | None = None,
    ) -> None:
        track = self._open.get(kind)
        last = onset if now is None else now
        if track is None:
            self._open[kind] = _Track(onset, level, speed, ttc, headway, limit_kmh)
            self._open[kind].last_s = last
            return
        track.last_s = last
        track.level = max(track.level, level)

    def _hold(self, kind: EventType, t: int, condition: bool = True) -> None:
        """Keep an open episode going (its ending condition has not been met)."""
        track = self._open.get(kind)
        if track is not None and condition:
            track.last_s = t
