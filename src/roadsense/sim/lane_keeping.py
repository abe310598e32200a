"""Where each taxi is across its lane: a slow weave, and now and then a drift to a marking.

SUMO keeps every car on its lane's centre line (no sublane model: lane changes are
instant), so the lateral motion a lane departure warning needs is the simulation's own,
one :class:`LaneKeeping` per taxi driver, stepped with SUMO (0.5 s):

- **weave**: the taxi's centre wanders about the lane's centre, an Ornstein-Uhlenbeck
  process (time constant :data:`WEAVE_TAU_S`) followed with a lag of :data:`WEAVE_LAG_S`
  (a car's heading turns smoothly), of standard deviation :data:`WEAVE_SD_M` at risk 1
  (growing as the fourth root of the driver's risk), and never more than a third of the
  room the lane leaves beside the taxi (drivers keep closer to the centre of a narrow lane);
- **drift episodes** (a lapse of attention): a Poisson process per km driven at
  ``DRIFT_PER_KM * risk``, at any speed; the taxi drifts toward one side's marking at a
  steady lateral rate drawn from 0.1-0.8 m/s (the ISO 17361 test range) until the driver
  notices, with the outer edge of the tyres somewhere between 0.6 m inside and 0.3 m outside
  the marking (:data:`NOTICE_M`), and steers back to the weave at the same rate (at least
  :data:`RETURN_MPS`). A lane change (SUMO's) ends an episode: the driver meant to move.

Whether the unit warns is its own rule (:mod:`roadsense.sim.unit_rules`); nothing here knows
the warning zone. The draws come from a random stream of the taxi's own, so adding lateral
motion leaves the traffic, the drivers and the planted things as they were.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Final

TAXI_HALF_WIDTH_M: Final = 0.9
"""Half a taxi's width (SUMO's passenger car is 1.8 m wide): centre to the tyres' outer edge."""
WEAVE_SD_M: Final = 0.12
WEAVE_TAU_S: Final = 6.0
WEAVE_LAG_S: Final = 1.5
WEAVE_ROOM_SHARE: Final = 1.0 / 3.0
"""The weave's standard deviation is at most this share of the room beside the taxi."""
DRIFT_PER_KM: Final = 0.8
"""Drift episodes per km for a driver of risk 1."""
DRIFT_RATE_MPS: Final = (0.1, 0.8)
NOTICE_M: Final = (-0.3, 0.6)
"""Where the driver notices a drift: tyre edge to marking (negative: over it)."""
RETURN_MPS: Final = 0.3


@dataclass
class _Drift:
    side: int
    """+1 toward the left marking, -1 toward the right one."""
    rate_mps: float
    notice_m: float
    back: bool = False


class LaneKeeping:
    """One taxi's lateral place in its lane, step by step."""

    def __init__(self, risk: float, rng: random.Random) -> None:
        self._rng = rng
        self._sd = WEAVE_SD_M * min(2.0, max(risk, 0.0) ** 0.25)
        self._drift_per_m = DRIFT_PER_KM * max(risk, 0.0) / 1000.0
        self._target = 0.0
        self._weave = 0.0
        self._drift_m = 0.0
        self._drift: _Drift | None = None
        self.offset_m = 0.0
        """The taxi's centre from the lane's centre, positive to the left."""
        self.rate_mps = 0.0
        """Lateral speed over the last step, positive to the left."""
        self.episodes = 0
        """Drift episodes begun."""
        self._dt = 0.0
        self._decay = (1.0, 0.0, 0.0)
        """For the last ``dt``: the weave's decay, its noise factor and the lag's share."""

    @property
    def drifting(self) -> bool:
        """Whether a drift episode is under way."""
        return self._drift is not None

    def lane_changed(self) -> None:
        """SUMO moved the taxi to another lane: an intended move, not a drift."""
        self._drift = None
        self._drift_m = 0.0

    def step(self, dt: float, speed_mps: float, width_m: float) -> float:
        """Advance ``dt`` seconds at ``speed_mps`` in a lane ``width_m`` wide; the offset."""
        rng = self._rng
        if dt != self._dt:
            a = math.exp(-dt / WEAVE_TAU_S)
            self._dt, self._decay = (
                dt,
                (a, math.sqrt(1.0 - a * a), 1.0 - math.exp(-dt / WEAVE_LAG_S)),
            )
        a, noise, lag = self._decay
        room = max(0.5 * width_m - TAXI_HALF_WIDTH_M, 0.05)
        sd = min(self._sd, WEAVE_ROOM_SHARE * room)
        target = self._target * a + sd * noise * rng.gauss(0.0, 1.0)
        self._target = target = -room if target < -room else room if target > room else target
        self._weave += (target - self._weave) * lag
        drift = self._drift
        if drift is None and speed_mps > 0.0 and rng.random() < self._drift_per_m * speed_mps * dt:
            low, high = DRIFT_RATE_MPS
            drift = self._drift = _Drift(
                side=1 if rng.random() < 0.5 else -1,
                rate_mps=rng.uniform(low, high),
                notice_m=rng.uniform(*NOTICE_M),
            )
            self.episodes += 1
        if drift is not None:
            if not drift.back:
                self._drift_m += drift.side * drift.rate_mps * dt
                centre = self._weave + self._drift_m
                tyre_to_marking = 0.5 * width_m - drift.side * centre - TAXI_HALF_WIDTH_M
                if tyre_to_marking <= drift.notice_m:  # noticed: no further than that
                    self._drift_m += drift.side * (tyre_to_marking - drift.notice_m)
                    drift.back = True
            else:
                step = max(drift.rate_mps, RETURN_MPS) * dt
                if abs(self._drift_m) <= step:
                    self._drift_m = 0.0
                    self._drift = None
                else:
                    self._drift_m -= math.copysign(step, self._drift_m)
        offset = self._weave + self._drift_m
        self.rate_mps = (offset - self.offset_m) / dt
        self.offset_m = offset
        return offset
