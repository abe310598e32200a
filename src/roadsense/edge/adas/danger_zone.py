"""Pedestrian in the danger zone (PED_IN_DZ): a pedestrian or cyclist just ahead at low speed.

Mobileye units show, apart from the pedestrian collision warning, an indication that a
pedestrian is in the danger zone in front of the car (sound type 7 of the warning frame,
``docs/adas.md``). The engine raises it when, with the ego moving at low speed (from
``ped_dz.min_speed_kmh`` up to ``ped_dz.max_speed_kmh``), a pedestrian or cyclist has been
inside the zone for ``ped_dz.persist_s``: in the path (the corridor of :mod:`.path`) and at
most ``ped_dz.min_length_m`` plus ``ped_dz.time_s`` times the ego's speed ahead. It needs no
time to collision: someone standing in front of a car pulling away is in danger too.
Someone on the kerb, outside the corridor, is not in the zone.
"""

from __future__ import annotations

from roadsense.edge.adas.config import KMH, AdasConfig
from roadsense.edge.adas.episodes import Observation
from roadsense.edge.adas.frame import VULNERABLE_TYPES
from roadsense.edge.adas.path import Corridor
from roadsense.edge.adas.persistence import has_held, held_since
from roadsense.edge.adas.tracks import Track


class DangerZone:
    """PED_IN_DZ over the tracks of one frame."""

    def __init__(self, config: AdasConfig, corridor: Corridor) -> None:
        self._cfg = config.ped_dz
        self._min = config.ped_dz.min_speed_kmh * KMH
        self._max = config.ped_dz.max_speed_kmh * KMH
        self._corridor = corridor

    def length_m(self, speed: float) -> float:
        """How far ahead the zone reaches at ``speed`` (m/s)."""
        return self._cfg.min_length_m + self._cfg.time_s * speed

    def update(self, t: float, speed: float | None, tracks: list[Track]) -> Observation | None:
        """The PED_IN_DZ active at ``t`` (the nearest road user in the zone), if any."""
        low_speed = speed is not None and self._min <= speed <= self._max
        length = self.length_m(speed) if speed is not None else 0.0
        nearest: Track | None = None
        for track in tracks:
            if track.type not in VULNERABLE_TYPES:
                continue
            inside = (
                low_speed
                and 0.0 < track.x <= length
                and self._corridor.contains(track.type, track.y)
            )
            track.dz_since = held_since(track.dz_since, t, inside)
            if has_held(track.dz_since, t, self._cfg.persist_s) and (
                nearest is None or track.x < nearest.x
            ):
                nearest = track
        if nearest is None:
            return None
        return Observation(
            2,
            {
                "object_id": nearest.id,
                "range_m": nearest.x,
                "lateral_m": nearest.y,
                "speed_mps": speed,
            },
        )
