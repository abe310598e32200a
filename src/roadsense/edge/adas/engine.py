"""The software warning engine: frames in, warning onsets and finished episodes out.

Each :meth:`WarningEngine.step` filters the frame's objects and lane distances, asks every
rule (FCW/UFCW, PCW, PED_IN_DZ, HMW, LDW, SPEEDING) whether it is active, and feeds the
answers to an :class:`~roadsense.edge.adas.episodes.EpisodeTracker`, which turns per-frame
states into one episode per warning. ``step`` returns the warnings that began at this
frame; the episodes that ended (with duration and peak level) are collected by
:meth:`finished`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from roadsense.edge.adas.config import AdasConfig
from roadsense.edge.adas.danger_zone import DangerZone
from roadsense.edge.adas.episodes import Episode, EpisodeTracker, Observation
from roadsense.edge.adas.fcw import ForwardCollision
from roadsense.edge.adas.frame import Frame
from roadsense.edge.adas.hmw import Headway
from roadsense.edge.adas.ldw import LaneDeparture
from roadsense.edge.adas.path import Corridor
from roadsense.edge.adas.pcw import PedestrianCollision
from roadsense.edge.adas.speeding import Speeding
from roadsense.edge.adas.tracks import EgoState, Tracks
from roadsense.schema import EventType

_OUTPUT_NAMES = {
    "object_id": "object_id",
    "ttc_s": "ttc",
    "headway_s": "headway",
    "range_m": "range",
    "required_decel_mps2": "required_decel",
    "lateral_m": "lateral",
    "departure_rate_mps": "departure_rate",
    "curvature_per_m": "curvature",
    "speed_kmh": "speed_kmh",
    "speed_limit_kmh": "speed_limit_kmh",
}
"""Measurement keys written to an onset line, and their names there."""


@dataclass(frozen=True, slots=True)
class WarningOnset:
    """A warning episode that began at ``t`` (the first frame at which it is active)."""

    t: float
    type: EventType
    level: int
    measurements: Mapping[str, float | int | None]
    """At onset: ``object_id``, ``ttc_s``, ``headway_s``, ``lateral_m`` ... as apply."""

    def to_json(self) -> dict[str, object]:
        """The onset as one output line's object: ``t``, ``type``, ``level``, measurements."""
        line: dict[str, object] = {"t": round(self.t, 3), "type": self.type.value}
        line["level"] = self.level
        for key, name in _OUTPUT_NAMES.items():
            value = self.measurements.get(key)
            if value is not None:
                digits = 6 if key == "curvature_per_m" else 2
                line[name] = value if isinstance(value, int) else round(value, digits)
        return line


class WarningEngine:
    """Software ADAS: ``step(frame)`` once per frame, in time order."""

    def __init__(self, config: AdasConfig | None = None) -> None:
        self.config = config = config or AdasConfig()
        corridor = Corridor(config.path)
        self._ego = EgoState(config.filter)
        self._tracks = Tracks(config.filter)
        self._forward = ForwardCollision(config, corridor)
        self._pedestrian = PedestrianCollision(config, corridor)
        self._danger_zone = DangerZone(config, corridor)
        self._headway = Headway(config, corridor)
        self._lane = LaneDeparture(config)
        self._speeding = Speeding(config.speeding)
        self._episodes = EpisodeTracker(merge_gap_s=config.episode_merge_gap_s)
        self._finished: list[Episode] = []
        self._last_t: float | None = None

    def step(self, frame: Frame) -> list[WarningOnset]:
        """Process one frame; returns the warnings whose episode begins at this frame.

        Raises ``ValueError`` when ``frame.t`` does not come after the previous frame's.
        """
        t = frame.t
        if self._last_t is not None and t <= self._last_t:
            raise ValueError(f"frame time {t} does not follow the previous frame's {self._last_t}")
        self._last_t = t
        ego = frame.ego
        self._ego.update(t, ego.speed, ego.accel)
        self._tracks.update(t, frame.objects, self._ego.accel)
        tracks = self._tracks.current(t)
        active: dict[EventType, Observation] = {}
        forward = self._forward.update(t, self._ego, tracks)
        if forward is not None:
            active[forward[0]] = forward[1]
        pedestrian = self._pedestrian.update(t, self._ego, tracks)
        if pedestrian is not None:
            active[EventType.PCW] = pedestrian
        in_zone = self._danger_zone.update(t, ego.speed, tracks)
        if in_zone is not None:
            active[EventType.PED_IN_DZ] = in_zone
        headway = self._headway.update(t, ego.speed, tracks)
        if headway is not None:
            active[EventType.HMW] = headway
        lanes = frame.lanes
        self._lane.update(
            t, ego.speed, ego.turn_signal, lanes.left, lanes.right, active, lanes.curvature
        )
        speeding = self._speeding.update(t, ego.speed, frame.speed_limit_kmh)
        if speeding is not None:
            active[EventType.SPEEDING] = speeding
        began, ended = self._episodes.update(t, active)
        self._finished.extend(ended)
        return [WarningOnset(t, ep.type, ep.peak_level, ep.onset) for ep in began]

    def finished(self) -> list[Episode]:
        """Episodes that ended since the last call (onset, duration, peak level)."""
        done, self._finished = self._finished, []
        return done

    def close(self) -> list[Episode]:
        """End every open episode (end of a log, shutdown); returns all not yet collected."""
        self._finished.extend(self._episodes.close())
        return self.finished()

    @property
    def active(self) -> set[EventType]:
        """Warnings active now."""
        return self._episodes.open_types

    @property
    def levels(self) -> dict[EventType, int]:
        """Warnings whose episode is open now, with their peak level: what a unit displays
        (an episode stays open through ``episode_merge_gap_s`` of silence)."""
        return self._episodes.levels()

    @property
    def headway_s(self) -> float | None:
        """Headway to display now (at or below ``hmw.display_s``), else ``None``."""
        return self._headway.headway_s

    @property
    def speed_limit_kmh(self) -> float | None:
        """The speed limit in force: the last one read."""
        return self._speeding.limit_kmh
