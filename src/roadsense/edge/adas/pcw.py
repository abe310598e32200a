"""Pedestrian (and cyclist) collision warning (PCW).

A pedestrian or cyclist ahead warns when the time to collision is at most ``ttc_s`` and
it is either in the path now or moving toward the path (lateral speed estimated from its
offsets over frames, at least ``min_lateral_speed_mps``) fast enough to be in it by then.
Someone walking along the kerb, outside the path and parallel to it, does not warn.
"""

from __future__ import annotations

from roadsense.edge.adas.config import AdasConfig
from roadsense.edge.adas.episodes import Observation
from roadsense.edge.adas.frame import VULNERABLE_TYPES
from roadsense.edge.adas.kinematics import time_to_contact
from roadsense.edge.adas.path import Corridor
from roadsense.edge.adas.persistence import has_held, held_since
from roadsense.edge.adas.tracks import EgoState, Track, significant


class PedestrianCollision:
    """PCW over the tracks of one frame."""

    def __init__(self, config: AdasConfig, corridor: Corridor) -> None:
        self._cfg = config.pcw
        self._deadband = config.filter.accel_deadband_mps2
        self._corridor = corridor

    def _entering(self, track: Track, ttc: float) -> bool:
        reach = self._corridor.reach(track.type)
        y, vy = track.y, track.vy
        if abs(y) <= reach:
            return True
        toward = vy < 0.0 if y > 0.0 else vy > 0.0
        return (
            toward
            and abs(vy) >= self._cfg.min_lateral_speed_mps
            and abs(y) - abs(vy) * ttc <= reach
        )

    def update(self, t: float, ego: EgoState, tracks: list[Track]) -> Observation | None:
        """The PCW active at ``t`` (the most urgent road user), if any."""
        speed = ego.speed
        cfg = self._cfg
        best: Track | None = None
        best_ttc = cfg.ttc_s + cfg.hysteresis_s
        deadband = self._deadband
        for track in tracks:
            if track.type not in VULNERABLE_TYPES:
                continue
            ttc = None
            limit = cfg.ttc_s if track.pcw_since is None else cfg.ttc_s + cfg.hysteresis_s
            if speed is not None and track.x > 0.0:
                ttc = time_to_contact(
                    track.x,
                    speed,
                    ego.accel_ttc,
                    speed + track.vx,
                    significant(track.ax, deadband),
                    limit,
                )
            condition = ttc is not None and self._entering(track, ttc)
            track.pcw_since = held_since(track.pcw_since, t, condition)
            if ttc is not None and has_held(track.pcw_since, t, cfg.persist_s) and ttc <= best_ttc:
                best, best_ttc = track, ttc
        if best is None:
            return None
        return Observation(
            2,
            {
                "object_id": best.id,
                "ttc_s": best_ttc,
                "lateral_m": best.y,
                "speed_mps": speed,
            },
        )
