"""Lane departure warning (LDW) inside the ISO 17361 warning zone.

Each side's distance (outer edge of the front tyre to the inner edge of the marking) is
filtered; its rate of decrease is the departure rate. A side warns when the tyre would
reach the marking within ``time_to_line_s`` (Mobileye: up to 0.5 s before crossing), but
never before the ISO 17361 earliest warning line: 0.75 m inside the marking for departure
rates up to 0.5 m/s, 1.5 x rate for 0.5-1.0 m/s, 1.5 m above. The latest warning line lies
0.3 m outside the marking. Silent with the turn signal on that side, below
``min_speed_kmh`` (55 km/h by default) and while that marking is not seen.
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
    ) -> None:
        """Add the LDWs active at ``t`` to ``into``."""
        for side, distance in ((self._left, left), (self._right, right)):
            observation = self._side(side, t, speed, turn_signal, distance)
            if observation is not None:
                into[side.event] = observation

    def _side(
        self, side: _Side, t: float, speed: float | None, signal: str, distance: float | None
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
        )
        if not side.persistence.update(t, departing):
            return None
        return Observation(
            1, {"lateral_m": track.value, "departure_rate_mps": rate, "speed_mps": speed}
        )
