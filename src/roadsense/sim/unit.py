"""The ADAS unit of one simulated taxi: what it sees, warns and puts on the wire.

Every SUMO step (0.5 s) the unit is given the taxi's own speed and acceleration, the
lane's speed limit and its leader (gap, speeds, the leader's acceleration). The software
warning engine (:class:`~roadsense.edge.adas.WarningEngine`, the gateway's own) decides
the warnings, and the unit writes what a Mobileye 8 Connect would send (sound family
``me8``) to a candump log, and its accelerometer to an IMU CSV:

- 0x700 warnings and headway: every step, 2 Hz;
- 0x760 car info (speed, brake): when the speed (km/h) or the brake changes, and at least
  once a second;
- 0x738 obstacle status and 0x739/0x73A/0x73B the lead (the CIPV): when a new vehicle
  leads within 100 m, every step while a forward warning (FCW, UFCW, HMW) is shown, and
  every 5 s otherwise; 0x738 with no obstacles when the lead goes;
- 0x720 speed-limit sign and 0x727 the sign shown: when the lane's limit changes;
- IMU ``time,ax,ay,az``: every step while the acceleration is 1 m/s2 or more and for 1 s
  after (a motion-triggered logger: every harsh manoeuvre and the quiet samples that end it
  are on it); no lateral or vertical motion is simulated.

A real unit sends every 66-100 ms, all of it every time. 2 Hz is SUMO's step; with
frames that repeat sent only on change, a 100-taxi, 2-hour demo stays within its time
budget (tens of millions of frames otherwise, each simulated, written and decoded in
Python), while every warning still reaches the wire at the step it begins, with the
lead's frames just before it. Within a step the frames come in the order
obstacles, signs, car info, warnings, so the 0x700 that shows a warning comes last, at
the step's own time, with its measurements already on the bus.

A warning is displayed (its 0x700 bits set) while its engine episode is open: from onset
until the engine has seen it silent for ``episode_merge_gap_s``. What the unit displayed
is read back with the gateway's own rules
(:func:`~roadsense.edge.decoding.warnings_700.active_warnings`, episodes merged as the
gateway merges them), so the ground truth lists exactly the warnings a gateway decodes from
the log, with the same event ids; the IMU's harsh braking and acceleration likewise come
from the gateway's :class:`~roadsense.edge.decoding.imu.ImuDetector`.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from roadsense.edge.adas import AdasConfig, Ego, Frame, ObjectType, TrackedObject, WarningEngine
from roadsense.edge.adas.config import FcwConfig, PcwConfig, UfcwConfig
from roadsense.edge.adas.episodes import Episode, EpisodeTracker, Observation
from roadsense.edge.decoding.config import EdgeConfig, SoundFamily
from roadsense.edge.decoding.event_building import event_id
from roadsense.edge.decoding.imu import ImuDetector, ImuSample
from roadsense.edge.decoding.signals import load_dbc
from roadsense.edge.decoding.warnings_700 import active_warnings
from roadsense.schema import EventSource, EventType
from roadsense.sim.can_encoder import FrameEncoder

E = EventType
UNIT_ADAS = AdasConfig(
    fcw=FcwConfig(persist_s=0.0), ufcw=UfcwConfig(persist_s=0.0), pcw=PcwConfig(persist_s=0.0)
)
"""The engine's defaults, less the persistence shorter than a step (FCW 0.1 s, UFCW and PCW
0.2 s): at 2 Hz it would hold back every collision warning by a whole step (0.5 s), which
a unit that sees 15 frames a second does not."""
GRAVITY_MPS2 = 9.807
"""Vertical acceleration the IMU reads on a flat road, as written (3 decimals)."""
SOUND_FAMILY: SoundFamily = "me8"
FORWARD = frozenset({E.FCW, E.UFCW, E.HMW, E.PCW})
"""Warnings whose measurements come from the lead obstacle."""
OBSTACLE_EVERY_S = 5.0
"""The lead's frames are refreshed this often when nothing else calls for them."""
IMU_RECORD_MPS2 = 1.0
"""The IMU logs while the acceleration is at least this (below every harsh threshold) ..."""
IMU_HOLD_S = 1.0
"""... and for this long after, so that the gateway sees each harsh episode end."""
CAR_INFO_EVERY_S = 1.0
"""0x760 goes out when the speed (km/h) or the brake changes, and at least this often."""
DisplayKey = tuple[tuple[tuple[EventType, int], ...], int, bool]
BRAKE_LIGHTS_MPS2 = -0.5
"""Deceleration beyond which the brake lights are on (the lead's, and the taxi's own)."""


@dataclass(frozen=True, slots=True)
class Lead:
    """The vehicle ahead in the taxi's lane, as SUMO knows it."""

    object_id: int
    """1-255, stable while the same vehicle leads."""
    gap_m: float
    """From the taxi's front bumper to the lead's rear."""
    speed_mps: float
    accel_mps2: float


@dataclass(frozen=True)
class UnitWarning:
    """One warning the gateway will report, as the ground truth lists it."""

    event_id: uuid.UUID
    type: EventType
    source: EventSource
    """``mobileye`` (shown on 0x700) or ``imu``."""
    onset_t: float
    """Epoch seconds of its first frame or sample."""
    level: int


def display_signals(levels: dict[EventType, int], headway_s: float | None) -> dict[str, float]:
    """The 0x700 signals (``me8``) that display these warnings and this headway."""
    sig: dict[str, float] = {"TSREnabled": 1}
    if headway_s is not None:
        sig["HeadwayValid"] = 1
        sig["HeadwayMeasurement"] = min(9.9, round(headway_s, 1))
    sound = 0
    if E.SPEEDING in levels:
        sig["TSRWarningLevel"] = 1
    hmw = levels.get(E.HMW)
    if hmw is not None:
        sig["HeadwayWarningLevel"] = min(3, hmw + 1)
        if hmw >= 2:
            sound = 3
    if E.LDW_LEFT in levels:
        sig["LeftLDW"] = 1
        sound = 1
    if E.LDW_RIGHT in levels:
        sig["RightLDW"] = 1
        sound = 2
    if E.UFCW in levels:
        sig["FCWOn"] = 1
        sound = 5
    if E.FCW in levels:
        sig["FCWOn"] = 1
        sound = 6
    if E.PCW in levels:
        sig["PedsFCW"] = 1
        sound = 6
    if sound:
        sig["SoundType"] = sound
    return sig


class SimulatedUnit:
    """One taxi's ADAS unit, writing its CAN and IMU logs as the simulation runs."""

    def __init__(
        self,
        vehicle_id: str,
        can_log: Path,
        imu_log: Path,
        epoch0: float,
        encoder: FrameEncoder,
    ) -> None:
        self.vehicle_id = vehicle_id
        self.epoch0 = epoch0
        self.engine = WarningEngine(UNIT_ADAS)
        self.warnings: list[UnitWarning] = []
        self._enc = encoder
        self._can: TextIO = can_log.open("w", encoding="ascii")
        self._imu: TextIO = imu_log.open("w", encoding="ascii")
        self._imu.write("time,ax,ay,az\n")
        gateway = EdgeConfig(vehicle_id=vehicle_id, sound_family=SOUND_FAMILY)
        self._display = EpisodeTracker(gateway.merge_gap_s, max_raw=0)
        self._imu_detector = ImuDetector(gateway, Counter())
        self._display_tails: dict[DisplayKey, tuple[dict[EventType, Observation], str]] = {}
        """(warnings shown, headway in 0.1 s, zero speed) -> (what a gateway reads, frame)"""
        self._car_tails: dict[tuple[int, bool], str] = {}
        self._car: tuple[int, bool] | None = None
        self._car_t = float("-inf")
        self._imu_until = float("-inf")
        self._levels: dict[EventType, int] = {}
        self._zeros = {s.name: 0 for s in load_dbc().get_message_by_frame_id(0x700).signals}
        self._counters: Counter[str] = Counter()
        self._limit_kmh: float | None = None
        self._lead_id: int | None = None
        self._lead_age = 0
        self._last_obstacles = float("-inf")
        self._steps = 0

    def step(
        self, t_s: float, speed: float, accel: float, limit_mps: float, lead: Lead | None
    ) -> None:
        """One SUMO step at ``t_s`` seconds of simulation time."""
        t = self.epoch0 + t_s
        self._steps += 1
        limit_kmh = _sign_kmh(limit_mps)
        objects: tuple[TrackedObject, ...] = ()
        if lead is not None:
            objects = (
                TrackedObject(
                    lead.object_id,
                    ObjectType.VEHICLE,
                    lead.gap_m,
                    0.0,
                    lead.speed_mps - speed,
                    lead.accel_mps2,
                ),
            )
        engine = self.engine
        levels = self._levels
        headway: float | None = None
        if speed > 0.0 or levels:  # standing with nothing shown, no warning can begin
            engine.step(Frame(t, Ego(speed, accel), objects, speed_limit_kmh=limit_kmh))
            engine.finished()  # the episodes that matter are the displayed ones below
            levels = self._levels = engine.levels
            headway = engine.headway_s
        lines: list[str] = []
        self._obstacles(
            t, speed, lead, bool(levels) and not levels.keys().isdisjoint(FORWARD), lines
        )
        if limit_kmh is not None and limit_kmh != self._limit_kmh:
            self._limit_kmh = limit_kmh
            code = int(limit_kmh) // 10 - 1
            self._frame(t - 0.0015, 0x720, lines, SignType=code, PosX=30.0, PosY=-3.5, PosZ=2.0)
            self._frame(t - 0.0012, 0x727, lines, SignType=code)
        kmh = round(speed * 3.6)
        car = (kmh, accel <= BRAKE_LIGHTS_MPS2)
        if car != self._car or t - self._car_t >= CAR_INFO_EVERY_S - 1e-6:
            self._car, self._car_t = car, t
            tail = self._car_tails.get(car)
            if tail is None:
                data = self._enc.encode(
                    0x760, Brakes=int(car[1]), BrakesAvailable=1, SpeedAvailable=1, Speed=kmh
                )
                tail = self._car_tails[car] = _tail(0x760, data)
            lines.append(f"({t - 0.001:.6f}){tail}")
        key = (
            tuple(sorted(levels.items())) if levels else (),
            -1 if headway is None else min(99, round(headway * 10)),
            kmh == 0,
        )
        shown_tail = self._display_tails.get(key)
        if shown_tail is None:
            signals = display_signals(levels, None if headway is None else key[1] / 10)
            if key[2]:
                signals["ZeroSpeed"] = 1
            full: dict[str, float | int] = {**self._zeros, **signals}
            shown = active_warnings(full, SOUND_FAMILY, {}, None, self._counters)
            shown_tail = (shown, _tail(0x700, self._enc.encode(0x700, **signals)))
            if len(self._display_tails) < 10_000:
                self._display_tails[key] = shown_tail
        lines.append(f"({t:.6f}){shown_tail[1]}")
        self._can.write("".join(lines))
        if shown_tail[0] or self._display.open_types:
            _, ended = self._display.update(t, shown_tail[0])
            self._keep(ended, EventSource.MOBILEYE)
        self._imu_sample(t, accel)

    def close(self) -> list[UnitWarning]:
        """End of the run: close the logs; every warning, by onset."""
        self._keep(self._display.close(), EventSource.MOBILEYE)
        for event in self._imu_detector.close():
            self.warnings.append(
                UnitWarning(
                    event.event_id,
                    event.type,
                    EventSource.IMU,
                    event.time.timestamp(),
                    event.level,
                )
            )
        self._can.close()
        self._imu.close()
        self.warnings.sort(key=lambda w: (w.onset_t, w.type.value))
        return self.warnings

    # -- frames ---------------------------------------------------------------------------------

    def _frame(self, t: float, frame_id: int, lines: list[str], **signals: float) -> None:
        lines.append(f"({t:.6f}){_tail(frame_id, self._enc.encode(frame_id, **signals))}")

    def _obstacles(
        self, t: float, speed: float, lead: Lead | None, forward: bool, lines: list[str]
    ) -> None:
        if lead is None:
            if self._lead_id is not None:
                self._lead_id = None
                self._frame(t - 0.005, 0x738, lines, NumObstacles=0, Timestamp=self._steps % 256)
            return
        if lead.object_id != self._lead_id:
            self._lead_id = lead.object_id
            self._lead_age = 0
            self._last_obstacles = float("-inf")
        self._lead_age += 1
        if not forward and t - self._last_obstacles < OBSTACLE_EVERY_S - 1e-6:
            return
        self._last_obstacles = t
        self._frame(t - 0.005, 0x738, lines, NumObstacles=1, Timestamp=self._steps % 256)
        self._frame(
            t - 0.004,
            0x739,
            lines,
            ObstacleId=lead.object_id,
            PosX=lead.gap_m,
            VelX=lead.speed_mps - speed,
            Status=3 if lead.speed_mps > 0.1 else 2,
            BrakeLights=int(lead.accel_mps2 <= BRAKE_LIGHTS_MPS2),
            Valid=2,
        )
        self._frame(
            t - 0.003,
            0x73A,
            lines,
            Length=4.5,
            Width=1.8,
            Age=min(255, self._lead_age),
            Lane=1,
            CIPV=1,
        )
        self._frame(t - 0.002, 0x73B, lines, Accel=lead.accel_mps2)

    # -- what the gateway will report -----------------------------------------------------------

    def _keep(self, episodes: list[Episode], source: EventSource) -> None:
        for ep in episodes:
            self.warnings.append(
                UnitWarning(
                    event_id(self.vehicle_id, ep.type, ep.start_t),
                    ep.type,
                    source,
                    ep.start_t,
                    min(3, max(0, ep.peak_level)),
                )
            )

    def _imu_sample(self, t: float, accel: float) -> None:
        if accel >= IMU_RECORD_MPS2 or accel <= -IMU_RECORD_MPS2:
            self._imu_until = t + IMU_HOLD_S
        elif t > self._imu_until + 1e-6:
            return
        line = f"{t:.3f},{accel:.3f},0.000,{GRAVITY_MPS2:.3f}\n"
        self._imu.write(line)
        sample = ImuSample(round(t, 3), round(accel, 3), 0.0, GRAVITY_MPS2)
        for event in self._imu_detector.feed(sample):
            self.warnings.append(
                UnitWarning(
                    event.event_id, event.type, EventSource.IMU, event.time.timestamp(), event.level
                )
            )


def _tail(frame_id: int, data: bytes) -> str:
    """A candump ``-L`` line after its time: `` can0 700#0011...``."""
    return f" can0 {frame_id:03X}#{data.hex().upper()}\n"


def _sign_kmh(limit_mps: float) -> float | None:
    """The speed-limit sign (10-140 km/h in steps of 10) a lane's limit is signed with."""
    kmh = round(limit_mps * 3.6 / 10.0) * 10
    return float(kmh) if 10 <= kmh <= 140 else None
