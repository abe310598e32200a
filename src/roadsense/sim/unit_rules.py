"""What the simulated Mobileye-class unit shows, by the simulation's own rules: the truth.

The simulated unit is a piece of hardware the simulation models, not the gateway: it
decides its warnings from SUMO's scene with the published behaviour of such units
(``../shared/reference/adas-standards.md``), and every warning it shows is, by definition,
a warning that happened. The gateway later reads the unit's CAN frames and IMU log with
its own rules; the ground truth is written from here, so a bug in the gateway's rules
shows as a mismatch. This module may import ``roadsense.schema`` only (never
``roadsense.edge``); ``tests/sim/test_truth_independence.py`` checks it.

Rules (each a field of :class:`UnitRules`):

- HMW: headway (range / own speed) at or under the fleet's setting, 1.0 s (settable
  0.4-2.0 s), above 30 km/h, the lead not pulling away; off again above 1.2 s or under
  28 km/h.
- FCW (30 km/h and up) and UFCW (12-30 km/h): time to contact at or under 2.5 s (FCW) or
  1.0 s (UFCW), computed from the range, both speeds and both accelerations (Mobileye's
  definition; a vehicle that stops stays put), and a deceleration needed to avoid the lead
  of 4 m/s2 (0.4 g; SSM conflicts start at 3), so a normal stop
  behind a braking lead does not warn; the lead must have been tracked for 1 s (no
  warning for a car that has just cut in).
- SPEEDING: 10 km/h or more over the lane's signed limit; off again under 7 km/h over.
- PCW: a pedestrian in or entering the path within 2.0 s (the rule is
  :mod:`roadsense.sim.pedestrian_rule`'s; shown here like the others).
- LDW (left or right): above 55 km/h, the outer edge of the taxi's tyre within the warning
  zone of a painted marking (from 0.75 m inside the lane to 0.3 m outside the marking,
  ISO 17361), moving toward it at 0.1 m/s or more and due to reach it within 0.5 s (or over
  it already); on until the driver steers back or the taxi leaves the zone. Silent with a
  turn signal on and on a side whose marking is not painted (none, a kerb) or poorly seen
  (quality under 2 of 3).
- A warning that ended cannot start again for ``rearm_s`` (the unit's own nuisance guard).
- Harsh braking and acceleration (the IMU): the longitudinal acceleration beyond -3.5 or
  3.0 m/s2 (the published harsh-event thresholds); one manoeuvre until it has stayed under
  the threshold for more than 0.5 s; severe (level 2) beyond 1.5 times the threshold.
- Potholes (the IMU): a vertical jolt of 6 m/s2 (0.6 g) or more beyond gravity, over in a
  fraction of a second, is one pothole strike; severe (level 2) beyond 1.5 times that.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Final, Literal

from roadsense.schema import EventSource, EventType

E = EventType
KMH = 1.0 / 3.6
TRUTH_NAMESPACE = uuid.UUID("6f1d7c2e-3b1a-4e0f-9a52-5e5ad1b0c0de")
"""Namespace of the simulation's own event ids (not the gateway's)."""
TTC_STEP_S = 0.1
"""Time step of the time-to-contact search."""
FORWARD = frozenset({E.FCW, E.UFCW, E.HMW, E.PCW})
"""Warnings whose measurements come from the lead obstacle."""
LDW = frozenset({E.LDW_LEFT, E.LDW_RIGHT})
LDW_MIN_SPEED_KMH: Final = 55.0
"""Mobileye's LDW works above this (``../shared/reference/adas-standards.md``)."""
MarkingType = Literal["dashed", "solid", "none", "road_edge"]
"""What the camera sees on one side of the lane (a subset of the 0x766 lane types)."""
PAINTED: Final = frozenset({"dashed", "solid"})
"""Markings a lane departure warning is given for (a kerb or nothing is not one)."""


@dataclass(frozen=True)
class UnitRules:
    """The simulated unit's thresholds (published defaults of Mobileye-class units)."""

    hmw_on_s: float = 1.0
    """The fleet's HMW setting (settable 0.4-2.0 s; older units default to 0.6 s)."""
    hmw_off_s: float = 1.2
    hmw_min_speed_mps: float = 30.0 * KMH
    hmw_off_speed_mps: float = 28.0 * KMH
    hmw_opening_mps: float = 0.5
    headway_shown_s: float = 2.5
    fcw_ttc_s: float = 2.5
    fcw_min_speed_mps: float = 30.0 * KMH
    ufcw_ttc_s: float = 1.0
    ufcw_min_speed_mps: float = 12.0 * KMH
    """Below this no UFCW: SUMO lets cars creep up on a stopped car at a junction merge
    (within 0.4-1.5 m at 7-14 km/h), which drivers do not; those would count otherwise."""
    min_track_s: float = 1.0
    """A collision warning needs the lead seen this long (no warning for a car that has
    just cut in or come round a corner)."""
    fcw_decel_mps2: float = 4.0
    """An FCW also needs this deceleration (0.4 g) to avoid the lead (ISO 15623: at most
    0.68 g): a normal stop behind a braking lead does not warn."""
    ufcw_decel_mps2: float = 4.0
    """A UFCW needs as much (the SSM device's conflicts start at a DRAC of 3 m/s2)."""
    speeding_on_kmh: float = 10.0
    speeding_off_kmh: float = 7.0
    rearm_s: float = 2.0
    harsh_brake_mps2: float = 3.5
    harsh_accel_mps2: float = 3.0
    harsh_gap_s: float = 0.5
    pothole_mps2: float = 6.0
    """A vertical jolt (beyond gravity) at least this large is a pothole strike."""
    ldw_min_speed_mps: float = LDW_MIN_SPEED_KMH * KMH
    ldw_inside_m: float = 0.75
    """The earliest warning line, this far inside the lane (tyre edge to marking)."""
    ldw_outside_m: float = 0.3
    """The latest warning line, this far outside the marking."""
    ldw_min_rate_mps: float = 0.1
    """The slowest departure warned about (the ISO 17361 tests run at 0.1-0.8 m/s)."""
    ldw_ahead_s: float = 0.5
    """A warning comes at most this long before the tyre reaches the marking."""
    ldw_min_quality: int = 2
    """Markings seen worse than this (0 not seen to 3 clear) give no warning."""


@dataclass(frozen=True, slots=True)
class Marking:
    """One side's lane marking as the camera sees it."""

    type: MarkingType
    quality: int
    """0 not seen to 3 clear."""


NO_MARKING = Marking("none", 0)


@dataclass(slots=True)
class LaneView:
    """The taxi in its lane, as the unit's camera sees it."""

    width_m: float
    offset_m: float
    """The taxi's centre from the lane's centre, positive to the left."""
    rate_mps: float
    """Lateral speed, positive to the left."""
    half_width_m: float
    """Half the taxi's width: from its centre to the outer edge of its tyres."""
    left: Marking
    right: Marking
    turn_signal: Literal["left", "right"] | None = None

    @property
    def left_m(self) -> float:
        """Outer edge of the left tyres to the left marking; negative once over it."""
        return 0.5 * self.width_m - self.offset_m - self.half_width_m

    @property
    def right_m(self) -> float:
        """Outer edge of the right tyres to the right marking; negative once over it."""
        return 0.5 * self.width_m + self.offset_m - self.half_width_m


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
    """One warning the unit showed (or the IMU recorded), as the ground truth lists it."""

    event_id: uuid.UUID
    """The simulation's own id (:func:`truth_id`), not the gateway's."""
    type: EventType
    source: EventSource
    """``mobileye`` (shown on 0x700) or ``imu``."""
    onset_t: float
    """Epoch seconds of its first frame or sample."""
    level: int


def truth_id(vehicle_id: str, kind: EventType, onset_t: float) -> uuid.UUID:
    """The simulation's id of a warning (UUID 5 in its own namespace)."""
    return uuid.uuid5(TRUTH_NAMESPACE, f"{vehicle_id}/{kind.value}/{onset_t:.3f}")


def time_to_contact(
    gap_m: float,
    speed_mps: float,
    accel_mps2: float,
    lead_speed_mps: float,
    lead_accel_mps2: float,
    horizon_s: float,
) -> float | None:
    """Seconds until the taxi reaches the lead, both keeping their accelerations (and
    staying put once stopped); None if not within ``horizon_s``."""
    if gap_m <= 0.0:
        return 0.0
    if speed_mps * horizon_s + max(accel_mps2, 0.0) * horizon_s**2 < gap_m:
        return None  # too far to reach in time, whatever the lead does
    t = 0.0
    while t < horizon_s - 1e-9:
        t += TTC_STEP_S
        if _travel(speed_mps, accel_mps2, t) >= gap_m + _travel(lead_speed_mps, lead_accel_mps2, t):
            return t
    return None


def _travel(speed: float, accel: float, t: float) -> float:
    """Distance covered in ``t`` s from ``speed`` at constant ``accel``, stopping at 0."""
    if accel < 0.0 and speed + accel * t < 0.0:
        return speed * speed / (-2.0 * accel)
    return speed * t + 0.5 * accel * t * t


def required_decel(
    gap_m: float, speed_mps: float, lead_speed_mps: float, lead_accel_mps2: float
) -> float:
    """The deceleration (m/s2, positive) the taxi needs to avoid the lead: DRAC
    (0.5 * closing speed^2 / gap) for a lead that keeps its speed, or what stops the taxi
    before the place where a braking lead stops."""
    gap = max(gap_m, 0.1)
    if lead_accel_mps2 < -0.1:
        lead_stop = lead_speed_mps * lead_speed_mps / (-2.0 * lead_accel_mps2)
        return speed_mps * speed_mps / (2.0 * max(gap + lead_stop, 0.1))
    closing = speed_mps - lead_speed_mps
    return 0.5 * closing * closing / gap if closing > 0.0 else 0.0


@dataclass
class _Shown:
    level: int
    onset_t: float


@dataclass
class UnitDisplay:
    """One unit's display, step by step: which warnings it shows, and every one it showed."""

    vehicle_id: str
    rules: UnitRules = field(default_factory=UnitRules)
    warnings: list[UnitWarning] = field(default_factory=list)
    _on: dict[EventType, _Shown] = field(default_factory=dict)
    _off_since: dict[EventType, float] = field(default_factory=dict)
    _lead: tuple[int, float] = (0, 0.0)
    """(object id, first seen) of the lead being tracked."""

    def step(
        self,
        t: float,
        speed: float,
        accel: float,
        limit_kmh: float | None,
        lead: Lead | None,
        *,
        pcw: bool = False,
        lane: LaneView | None = None,
    ) -> tuple[dict[EventType, int], float | None]:
        """The warnings shown at epoch time ``t`` (type -> level) and the headway shown;
        ``pcw``: a pedestrian in danger (:mod:`roadsense.sim.pedestrian_rule`)."""
        r = self.rules
        want: set[EventType] = {E.PCW} if pcw else set()
        if lane is not None and speed >= r.ldw_min_speed_mps and lane.turn_signal is None:
            self._departure(lane, want)
        headway: float | None = None
        if lead is not None and speed > 0.1:
            h = lead.gap_m / speed
            if h <= r.headway_shown_s:
                headway = h
            opening = lead.speed_mps - speed > r.hmw_opening_mps
            if E.HMW in self._on:
                if h <= r.hmw_off_s and speed >= r.hmw_off_speed_mps and not opening:
                    want.add(E.HMW)
            elif h <= r.hmw_on_s and speed >= r.hmw_min_speed_mps and not opening:
                want.add(E.HMW)
            if self._lead[0] != lead.object_id:
                self._lead = (lead.object_id, t)
            fcw = speed >= r.fcw_min_speed_mps
            tracked = t - self._lead[1] >= r.min_track_s - 1e-6
            if tracked and (fcw or speed >= r.ufcw_min_speed_mps):
                horizon = r.fcw_ttc_s if fcw else r.ufcw_ttc_s
                ttc = time_to_contact(
                    lead.gap_m, speed, accel, lead.speed_mps, lead.accel_mps2, horizon
                )
                if ttc is not None and required_decel(
                    lead.gap_m, speed, lead.speed_mps, lead.accel_mps2
                ) >= (r.fcw_decel_mps2 if fcw else r.ufcw_decel_mps2):
                    want.add(E.FCW if fcw else E.UFCW)
        if limit_kmh is not None:
            over = speed / KMH - limit_kmh
            if over >= (r.speeding_off_kmh if E.SPEEDING in self._on else r.speeding_on_kmh):
                want.add(E.SPEEDING)
        if E.FCW in want and E.UFCW in self._on:
            want.discard(E.FCW)  # one forward warning at a time: the one already shown
            want.add(E.UFCW)
        elif E.UFCW in want and E.FCW in self._on:
            want.discard(E.UFCW)
            want.add(E.FCW)
        for kind in list(self._on):
            if kind not in want:
                del self._on[kind]
                self._off_since[kind] = t
        for kind in want:
            if kind in self._on:
                continue
            if t - self._off_since.get(kind, -math.inf) < r.rearm_s:
                continue
            level = 1 if kind is E.SPEEDING else 2
            self._on[kind] = _Shown(level, t)
            self.warnings.append(
                UnitWarning(
                    truth_id(self.vehicle_id, kind, t), kind, EventSource.MOBILEYE, t, level
                )
            )
        return {k: s.level for k, s in self._on.items()}, headway

    def _departure(self, lane: LaneView, want: set[EventType]) -> None:
        """LDW on either side (the speed and turn-signal gates already passed)."""
        r = self.rules
        for kind, marking, distance, toward in (
            (E.LDW_LEFT, lane.left, lane.left_m, lane.rate_mps),
            (E.LDW_RIGHT, lane.right, lane.right_m, -lane.rate_mps),
        ):
            if marking.type not in PAINTED or marking.quality < r.ldw_min_quality:
                continue
            if not -r.ldw_outside_m <= distance <= r.ldw_inside_m:
                continue
            if kind in self._on:
                if toward > 0.0:
                    want.add(kind)  # still departing
            elif toward >= r.ldw_min_rate_mps and distance <= r.ldw_ahead_s * toward:
                want.add(kind)


@dataclass
class _Manoeuvre:
    onset_t: float
    end_t: float
    level: int


@dataclass
class HarshManoeuvres:
    """Harsh braking and acceleration in one taxi's IMU samples, by the simulation's rules."""

    vehicle_id: str
    rules: UnitRules = field(default_factory=UnitRules)
    warnings: list[UnitWarning] = field(default_factory=list)
    _open: dict[EventType, _Manoeuvre] = field(default_factory=dict)

    def sample(self, t: float, ax: float) -> None:
        """One IMU sample (the values as written to the log)."""
        r = self.rules
        for kind, value, threshold in (
            (E.HARSH_BRAKE, -ax, r.harsh_brake_mps2),
            (E.HARSH_ACCEL, ax, r.harsh_accel_mps2),
        ):
            m = self._open.get(kind)
            if value >= threshold:
                level = 2 if value >= 1.5 * threshold else 1
                if m is None:
                    self._open[kind] = _Manoeuvre(t, t, level)
                else:
                    m.end_t = t
                    m.level = max(m.level, level)
            elif m is not None and t - m.end_t > r.harsh_gap_s:
                self._end(kind)

    def jolt(self, t: float, vertical_mps2: float) -> None:
        """A pothole hit's jolt (beyond gravity, as written to the log) at ``t``."""
        threshold = self.rules.pothole_mps2
        if vertical_mps2 < threshold:
            return
        level = 2 if vertical_mps2 >= 1.5 * threshold else 1
        self.warnings.append(
            UnitWarning(
                truth_id(self.vehicle_id, E.POTHOLE, t), E.POTHOLE, EventSource.IMU, t, level
            )
        )

    def close(self) -> list[UnitWarning]:
        """End of the log: every manoeuvre, in onset order."""
        for kind in list(self._open):
            self._end(kind)
        return self.warnings

    def _end(self, kind: EventType) -> None:
        m = self._open.pop(kind)
        self.warnings.append(
            UnitWarning(
                truth_id(self.vehicle_id, kind, m.onset_t),
                kind,
                EventSource.IMU,
                m.onset_t,
                m.level,
            )
        )
