"""Third decoding layer: Mobileye signals to our records (the vendor adapter).

- 0x700 warnings -> warning episodes (:class:`~roadsense.edge.adas.episodes.EpisodeTracker`) ->
  one AdasEvent per episode, with headway, TTC (closest in-path obstacle), speed (0x760),
  speed limit (0x727) and, for lane departures, the distance to the marking at onset;
  failsafe, tamper and error code -> DeviceStatus.
- 0x738 obstacle status -> failsafe; 0x739.. obstacles -> the closest in-path vehicle (CIPV)
  for TTC. Frame A is kept as bytes and decoded only for the CIPV.
- 0x720-0x726 traffic signs -> SignSighting (the same sign again within ``sign_repeat_s`` is
  the same sighting); 0x727 -> the speed limit shown to the driver.
- 0x766-0x769 lane markings -> LaneSample, one per side every ``lane_sample_every_s``.

Frames are expected to have passed :class:`~roadsense.edge.decoding.framing.FrameChecker`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import can

from roadsense.edge.adas.episodes import Episode, EpisodeTracker
from roadsense.edge.decoding.config import EdgeConfig
from roadsense.edge.decoding.counters import Counters
from roadsense.edge.decoding.device_health import DeviceHealth
from roadsense.edge.decoding.event_building import episode_event, utc
from roadsense.edge.decoding.signals import SignalDecoder, SignalError
from roadsense.edge.decoding.warnings_700 import active_warnings, has_warning
from roadsense.schema import (
    AdasEvent,
    AnyRecord,
    DeviceStatus,
    EventSource,
    LaneSample,
    SignSighting,
)

WARNINGS_ID = 0x700
CAR_INFO_ID = 0x760
OWN_LANE_ID = 0x737
OBSTACLE_STATUS_ID = 0x738
OBSTACLE_BASE_ID = 0x739
OBSTACLE_SLOTS = 13
"""Obstacles 0..12 at 0x739 + 3i (A), +1 (B), +2 (C); 0x760 follows."""
LANE_IDS = {0x766: "left", 0x768: "right"}
LANE_B_IDS = (0x767, 0x769)
SIGN_IDS = range(0x720, 0x727)
SIGN_DISPLAY_ID = 0x727

SIGN_NONE = 255
SIGN_CODES: dict[int, tuple[str, float | None]] = {
    **{c: ("speed_limit", float((c + 1) * 10)) for c in range(14)},
    **{20 + c: ("end_of_limit", float((c + 1) * 10)) for c in range(14)},
    40: ("no_passing", None),
    41: ("end_of_no_passing", None),
    50: ("end_of_all_restrictions", None),
}
"""Sign type code of 0x720-0x727 (our DBC's value table) -> (sign_type, value)."""

Marking = Literal[
    "dashed", "solid", "none", "road_edge", "double", "botts_dots", "barrier", "unknown"
]
LANE_TYPES: tuple[Marking, ...] = (
    "dashed",
    "solid",
    "none",
    "road_edge",
    "double",
    "botts_dots",
    "barrier",
)
MAX_TTC_S = 99.0
CLOSING_MPS = 0.05

Handler = Callable[[float, can.Message, int, list[AnyRecord]], None]


class MobileyeAdapter:
    """Turns checked Mobileye frames into records of one vehicle."""

    def __init__(
        self,
        config: EdgeConfig,
        signals: SignalDecoder,
        counters: Counters,
        health: DeviceHealth,
    ) -> None:
        self.config = config
        self.signals = signals
        self.counters = counters
        self.health = health
        self.tracker = EpisodeTracker(config.merge_gap_s, max_raw=config.max_raw_frames)
        self.speed_mps: float | None = None
        self.speed_limit_kmh: float | None = None
        self._sig700: object = None
        self._quiet = True
        self._cipv: int | None = None
        self._obstacle_a: list[bytes | bytearray | None] = [None] * OBSTACLE_SLOTS
        self._lane_a: dict[str, bytes | bytearray] = {}
        self._lane_emitted: dict[str, float] = {}
        self._sign_seen: dict[tuple[str, float | None], float] = {}
        self._status: list[DeviceStatus] = []
        self._dispatch: dict[int, tuple[Handler, int]] = {
            WARNINGS_ID: (self._warnings, 0),
            CAR_INFO_ID: (self._car_info, 0),
            OWN_LANE_ID: (self._ignore, 0),
            OBSTACLE_STATUS_ID: (self._obstacle_status, 0),
            SIGN_DISPLAY_ID: (self._sign_display, 0),
        }
        for i in range(OBSTACLE_SLOTS):
            base = OBSTACLE_BASE_ID + 3 * i
            self._dispatch[base] = (self._obstacle_a_frame, i)
            self._dispatch[base + 1] = (self._obstacle_b_frame, i)
            self._dispatch[base + 2] = (self._ignore, i)
        for frame_id in LANE_IDS:
            self._dispatch[frame_id] = (self._lane_a_frame, frame_id)
        for frame_id in LANE_B_IDS:
            self._dispatch[frame_id] = (self._ignore, 0)
        for frame_id in SIGN_IDS:
            self._dispatch[frame_id] = (self._sign, frame_id)

    def on_frame(self, t: float, msg: can.Message, out: list[AnyRecord]) -> None:
        """Decode one checked frame at time ``t``; records it completes go to ``out``."""
        entry = self._dispatch.get(msg.arbitration_id)
        if entry is None:
            self.counters["can_unknown_id"] += 1
            return
        handler, arg = entry
        try:
            handler(t, msg, arg, out)
        except SignalError:
            self.counters["can_corrupt_frames"] += 1

    def close(self) -> list[AdasEvent]:
        """Events of the episodes still open (end of input or shutdown)."""
        return [self._event(ep) for ep in self.tracker.close()]

    # -- 0x700 -------------------------------------------------------------------------------

    def _warnings(self, t: float, msg: can.Message, arg: int, out: list[AnyRecord]) -> None:
        sig = self.signals.decode(WARNINGS_ID, msg.data)
        status = self._status
        self.health.warnings_frame(
            t,
            bool(sig["Failsafe"]),
            bool(sig["TamperAlert"]),
            int(sig["ErrorCode"]) if sig["ErrorValid"] else None,
            status,
        )
        if status:
            out.extend(status)
            status.clear()
        if sig is not self._sig700:
            self._sig700 = sig
            self._quiet = not has_warning(sig)
        tracker = self.tracker
        if self._quiet:
            if not tracker.open_types:
                return
            _, ended = tracker.update(t, {})
        else:
            raw = f"({t:.6f}) {msg.arbitration_id:03X}#{msg.data.hex().upper()}"
            measurements = self._measurements(sig)
            active = active_warnings(
                sig, self.config.sound_family, measurements, raw, self.counters
            )
            _, ended = tracker.update(t, active)
        for episode in ended:
            out.append(self._event(episode))

    def _measurements(self, sig: dict[str, float | int]) -> dict[str, float | int | None]:
        headway: float | None = None
        if sig["HeadwayValid"]:
            headway = float(sig["HeadwayMeasurement"])
            if headway > 9.9:
                self.counters["can_out_of_range"] += 1
                headway = None
        return {
            "speed_mps": self.speed_mps,
            "headway_s": headway,
            "ttc_s": self._ttc(),
            "speed_limit_kmh": self.speed_limit_kmh,
            "lateral_left_m": self._lateral("left"),
            "lateral_right_m": self._lateral("right"),
        }

    def _event(self, episode: Episode) -> AdasEvent:
        return episode_event(episode, self.config.vehicle_id, EventSource.MOBILEYE)

    def _ttc(self) -> float | None:
        slot = self._cipv
        if slot is None:
            return None
        data = self._obstacle_a[slot]
        if data is None:
            return None
        sig = self.signals.decode(OBSTACLE_BASE_ID + 3 * slot, data)
        pos_x, vel_x = float(sig["PosX"]), float(sig["VelX"])
        if pos_x > 250.0:
            self.counters["can_out_of_range"] += 1
            return None
        if vel_x >= -CLOSING_MPS:
            return None
        return min(MAX_TTC_S, pos_x / -vel_x)

    def _lateral(self, side: str) -> float | None:
        data = self._lane_a.get(side)
        if data is None:
            return None
        frame_id = 0x766 if side == "left" else 0x768
        sig = self.signals.decode(frame_id, data)
        if not sig["Quality"]:
            return None
        c0 = float(sig["C0"])
        offset = c0 if side == "left" else -c0
        return offset - self.config.vehicle_half_width_m

    # -- car, obstacles -------------------------------------------------------------------------

    def _car_info(self, t: float, msg: can.Message, arg: int, out: list[AnyRecord]) -> None:
        sig = self.signals.decode(CAR_INFO_ID, msg.data)
        self.speed_mps = float(sig["Speed"]) / 3.6 if sig["SpeedAvailable"] else None

    def _obstacle_status(self, t: float, msg: can.Message, arg: int, out: list[AnyRecord]) -> None:
        sig = self.signals.decode(OBSTACLE_STATUS_ID, msg.data)
        status = self._status
        self.health.obstacle_failsafe(t, bool(sig["Failsafe"]), status)
        if status:
            out.extend(status)
            status.clear()
        if not sig["NumObstacles"]:
            self._cipv = None

    def _obstacle_a_frame(
        self, t: float, msg: can.Message, slot: int, out: list[AnyRecord]
    ) -> None:
        self._obstacle_a[slot] = msg.data

    def _obstacle_b_frame(
        self, t: float, msg: can.Message, slot: int, out: list[AnyRecord]
    ) -> None:
        sig = self.signals.decode(msg.arbitration_id, msg.data)
        if sig["CIPV"]:
            self._cipv = slot
        elif self._cipv == slot:
            self._cipv = None

    def _ignore(self, t: float, msg: can.Message, arg: int, out: list[AnyRecord]) -> None:
        """Frames checked but not needed for any record (own lane, obstacle C, lane B)."""

    # -- signs, lanes ---------------------------------------------------------------------------

    def _sign_code(self, msg: can.Message) -> tuple[str, float | None] | None:
        sig = self.signals.decode(msg.arbitration_id, msg.data)
        code = int(sig["SignType"])
        if code == SIGN_NONE:
            return None
        sign = SIGN_CODES.get(code)
        if sign is None:
            self.counters["can_unknown_sign"] += 1
        return sign

    def _sign(self, t: float, msg: can.Message, arg: int, out: list[AnyRecord]) -> None:
        sign = self._sign_code(msg)
        if sign is None:
            return
        last = self._sign_seen.get(sign)
        self._sign_seen[sign] = t
        if last is None or t - last > self.config.sign_repeat_s:
            out.append(
                SignSighting(
                    vehicle_id=self.config.vehicle_id,
                    time=utc(t),
                    sign_type=sign[0],
                    value=sign[1],
                )
            )

    def _sign_display(self, t: float, msg: can.Message, arg: int, out: list[AnyRecord]) -> None:
        sign = self._sign_code(msg)
        if sign is None:
            return
        if sign[0] == "speed_limit":
            self.speed_limit_kmh = sign[1]
        elif sign[0] in ("end_of_limit", "end_of_all_restrictions"):
            self.speed_limit_kmh = None

    def _lane_a_frame(
        self, t: float, msg: can.Message, frame_id: int, out: list[AnyRecord]
    ) -> None:
        side = LANE_IDS[frame_id]
        self._lane_a[side] = msg.data
        last = self._lane_emitted.get(side)
        if last is not None and t - last < self.config.lane_sample_every_s:
            return
        sig = self.signals.decode(frame_id, msg.data)
        self._lane_emitted[side] = t
        code = int(sig["LaneType"])
        marking: Marking
        if code < len(LANE_TYPES):
            marking = LANE_TYPES[code]
        else:
            self.counters["can_unknown_lane_type"] += 1
            marking = "unknown"
        out.append(
            LaneSample(
                vehicle_id=self.config.vehicle_id,
                time=utc(t),
                side="left" if side == "left" else "right",
                marking_type=marking,
                quality=int(sig["Quality"]),
                lateral_m=float(sig["C0"]),
            )
        )
