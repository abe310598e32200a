"""Lane departure warning (LDW) inside the ISO 17361 warning zone.

Each side's distance (outer edge of the front tyre to the inner edge of the marking) is
filtered; its rate of decrease is the departure rate. A side warns when the tyre would
reach the marking within ``time_to_line_s`` (Mobileye: up to 0.5 s before crossing), but
never before the ISO 17361 earliest warning line: 0.75 m inside the marking for departure
rates up to 0.5 m/s, 1.5 x rate for 0.5-1.0 m/s, 1.5 m above. The latest warning line lies
0.3 m outside the marking. Silent with the turn signal on that side, below
``min_speed_kmh`` (55 km/h by default) and while that marking is not seen.

When the frame carries the lane's curvature, two more rules keep LDW silent in curves:

- in a curve sharper than ``sharp_curve_radius_m`` (250 m): ISO 17361 asks class II
  systems to work down to a 250 m radius (class I: 500 m), and Mobileye units stay silent
  "in sharp turns";
- while the driver cuts a curve: in a curve of radius up to ``curve_radius_m`` (1000 m), a
  departure toward the inside of the curve at no more than ``cut_max_rate_mps`` is a driver
  taking the inside line on purpose. A departure toward the outside of a curve (the car
  going straighter than the road: the drift of an inattentive driver) still warns, as does
  a fast one toward the inside.
"""

from __future__ import annotations

from roadsense.edge.adas.config import KMH, AdasConfig
from roadsense.edge.adas.episodes import Observation
from roadsense.edge.adas.persistence import Persistence
from roadsense.edge.adas.tracks import AlphaBeta
from roadsense.schema import EventType

_JUMP_M = 0.5
"""A distance this far from the prediction means another marking (after a lane change):
the side's filter starts again rather than read the jump as a departure."""


def earliest_line(rate_mps: float) -> float:
    """ISO 17361 earliest warning line, m inside the marking, for a departure rate."""
    if rate_mps <= 0.5:
        return 0.75
    if rate_mps <= 1.0:
        return 1.5 * rate_mps
    return 1.5


class _Side:
    __slots__ = ("event", "filter", "persistence", "signal")

    def __init__(self, event: EventType, signal: str, persist_s: float) -> None:
        self.event = event
        self.signal = signal
        self.filter: AlphaBeta | None = None
        self.persistence = Persistence(persist_s)


class LaneDeparture:
    """LDW_LEFT and LDW_RIGHT from the lane distances of each frame."""

    def __init__(self, config: AdasConfig) -> None:
        self._cfg = config.ldw
        self._tau = config.filter.lateral_tau_s
        self._timeout = config.filter.track_timeout_s
        self._min_speed = config.ldw.min_speed_kmh * KMH
        self._left = _Side(EventType.LDW_LEFT, "left", config.ldw.persist_s)
        self._right = _Side(EventType.LDW_RIGHT, "right", config.ldw.persist_s)

    def update(
        self,
        t: float,
        speed: float | None,
        turn_signal: str,
        left: float | None,
        right: float | None,
        into: dict[EventType, Observation],
        curvature: float | None = None,
    ) -> None:
        """Add the LDWs active at ``t`` to ``into``; ``curvature`` in 1/m, left positive."""
        for side, distance in ((self._left, left), (self._right, right)):
            observation = self._side(side, t, speed, turn_signal, distance, curvature)
            if observation is not None:
                into[side.event] = observation

    def _curve_explains(self, side: _Side, rate: float, curvature: float | None) -> bool:
        """Whether a departure toward ``side`` at ``rate`` is the curve's doing: a sharp
        curve, or a driver cutting a curve (toward its inside, gently)."""
        if curvature is None:
            return False
        cfg = self._cfg
        bend = abs(curvature)
        if bend * cfg.sharp_curve_radius_m >= 1.0:
            return True
        if bend * cfg.curve_radius_m < 1.0:
            return False  # straight enough: every departure counts
        inside = "left" if curvature > 0.0 else "right"
        return side.signal == inside and rate <= cfg.cut_max_rate_mps

    def _side(
        self,
        side: _Side,
        t: float,
        speed: float | None,
        signal: str,
        distance: float | None,
        curvature: float | None,
    ) -> Observation | None:
        if distance is None:
            side.filter = None
            side.persistence.update(t, False)
            return None
        track = side.filter
        if (
            track is None
            or t - track.t > self._timeout
            or abs(distance - (track.value + track.rate * (t - track.t))) > _JUMP_M
        ):
            side.filter = AlphaBeta(t, distance, self._tau)
            side.persistence.update(t, False)
            return None
        track.update(t, distance)
        cfg = self._cfg
        rate = -track.rate
        departing = (
            speed is not None
            and speed >= self._min_speed
            and signal != side.signal
            and rate >= cfg.min_rate_mps
            and track.value <= min(earliest_line(rate), rate * cfg.time_to_line_s)
            and not self._curve_explains(side, rate, curvature)
        )
        if not side.persistence.update(t, departing):
            return None
        return Observation(
            1,
            {
                "lateral_m": track.value,
                "departure_rate_mps": rate,
                "curvature_per_m": curvature,
                "speed_mps": speed,
            },
        )
