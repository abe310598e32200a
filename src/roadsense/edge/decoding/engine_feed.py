"""The software warning engine on the unit's own object list (``EdgeConfig.engine``).

For cameras that give object lists but no warnings of their own, or to compare a unit's
warnings with ours. Each cycle of the unit becomes one :class:`~roadsense.edge.adas.Frame`:

- objects: the obstacles of that cycle (0x739 + 3i frame A: id, position, relative speed,
  type; frame C: acceleration). ``PosX`` is taken as the gap ahead of the ego's front and
  ``PosY`` as left positive, the engine's own conventions;
- ego: speed, turn signals and brake from the latest 0x760 (no acceleration: the unit does
  not send one, and the engine then counts it as 0);
- lanes: each side's latest 0x766/0x768 marking (offset minus half the vehicle's width, as
  for LDW events), unless its quality is 0 or it is older than ``engine_lane_timeout_s``;
  the lane's curvature is twice the ``C2`` term of the marking polynomial
  (y = C0 + C1 x + C2 x^2 + C3 x^3, left positive, so positive when the road bends left),
  the mean of the sides seen;
- speed limit: the sign the unit shows the driver (0x727).

A cycle begins with 0x738 (obstacle status) and is handed to the engine when the next one
begins, or when an obstacle slot comes a second time without a 0x738 between, or at the end
of input: the engine runs one cycle (66-100 ms) behind the bus. Its finished episodes become
AdasEvents with source ``engine``, their ids scoped apart from the unit's own warnings.
"""

from __future__ import annotations

from typing import Protocol

import can

from roadsense.edge.adas import (
    AdasConfig,
    Ego,
    Frame,
    Lanes,
    ObjectType,
    TrackedObject,
    WarningEngine,
)
from roadsense.edge.adas.episodes import Episode
from roadsense.edge.decoding.config import EdgeConfig
from roadsense.edge.decoding.counters import Counters
from roadsense.edge.decoding.event_building import episode_event
from roadsense.edge.decoding.signals import SignalDecoder, SignalError
from roadsense.schema import AdasEvent, AnyRecord, EventSource, EventType

OBSTACLE_STATUS_ID = 0x738
OBSTACLE_BASE_ID = 0x739
OBSTACLE_SLOTS = 13
CAR_INFO_ID = 0x760
LANE_IDS = {0x766: "left", 0x768: "right"}
ENGINE_SCOPE = "engine/"
"""Event-id scope of the engine's episodes (see :func:`~.event_building.event_id`)."""

OBJECT_TYPES: dict[int, ObjectType] = {
    0: ObjectType.VEHICLE,
    1: ObjectType.TRUCK,
    2: ObjectType.MOTORCYCLE,
    3: ObjectType.PEDESTRIAN,
    4: ObjectType.BICYCLE,
}
"""Obstacle ``Type`` of frame A -> the engine's object type."""

_LATERAL_KEY = {EventType.LDW_LEFT: "lateral_left_m", EventType.LDW_RIGHT: "lateral_right_m"}


class SpeedLimitSource(Protocol):
    """Knows the speed limit shown to the driver (the Mobileye adapter, from 0x727)."""

    @property
    def speed_limit_kmh(self) -> float | None:
        """km/h, or None when no limit is shown."""
        ...


class EngineFeed:
    """Builds one engine frame per unit cycle from decoded frames; collects its events."""

    def __init__(
        self,
        config: EdgeConfig,
        signals: SignalDecoder,
        counters: Counters,
        speed_limit: SpeedLimitSource,
        engine: WarningEngine | None = None,
    ) -> None:
        self.config = config
        self.signals = signals
        self.counters = counters
        self.speed_limit = speed_limit
        self.engine = engine or WarningEngine(AdasConfig())
        self.cycles = 0
        """Frames handed to the engine."""
        self._cycle_t: float | None = None
        self._objects: dict[int, list[float]] = {}
        """slot -> [id, type code, x, y, vx, ax (nan: unknown)] of the open cycle."""
        self._ego = Ego()
        self._lanes: dict[str, tuple[float, float | None, float | None]] = {}
        """side -> (time, distance tyre to marking or None, curvature 1/m or None)."""
        self._last_step: float | None = None

    def on_frame(self, t: float, msg: can.Message, out: list[AnyRecord]) -> None:
        """One checked frame at ``t``; events of episodes the engine finished go to ``out``."""
        frame_id = msg.arbitration_id
        try:
            if frame_id == OBSTACLE_STATUS_ID:
                self._end_cycle(out)
                self._cycle_t = t
            elif OBSTACLE_BASE_ID <= frame_id < OBSTACLE_BASE_ID + 3 * OBSTACLE_SLOTS:
                slot, part = divmod(frame_id - OBSTACLE_BASE_ID, 3)
                if part == 0:
                    self._obstacle_a(t, slot, msg, out)
                elif part == 2:
                    self._obstacle_c(slot, msg)
            elif frame_id == CAR_INFO_ID:
                self._car_info(msg)
            elif frame_id in LANE_IDS:
                self._lane(t, frame_id, msg)
        except SignalError:
            pass  # counted by the adapter, which decodes the same frame

    def close(self) -> list[AdasEvent]:
        """End of input: run the open cycle, end every open episode; their events."""
        out: list[AnyRecord] = []
        self._end_cycle(out)
        events = [r for r in out if isinstance(r, AdasEvent)]
        events.extend(self._event(ep) for ep in self.engine.close())
        return events

    # -- frames ---------------------------------------------------------------------------------

    def _obstacle_a(self, t: float, slot: int, msg: can.Message, out: list[AnyRecord]) -> None:
        if self._cycle_t is None or slot in self._objects:
            # no 0x738 before it, or the slot again: a new cycle has begun
            self._end_cycle(out)
            self._cycle_t = t
        sig = self.signals.decode(msg.arbitration_id, msg.data)
        if not sig["Valid"]:
            return
        self._objects[slot] = [
            float(sig["ObstacleId"]),
            float(sig["Type"]),
            float(sig["PosX"]),
            float(sig["PosY"]),
            float(sig["VelX"]),
            float("nan"),
        ]

    def _obstacle_c(self, slot: int, msg: can.Message) -> None:
        values = self._objects.get(slot)
        if values is not None:
            values[5] = float(self.signals.decode(msg.arbitration_id, msg.data)["Accel"])

    def _car_info(self, msg: can.Message) -> None:
        sig = self.signals.decode(CAR_INFO_ID, msg.data)
        speed = float(sig["Speed"]) / 3.6 if sig["SpeedAvailable"] else None
        left, right = bool(sig["LeftSignal"]), bool(sig["RightSignal"])
        signal = "left" if left and not right else "right" if right and not left else "none"
        self._ego = Ego(speed=speed, turn_signal=signal, brake=bool(sig["Brakes"]))

    def _lane(self, t: float, frame_id: int, msg: can.Message) -> None:
        side = LANE_IDS[frame_id]
        sig = self.signals.decode(frame_id, msg.data)
        distance: float | None = None
        curvature: float | None = None
        if sig["Quality"]:
            c0 = float(sig["C0"])
            distance = (c0 if side == "left" else -c0) - self.config.vehicle_half_width_m
            curvature = 2.0 * float(sig["C2"])
        self._lanes[side] = (t, distance, curvature)

    # -- the engine -----------------------------------------------------------------------------

    def _end_cycle(self, out: list[AnyRecord]) -> None:
        t = self._cycle_t
        if t is None:
            return
        self._cycle_t = None
        objects = self._objects
        self._objects = {}
        if self._last_step is not None and t <= self._last_step:
            return  # the frame checker held time still: not a new moment for the engine
        self._last_step = t
        tracked: list[TrackedObject] = []
        seen: set[int] = set()
        for ident, code, x, y, vx, ax in objects.values():
            kind = OBJECT_TYPES.get(int(code))
            if kind is None or int(ident) in seen:
                self.counters["can_out_of_range"] += 1
                continue
            seen.add(int(ident))
            tracked.append(TrackedObject(int(ident), kind, x, y, vx, None if ax != ax else ax))
        frame = Frame(
            t,
            self._ego,
            tuple(tracked),
            self._lanes_at(t),
            self.speed_limit.speed_limit_kmh,
        )
        self.engine.step(frame)
        self.cycles += 1
        finished = self.engine.finished()
        if finished:
            out.extend(self._event(ep) for ep in finished)

    def _lanes_at(self, t: float) -> Lanes:
        timeout = self.config.engine_lane_timeout_s
        fresh = {side: seen for side, seen in self._lanes.items() if t - seen[0] <= timeout}
        left, right = fresh.get("left"), fresh.get("right")
        bends = [seen[2] for seen in fresh.values() if seen[2] is not None]
        return Lanes(
            left[1] if left is not None else None,
            right[1] if right is not None else None,
            sum(bends) / len(bends) if bends else None,
        )

    def _event(self, episode: Episode) -> AdasEvent:
        onset = dict(episode.onset)
        lateral_key = _LATERAL_KEY.get(episode.type)
        if lateral_key is not None:
            onset[lateral_key] = onset.get("lateral_m")
        onset.setdefault("speed_limit_kmh", self.speed_limit.speed_limit_kmh)
        episode.onset = onset
        return episode_event(
            episode, self.config.vehicle_id, EventSource.ENGINE, scope=ENGINE_SCOPE
        )
