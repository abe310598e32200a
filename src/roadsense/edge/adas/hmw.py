"""Headway monitoring warning (HMW): following the vehicle ahead too closely.

Headway is the range to the closest vehicle in the path divided by own speed. It is
*shown* at or below ``display_s`` (level 0, kept as :attr:`Headway.headway_s`, not an
episode); level 1 at or below ``caution_s`` and level 2 (audible) at or below
``warning_s`` become episodes once the headway has stayed short for ``persist_s``. Silent
below ``min_speed_kmh`` and while the vehicle ahead pulls away (a car that cuts in close
and draws off).
"""

from __future__ import annotations

from roadsense.edge.adas.config import KMH, AdasConfig
from roadsense.edge.adas.episodes import Observation
from roadsense.edge.adas.frame import VEHICLE_TYPES
from roadsense.edge.adas.path import Corridor
from roadsense.edge.adas.persistence import Persistence
from roadsense.edge.adas.tracks import Track


class Headway:
    """HMW over the tracks of one frame."""

    def __init__(self, config: AdasConfig, corridor: Corridor) -> None:
        self._cfg = config.hmw
        self._min_speed = config.hmw.min_speed_kmh * KMH
        self._corridor = corridor
        self._persistence = Persistence(config.hmw.persist_s)
        self.headway_s: float | None = None
        """Headway to show now (at or below ``display_s``), else ``None``."""

    def update(self, t: float, speed: float | None, tracks: list[Track]) -> Observation | None:
        """The HMW active at ``t``, if any."""
        cfg = self._cfg
        lead: Track | None = None
        if speed is not None and speed >= self._min_speed:
            contains = self._corridor.contains
            for track in tracks:
                if (
                    track.type in VEHICLE_TYPES
                    and track.x > 0.0
                    and contains(track.type, track.y)
                    and (lead is None or track.x < lead.x)
                ):
                    lead = track
        if lead is None or speed is None:
            self.headway_s = None
            self._persistence.update(t, False)
            return None
        headway = lead.x / speed
        self.headway_s = headway if headway <= cfg.display_s else None
        short = headway <= cfg.caution_s and lead.vx <= cfg.opening_mps
        if not self._persistence.update(t, short):
            return None
        level = 2 if headway <= cfg.warning_s else 1
        return Observation(
            level,
            {
                "object_id": lead.id,
                "headway_s": headway,
                "ttc_s": lead.x / -lead.vx if lead.vx < 0.0 else None,
                "speed_mps": speed,
            },
        )
