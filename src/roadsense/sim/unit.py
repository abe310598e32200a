"""The ADAS unit of one simulated taxi: what it sees, warns and puts on the wire.

Every SUMO step (0.5 s) the unit is given the taxi's own speed and acceleration, the
lane's speed limit and its leader (gap, speeds, the leader's acceleration). Its own rules
(:mod:`roadsense.sim.unit_rules`) decide the warnings, and the unit writes what a
Mobileye 8 Connect would send (sound family ``me8``) to a candump log, and its
accelerometer to an IMU CSV:

- 0x700 warnings and headway: every step, 2 Hz;
- 0x760 car info (speed, brake, turn signals): when the speed (km/h), the brake or a turn
  signal changes, and at least once a second;
- 0x738 obstacle status and 0x739/0x73A/0x73B the lead (the CIPV): when a new vehicle
  leads within 100 m, every step while a forward warning (FCW, UFCW, HMW) is shown, and
  every 5 s otherwise; 0x738 with no obstacles when the lead goes;
- 0x720 speed-limit sign and 0x727 the sign shown: when the lane's limit changes;
- 0x766/0x767 (left) and 0x768/0x769 (right) lane markings (type, quality, the offset
  ``C0`` from the camera to the marking, the heading ``C1``): when a side's marking quality
  changes (not inside a junction, where there is none), every 60 s while the taxi moves,
  and every step while a lane departure is shown;
- IMU ``time,ax,ay,az``: every step while the acceleration is 1 m/s2 or more and for 1 s
  after (a motion-triggered logger: every harsh manoeuvre and the quiet samples that end it
  are on it); no lateral motion is simulated; a pothole hit (given by the traffic,
  :mod:`roadsense.sim.road_assets`) writes a burst of four samples 20 ms apart just before
  the step: level, the drop (0.3 of the jolt), the jolt, level; and the logger then runs
  for 1 s, as after any motion (so the gateway sees the jolt end).

Planted faults (:mod:`roadsense.sim.faults`): with ``failsafe`` the 0x700 frames carry the
``Failsafe`` bit and the unit sees nothing (no warning, sign or obstacle); with ``tamper``
they carry ``TamperAlert``; with ``adas_silent`` no frame goes out (the IMU goes on).

A real unit sends every 66-100 ms, all of it every time. 2 Hz is SUMO's step; with
frames that repeat sent only on change, a 100-taxi, 2-hour demo stays within its time
budget (tens of millions of frames otherwise, each simulated, written and decoded in
Python), while every warning still reaches the wire at the step it begins, with the
lead's frames just before it. Within a step the frames come in the order obstacles, signs,
car info, lane markings, warnings, so the 0x700 that shows a warning comes last, at the
step's own time, with its measurements already on the bus.

What the unit shows is decided by the simulation's own rules
(:class:`~roadsense.sim.unit_rules.UnitDisplay`), and its IMU's harsh manoeuvres likewise
(:class:`~roadsense.sim.unit_rules.HarshManoeuvres`): those are the ground truth. The
gateway's rules are not used here; the gateway meets these logs only when it decodes them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Final, TextIO

from roadsense.schema import EventSource, EventType
from roadsense.sim.can_encoder import FrameEncoder
from roadsense.sim.faults import FaultKind
from roadsense.sim.pedestrian_rule import PedestrianWatch, RoadUser
from roadsense.sim.unit_rules import (
    FORWARD,
    LDW,
    HarshManoeuvres,
    LaneView,
    Lead,
    UnitDisplay,
    UnitRules,
    UnitWarning,
    truth_id,
)

__all__ = ["Lead", "RoadUser", "SimulatedUnit", "UnitWarning", "display_signals"]

E = EventType
GRAVITY_MPS2 = 9.807
"""Vertical acceleration the IMU reads on a flat road, as written (3 decimals)."""
SOUND_FAMILY: Final = "me8"
"""The 0x700 sound types the unit uses (Mobileye 8 Connect)."""
OBSTACLE_EVERY_S = 5.0
"""The lead's frames are refreshed this often when nothing else calls for them."""
IMU_RECORD_MPS2 = 1.0
"""The IMU logs while the acceleration is at least this (below every harsh threshold) ..."""
IMU_HOLD_S = 1.0
"""... and for this long after, so that the gateway sees each harsh episode end."""
CAR_INFO_EVERY_S = 1.0
"""0x760 goes out when the speed (km/h) or the brake changes, and at least this often."""
DisplayKey = tuple[tuple[tuple[EventType, int], ...], int, bool, bool, bool]
"""(warnings shown with their levels, headway in 0.1 s, zero speed, failsafe, tamper)"""
FaultWindow = tuple[FaultKind, float, float]
"""A planted fault of the unit on its day: (kind, from, until) in seconds of the day."""
JOLT_BURST_S = (0.08, 0.06, 0.04, 0.02)
"""A pothole hit's four IMU samples, this long before the step's own time."""
BRAKE_LIGHTS_MPS2 = -0.5
"""Deceleration beyond which the brake lights are on (the lead's, and the taxi's own)."""
MAX_PEOPLE = 2
"""Pedestrians and cyclists on the wire at most, the nearest ahead (after the lead)."""
PATH_HALF_WIDTH_M = 1.6
"""A person this close to the centre line is in the taxi's lane (0x73A ``Lane`` 1)."""
LANE_EVERY_S = 60.0
"""The lane-marking frames are refreshed this often while the taxi moves, when nothing else
calls for them. A real unit sends them at 10-15 Hz; the gateway makes one LaneSample per
side of each, and the platform stores every sample and places it on the road: sent every
5 s and at every change of marking type they were half as many as the GPS fixes and made
the demo's ingest and matching several times slower."""
LANE_MOVING_MPS = 1.0
LANE_TYPE_CODE: Final = {"dashed": 0, "solid": 1, "none": 2, "road_edge": 3}
"""0x766/0x768 ``LaneType`` (bits 0-3: dashed, solid, none, road edge, ...)."""
MARKING_WIDTH_M = 0.12
VIEW_RANGE_M = 40.0
"""How far ahead the camera sees a marking (0x767/0x769), when it sees one at all."""
CarKey = tuple[int, bool, str | None]
"""(speed km/h, brake, turn signal) of a 0x760 frame."""


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
        if E.UFCW not in levels:  # one sound: an urban FCW keeps its own (5)
            sound = 6
    if sound:
        sig["SoundType"] = sound
    return sig


IMU_HEADER = "time,ax,ay,az\n"
"""The first line of every IMU log."""


class SimulatedUnit:
    """One taxi's ADAS unit, writing its CAN and IMU logs as the simulation runs."""

    def __init__(
        self,
        vehicle_id: str,
        can_log: Path,
        imu_log: Path,
        epoch0: float,
        encoder: FrameEncoder,
        rules: UnitRules | None = None,
        faults: Sequence[FaultWindow] = (),
    ) -> None:
        """``faults``: the unit's planted faults on this day (:mod:`roadsense.sim.faults`)."""
        self.vehicle_id = vehicle_id
        self.epoch0 = epoch0
        self._faults = tuple(faults)
        rules = rules or UnitRules()
        self.display = UnitDisplay(vehicle_id, rules)
        self.harsh = HarshManoeuvres(vehicle_id, rules)
        self._enc = encoder
        self._can: TextIO = can_log.open("a", encoding="ascii")
        self._imu: TextIO = imu_log.open("a", encoding="ascii")
        if self._imu.tell() == 0:
            self._imu.write(IMU_HEADER)
        self._display_tails: dict[DisplayKey, str] = {}
        self._car_tails: dict[CarKey, str] = {}
        self._car: CarKey | None = None
        self._lane_seen: tuple[int, int] | None = None
        self._lane_t = float("-inf")
        self._car_t = float("-inf")
        self._imu_until = float("-inf")
        self._limit_kmh: float | None = None
        self._lead_id: int | None = None
        self._lead_age = 0
        self._last_obstacles = float("-inf")
        self._steps = 0
        self._fault_warnings: list[UnitWarning] = []
        self._fault_shown: set[EventType] = set()
        self.pedestrians = PedestrianWatch()
        self._people_age: dict[int, int] = {}

    def step(
        self,
        t_s: float,
        speed: float,
        accel: float,
        limit_mps: float,
        lead: Lead | None,
        jolt_mps2: float = 0.0,
        *,
        people: Sequence[RoadUser] = (),
        lane: LaneView | None = None,
    ) -> None:
        """One SUMO step at ``t_s`` seconds after ``epoch0``; ``limit_mps``: the limit signed
        where the taxi is; ``jolt_mps2``: a pothole hit in this step (beyond gravity);
        ``people``: the pedestrians and cyclists around the taxi; ``lane``: the taxi in its
        lane (None: no lateral place known, as while teleporting)."""
        t = self.epoch0 + t_s
        self._steps += 1
        failsafe = silent = False
        if self._faults:
            failsafe = self._fault_on("failsafe", t_s)
            silent = self._fault_on("adas_silent", t_s)
        blind = failsafe or silent
        limit_kmh = None if blind else _sign_kmh(limit_mps)
        if blind:
            people = ()
        pcw = bool(people or self.pedestrians.tracking) and (
            self.pedestrians.danger(t, speed, accel, people) is not None
        )
        seen = None if blind else lane
        levels, headway = self.display.step(
            t, speed, accel, limit_kmh, None if blind else lead, pcw=pcw, lane=seen
        )
        if jolt_mps2 > 0.0:
            self._jolt(t, accel, jolt_mps2)
        if not silent:
            self._frames(
                t,
                speed,
                accel,
                limit_kmh,
                None if blind else lead,
                levels,
                headway,
                failsafe,
                people=people,
                lane=lane,
            )
        self._imu_sample(t, accel)

    def _fault_on(self, kind: FaultKind, t_s: float) -> bool:
        return any(k == kind and a <= t_s < b for k, a, b in self._faults)

    def _fault_state(self, t: float, kind: EventType, on: bool) -> None:
        """The unit reports its failsafe or tamper state (level 0) from its first frame."""
        if on and kind not in self._fault_shown:
            self._fault_shown.add(kind)
            self._fault_warnings.append(
                UnitWarning(truth_id(self.vehicle_id, kind, t), kind, EventSource.MOBILEYE, t, 0)
            )
        elif not on:
            self._fault_shown.discard(kind)

    def _frames(
        self,
        t: float,
        speed: float,
        accel: float,
        limit_kmh: float | None,
        lead: Lead | None,
        levels: dict[EventType, int],
        headway: float | None,
        failsafe: bool,
        *,
        people: Sequence[RoadUser] = (),
        lane: LaneView | None = None,
    ) -> None:
        """The step's CAN frames, written to the log."""
        tamper = bool(self._faults) and self._fault_on("tamper", t - self.epoch0)
        if self._faults:
            self._fault_state(t, E.FAILSAFE, failsafe)
            self._fault_state(t, E.TAMPER, tamper)
        lines: list[str] = []
        forward = bool(levels) and not levels.keys().isdisjoint(FORWARD)
        shown = sorted((u for u in people if u.is_obstacle), key=lambda u: u.x_m)[:MAX_PEOPLE]
        if shown or self._people_age:
            self._obstacles_with_people(t, speed, lead, shown, lines)
        else:
            self._obstacles(t, speed, lead, forward, lines)
        if limit_kmh is not None and limit_kmh != self._limit_kmh:
            self._limit_kmh = limit_kmh
            code = int(limit_kmh) // 10 - 1
            self._frame(t - 0.0015, 0x720, lines, SignType=code, PosX=30.0, PosY=-3.5, PosZ=2.0)
            self._frame(t - 0.0012, 0x727, lines, SignType=code)
        kmh = round(speed * 3.6)
        car = (kmh, accel <= BRAKE_LIGHTS_MPS2, None if lane is None else lane.turn_signal)
        if car != self._car or t - self._car_t >= CAR_INFO_EVERY_S - 1e-6:
            self._car, self._car_t = car, t
            tail = self._car_tails.get(car)
            if tail is None:
                data = self._enc.encode(
                    0x760,
                    Brakes=int(car[1]),
                    LeftSignal=int(car[2] == "left"),
                    RightSignal=int(car[2] == "right"),
                    BrakesAvailable=1,
                    LeftSignalAvailable=1,
                    RightSignalAvailable=1,
                    SpeedAvailable=1,
                    Speed=kmh,
                )
                tail = self._car_tails[car] = _tail(0x760, data)
            lines.append(f"({t - 0.001:.6f}){tail}")
        if lane is not None and not failsafe:
            self._lanes(t, speed, lane, bool(levels) and not levels.keys().isdisjoint(LDW), lines)
        key = (
            tuple(sorted(levels.items())) if levels else (),
            -1 if headway is None else min(99, round(headway * 10)),
            kmh == 0,
            failsafe,
            tamper,
        )
        shown_tail = self._display_tails.get(key)
        if shown_tail is None:
            signals = display_signals(levels, None if headway is None else key[1] / 10)
            if key[2]:
                signals["ZeroSpeed"] = 1
            if failsafe:
                signals["Failsafe"] = 1
            if tamper:
                signals["TamperAlert"] = 1
            shown_tail = _tail(0x700, self._enc.encode(0x700, **signals))
            if len(self._display_tails) < 10_000:
                self._display_tails[key] = shown_tail
        lines.append(f"({t:.6f}){shown_tail}")
        self._can.write("".join(lines))

    def close(self) -> list[UnitWarning]:
        """End of the run (or of one simulated day): close the logs; every warning so far,
        by onset."""
        warnings = [*self.display.warnings, *self._fault_warnings, *self.harsh.close()]
        self._can.close()
        self._imu.close()
        warnings.sort(key=lambda w: (w.onset_t, w.type.value))
        return warnings

    # -- frames ---------------------------------------------------------------------------------

    def _frame(self, t: float, frame_id: int, lines: list[str], **signals: float) -> None:
        lines.append(f"({t:.6f}){_tail(frame_id, self._enc.encode(frame_id, **signals))}")

    def _lanes(
        self, t: float, speed: float, lane: LaneView, departing: bool, lines: list[str]
    ) -> None:
        """Both sides' marking frames, when due (``C0``: camera to marking, left positive)."""
        seen = (lane.left.quality, lane.right.quality)
        if not departing:
            if lane.left.type == "none" and lane.right.type == "none":
                return  # inside a junction: the last markings stand until the next
            if seen == self._lane_seen and (
                speed < LANE_MOVING_MPS or t - self._lane_t < LANE_EVERY_S - 1e-6
            ):
                return
        self._lane_seen, self._lane_t = seen, t
        heading = math.atan2(lane.rate_mps, speed) if speed > 0.1 else 0.0
        half = 0.5 * lane.width_m
        for k, (ids, marking, c0) in enumerate(
            (
                ((0x766, 0x767), lane.left, half - lane.offset_m),
                ((0x768, 0x769), lane.right, -half - lane.offset_m),
            )
        ):
            visible = marking.quality > 0
            at = t - 0.0009 + 0.0002 * k
            self._frame(
                at,
                ids[0],
                lines,
                LaneType=LANE_TYPE_CODE[marking.type],
                Quality=marking.quality,
                ModelDegree=1,
                C0=round(c0, 3),
                MarkingWidth=MARKING_WIDTH_M if visible else 0.0,
            )
            self._frame(
                at + 0.0001,
                ids[1],
                lines,
                C1=round(-heading, 4),
                ViewRange=VIEW_RANGE_M if visible else 0.0,
                ViewRangeAvailable=int(visible),
            )

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
        self._lead_frames((t - 0.004, t - 0.003, t - 0.002), speed, lead, True, lines)

    def _lead_frames(
        self,
        at: tuple[float, float, float],
        speed: float,
        lead: Lead,
        cipv: bool,
        lines: list[str],
    ) -> None:
        """The lead's three frames in slot 0 (0x739, 0x73A, 0x73B), at the times ``at``."""
        self._frame(
            at[0],
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
            at[1],
            0x73A,
            lines,
            Length=4.5,
            Width=1.8,
            Age=min(255, self._lead_age),
            Lane=1,
            CIPV=int(cipv),
        )
        self._frame(at[2], 0x73B, lines, Accel=lead.accel_mps2)

    def _obstacles_with_people(
        self,
        t: float,
        speed: float,
        lead: Lead | None,
        shown: Sequence[RoadUser],
        lines: list[str],
    ) -> None:
        """Every obstacle, every step while pedestrians or cyclists are ahead (``shown``,
        nearest first) and once after: the lead in slot 0, then the people; CIPV the
        nearest in the lane."""
        self._people_age = {u.object_id: self._people_age.get(u.object_id, 0) + 1 for u in shown}
        if lead is not None and lead.object_id != self._lead_id:
            self._lead_id, self._lead_age = lead.object_id, 0
        if lead is not None:
            self._lead_age += 1
        elif not shown:
            self._lead_id = None
            self._frame(t - 0.005, 0x738, lines, NumObstacles=0, Timestamp=self._steps % 256)
            return
        self._last_obstacles = t
        in_lane = [u for u in shown if abs(u.y_m) <= PATH_HALF_WIDTH_M]
        cipv_person = None
        if in_lane and (lead is None or in_lane[0].x_m < lead.gap_m):
            cipv_person = in_lane[0].object_id
        when = t - 0.0095
        step = 0.0007
        self._frame(
            when,
            0x738,
            lines,
            NumObstacles=len(shown) + (lead is not None),
            Timestamp=self._steps % 256,
        )
        slot = 0
        if lead is not None:
            at = (when + step, when + 2 * step, when + 3 * step)
            self._lead_frames(at, speed, lead, cipv_person is None, lines)
            when = at[2]
            slot = 1
        for u in shown:
            base = 0x739 + 3 * slot
            slot += 1
            age = self._people_age[u.object_id]
            moving = abs(u.vx_mps) + abs(u.vy_mps) > 0.1
            when += step
            self._frame(
                when,
                base,
                lines,
                ObstacleId=u.object_id,
                PosX=u.x_m,
                PosY=u.y_m,
                VelX=u.vx_mps - speed,
                Type=u.kind,
                Status=3 if moving else 1,
                Valid=1 if age == 1 else 2,
            )
            when += step
            self._frame(
                when,
                base + 1,
                lines,
                Length=0.5,
                Width=0.6,
                Age=min(255, age),
                Lane=1 if abs(u.y_m) <= PATH_HALF_WIDTH_M else 2,
                CIPV=int(u.object_id == cipv_person),
            )
            when += step
            self._frame(when, base + 2, lines, Accel=0.0)

    def _jolt(self, t: float, accel: float, jolt: float) -> None:
        """A pothole hit: four samples just before ``t`` (the IMU triggers on the jolt)."""
        ax = round(accel, 3)
        level = GRAVITY_MPS2
        peak = round(level + jolt, 3)
        for before, az in zip(
            JOLT_BURST_S, (level, round(level - 0.3 * jolt, 3), peak, level), strict=True
        ):
            ts = round(t - before, 3)
            self._imu.write(f"{ts:.3f},{ax:.3f},0.000,{az:.3f}\n")
            self.harsh.sample(ts, ax)
        self.harsh.jolt(round(t - JOLT_BURST_S[2], 3), round(peak - level, 3))
        self._imu_until = max(self._imu_until, t + IMU_HOLD_S)  # the jolt triggers the logger

    def _imu_sample(self, t: float, accel: float) -> None:
        if accel >= IMU_RECORD_MPS2 or accel <= -IMU_RECORD_MPS2:
            self._imu_until = t + IMU_HOLD_S
        elif t > self._imu_until + 1e-6:
            return
        ax = round(accel, 3)
        self._imu.write(f"{t:.3f},{ax:.3f},0.000,{GRAVITY_MPS2:.3f}\n")
        self.harsh.sample(round(t, 3), ax)


def _tail(frame_id: int, data: bytes) -> str:
    """A candump ``-L`` line after its time: `` can0 700#0011...``."""
    return f" can0 {frame_id:03X}#{data.hex().upper()}\n"


def _sign_kmh(limit_mps: float) -> float | None:
    """The speed-limit sign (10-140 km/h in steps of 10) a lane's limit is signed with."""
    kmh = round(limit_mps * 3.6 / 10.0) * 10
    return float(kmh) if 10 <= kmh <= 140 else None
