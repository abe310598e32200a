"""IMU: harsh braking, acceleration and turning, and potholes from vertical spikes.

Samples are CSV lines ``time,ax,ay,az`` (epoch seconds UTC; m/s^2 with x forward, y left,
z up and gravity included), from a file or a serial port (:mod:`.line_sources`).
Harsh manoeuvres are episodes of the acceleration beyond its threshold (level 2 beyond 1.5
times it); a pothole is a vertical deviation from gravity beyond its threshold that lasts no
longer than ``pothole_max_s``. Bad lines and time going backwards are counted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from roadsense.edge.adas.episodes import Episode, EpisodeTracker, Observation
from roadsense.edge.decoding.config import EdgeConfig
from roadsense.edge.decoding.counters import Counters
from roadsense.edge.decoding.event_building import episode_event
from roadsense.schema import AdasEvent, EventSource, EventType

GRAVITY_MPS2 = 9.80665
IMU_MERGE_GAP_S = 0.5
MAX_ABS_MPS2 = 200.0
"""Beyond this a reading is a sensor fault, not a road."""


@dataclass(frozen=True, slots=True)
class ImuSample:
    """One accelerometer reading."""

    t: float
    ax: float
    ay: float
    az: float


def parse_imu_line(line: str, counters: Counters) -> ImuSample | None:
    """One CSV line as a sample; None for the header, blank or bad lines (counted)."""
    text = line.strip()
    if not text or text.startswith(("#", "time")):
        return None
    parts = text.split(",")
    if len(parts) != 4:
        counters["imu_bad_line"] += 1
        return None
    try:
        t, ax, ay, az = (float(p) for p in parts)
    except ValueError:
        counters["imu_bad_line"] += 1
        return None
    if (
        not all(math.isfinite(v) for v in (t, ax, ay, az))
        or max(abs(ax), abs(ay), abs(az)) > MAX_ABS_MPS2
    ):
        counters["imu_bad_line"] += 1
        return None
    return ImuSample(t, ax, ay, az)


class ImuDetector:
    """Harsh-driving and pothole events from a stream of samples."""

    def __init__(self, config: EdgeConfig, counters: Counters) -> None:
        self.config = config
        self.counters = counters
        self._tracker = EpisodeTracker(IMU_MERGE_GAP_S, max_raw=config.max_raw_frames)
        self._last_t: float | None = None

    def feed(self, s: ImuSample) -> list[AdasEvent]:
        """One sample; the events that ended with it."""
        if self._last_t is not None and s.t <= self._last_t:
            self.counters["imu_time_backwards"] += 1
            return []
        self._last_t = s.t
        c = self.config
        active: dict[EventType, Observation] = {}
        _check(active, EventType.HARSH_BRAKE, -s.ax, c.harsh_brake_mps2, s)
        _check(active, EventType.HARSH_ACCEL, s.ax, c.harsh_accel_mps2, s)
        _check(active, EventType.HARSH_TURN, abs(s.ay), c.harsh_turn_mps2, s)
        _check(active, EventType.POTHOLE, abs(s.az - GRAVITY_MPS2), c.pothole_mps2, s)
        if not active and not self._tracker.open_types:
            return []
        _, ended = self._tracker.update(s.t, active)
        return self._events(ended)

    def close(self) -> list[AdasEvent]:
        """Events still open (end of input)."""
        return self._events(self._tracker.close())

    def _events(self, ended: list[Episode]) -> list[AdasEvent]:
        out: list[AdasEvent] = []
        for ep in ended:
            if ep.type is EventType.POTHOLE and ep.duration_s > self.config.pothole_max_s:
                self.counters["imu_long_vertical"] += 1
                continue
            out.append(episode_event(ep, self.config.vehicle_id, EventSource.IMU))
        return out


def _check(
    active: dict[EventType, Observation],
    kind: EventType,
    value: float,
    threshold: float,
    s: ImuSample,
) -> None:
    if value >= threshold:
        level = 2 if value >= 1.5 * threshold else 1
        active[kind] = Observation(level, {}, f"imu {s.t:.3f},{s.ax:.2f},{s.ay:.2f},{s.az:.2f}")
