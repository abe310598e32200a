"""The simulated unit's pedestrian collision warning (PCW), by the simulation's own rule.

What the unit sees of the people around it (SUMO persons within :data:`VIEW_RANGE_M` of
the taxi's front), in the taxi's own frame: ``x`` ahead of the front bumper, ``y`` to the
left, and their velocity along and across the taxi's heading. It warns (PCW, level 2) for
a pedestrian or cyclist ahead when

- the taxi drives at :attr:`PcwRules.min_speed_mps` (10 km/h) or more: below it the driver
  is rolling up to people on a crossing, in control;
- the taxi reaches the person's distance within :attr:`PcwRules.ttc_s` (2.0 s), with its
  own speed and acceleration (a taxi that brakes to give way and stops short does not
  warn) and the person's motion along the path;
- stopping short of the person needs :attr:`PcwRules.min_decel_mps2` (4 m/s2, the FCW's
  0.4 g): an ordinary stop for someone on a crossing does not warn;
- and the person is then in the path: ``|y + vy * t|`` at most :attr:`PcwRules.path_half_width_m`
  (half a 3.2 m lane), so someone in the path or entering it warns, someone on the
  sidewalk beside the path or who will have crossed by then does not;
- and the person has been seen for :attr:`PcwRules.min_track_s` (one step before).

Mobileye publishes no PCW threshold (``../shared/reference/adas-standards.md``): the 2.0 s
(the gateway's software engine uses the same, also a design choice), the speed and the
track time are design choices. This module is part of the truth: it imports
``roadsense.schema`` at most, never ``roadsense.edge``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from roadsense.sim.unit_rules import required_decel, time_to_contact

VIEW_RANGE_M = 45.0
"""People within this distance of the taxi's front are looked at (SUMO context)."""
OBSTACLE_AHEAD_M = 40.0
"""People up to this far ahead ..."""
OBSTACLE_SIDE_M = 6.0
"""... and this far to either side are the unit's obstacles (on the wire)."""
PEDESTRIAN = 3
"""Obstacle type of a pedestrian (0x739 ``Type``; 4 is a bicycle)."""
BICYCLE = 4


@dataclass(frozen=True, slots=True)
class RoadUser:
    """A pedestrian or cyclist as the unit sees it, in the taxi's frame."""

    object_id: int
    """1-255, stable while the same person is seen."""
    kind: int
    """:data:`PEDESTRIAN` or :data:`BICYCLE`."""
    x_m: float
    """Ahead of the taxi's front bumper (negative: behind it)."""
    y_m: float
    """To the left of the taxi's centre line (negative: right)."""
    vx_mps: float
    """Its own speed along the taxi's heading (not relative)."""
    vy_mps: float
    """Its speed across, to the left positive."""

    @property
    def is_obstacle(self) -> bool:
        """Whether the unit lists it as an obstacle (ahead, near the path)."""
        return 0.0 < self.x_m <= OBSTACLE_AHEAD_M and abs(self.y_m) <= OBSTACLE_SIDE_M


def in_taxi_frame(
    object_id: int,
    kind: int,
    taxi_xy: tuple[float, float],
    taxi_angle_deg: float,
    xy: tuple[float, float],
    speed_mps: float,
    angle_deg: float,
) -> RoadUser:
    """A person at ``xy`` (network metres) moving at ``speed_mps`` toward ``angle_deg``
    (SUMO: degrees clockwise from north), seen from a taxi whose front is at ``taxi_xy``."""
    a = math.radians(taxi_angle_deg)
    hx, hy = math.sin(a), math.cos(a)  # heading
    lx, ly = -hy, hx  # to the left
    dx, dy = xy[0] - taxi_xy[0], xy[1] - taxi_xy[1]
    b = math.radians(angle_deg)
    vx, vy = speed_mps * math.sin(b), speed_mps * math.cos(b)
    return RoadUser(
        object_id,
        kind,
        dx * hx + dy * hy,
        dx * lx + dy * ly,
        vx * hx + vy * hy,
        vx * lx + vy * ly,
    )


@dataclass(frozen=True)
class PcwRules:
    """The unit's PCW thresholds (design choices: no published figure)."""

    ttc_s: float = 2.0
    min_speed_mps: float = 10.0 / 3.6
    path_half_width_m: float = 1.6
    min_decel_mps2: float = 4.0
    min_track_s: float = 0.5


@dataclass
class PedestrianWatch:
    """Which pedestrians one unit has seen since when; whether one is in danger."""

    rules: PcwRules = field(default_factory=PcwRules)
    _seen: dict[int, float] = field(default_factory=dict)

    @property
    def tracking(self) -> bool:
        """Whether anyone was seen at the last step."""
        return bool(self._seen)

    def danger(
        self, t: float, speed: float, accel: float, users: Sequence[RoadUser]
    ) -> RoadUser | None:
        """The person the taxi would reach soonest in its path at epoch time ``t``, if any."""
        r = self.rules
        seen = {u.object_id: self._seen.get(u.object_id, t) for u in users}
        self._seen = seen
        if speed < r.min_speed_mps:
            return None
        best: RoadUser | None = None
        best_t = math.inf
        for u in users:
            if u.x_m <= 0.0 or t - seen[u.object_id] < r.min_track_s - 1e-6:
                continue
            ttc = time_to_contact(u.x_m, speed, accel, u.vx_mps, 0.0, r.ttc_s)
            if ttc is None or ttc >= best_t:
                continue
            if required_decel(u.x_m, speed, max(u.vx_mps, 0.0), 0.0) < r.min_decel_mps2:
                continue
            if abs(u.y_m + u.vy_mps * ttc) <= r.path_half_width_m:
                best, best_t = u, ttc
        return best
