"""Speeding: own speed above the last speed limit read (from a sign or the map).

The limit of the latest frame that carried one stays in force until another is read.
A warning needs the speed above limit + ``margin_kmh`` for ``min_duration_s``.
"""

from __future__ import annotations

from roadsense.edge.adas.config import SpeedingConfig
from roadsense.edge.adas.episodes import Observation
from roadsense.edge.adas.persistence import Persistence


class Speeding:
    """SPEEDING from own speed and the last limit read."""

    def __init__(self, config: SpeedingConfig) -> None:
        self._cfg = config
        self._persistence = Persistence(config.min_duration_s)
        self.limit_kmh: float | None = None
        """The limit in force: the last one read."""

    def update(self, t: float, speed: float | None, limit_kmh: float | None) -> Observation | None:
        """The SPEEDING active at ``t``, if any."""
        if limit_kmh is not None:
            self.limit_kmh = limit_kmh
        limit = self.limit_kmh
        speed_kmh = speed * 3.6 if speed is not None else None
        over = (
            speed_kmh is not None and limit is not None and speed_kmh > limit + self._cfg.margin_kmh
        )
        if not self._persistence.update(t, over) or speed_kmh is None:
            return None
        measured = {"speed_kmh": speed_kmh, "speed_limit_kmh": limit, "speed_mps": speed}
        return Observation(1, measured)
