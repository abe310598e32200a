"""Forward collision warning (FCW) and its low-speed variant, urban FCW (UFCW).

A vehicle (car, truck, motorcycle) in the path warns once its time to contact, from own
speed, relative speed and relative acceleration (Mobileye's definition, and what US NCAP
judges the decelerating-lead test by), has stayed at or below the threshold for
``persist_s`` (with a little hysteresis, so that noise around the threshold does not
restart the count). The ego's own braking counts too: a driver already braking to stop
behind a braking lead is not warned. FCW applies from ``fcw.min_speed_kmh`` (and stays
until ``fcw.band_hysteresis_kmh`` below it); below it UFCW, with its own threshold, down to
``ufcw.min_speed_kmh``.
"""

from __future__ import annotations

from roadsense.edge.adas.config import KMH, AdasConfig, FcwConfig, UfcwConfig
from roadsense.edge.adas.episodes import Observation
from roadsense.edge.adas.frame import VEHICLE_TYPES
from roadsense.edge.adas.kinematics import required_deceleration, time_to_contact
from roadsense.edge.adas.path import Corridor
from roadsense.edge.adas.persistence import has_held, held_since
from roadsense.edge.adas.tracks import EgoState, Track, significant
from roadsense.schema import EventType


class ForwardCollision:
    """FCW and UFCW over the tracks of one frame."""

    def __init__(self, config: AdasConfig, corridor: Corridor) -> None:
        self._fcw = config.fcw
        self._deadband = config.filter.accel_deadband_mps2
        self._ufcw = config.ufcw
        self._fcw_min = config.fcw.min_speed_kmh * KMH
        self._ufcw_min = config.ufcw.min_speed_kmh * KMH
        self._corridor = corridor
        self._band_low = (config.fcw.min_speed_kmh - config.fcw.band_hysteresis_kmh) * KMH
        self._fcw_band = False
        """Whether FCW (not UFCW) applies: entered at ``fcw.min_speed_kmh``, left only
        ``fcw.band_hysteresis_kmh`` below it, so that speed noise around 30 km/h does not
        switch thresholds from frame to frame."""

    def update(
        self, t: float, ego: EgoState, tracks: list[Track]
    ) -> tuple[EventType, Observation] | None:
        """The FCW or UFCW active at ``t`` (the most urgent object), if any."""
        speed = ego.speed
        if speed is None or speed < self._ufcw_min:
            self._fcw_band = False
            for track in tracks:
                track.fcw_since = None
            return None
        self._fcw_band = speed >= (self._band_low if self._fcw_band else self._fcw_min)
        if self._fcw_band:
            cfg: FcwConfig | UfcwConfig = self._fcw
            kind = EventType.FCW
        else:
            cfg, kind = self._ufcw, EventType.UFCW
        threshold, persist, held = cfg.ttc_s, cfg.persist_s, cfg.ttc_s + cfg.hysteresis_s
        horizon = self._fcw.horizon_s
        deadband = self._deadband
        contains = self._corridor.contains
        best: Track | None = None
        best_ttc = horizon
        for track in tracks:
            kind_ok = track.type in VEHICLE_TYPES
            if not kind_ok or track.x <= 0.0 or not contains(track.type, track.y):
                track.fcw_since = None
                continue
            ttc = time_to_contact(
                track.x,
                speed,
                ego.accel_ttc,
                speed + track.vx,
                significant(track.ax, deadband),
                horizon,
            )
            limit = threshold if track.fcw_since is None else held
            track.fcw_since = held_since(track.fcw_since, t, ttc is not None and ttc <= limit)
            if ttc is not None and has_held(track.fcw_since, t, persist) and ttc <= best_ttc:
                best, best_ttc = track, ttc
        if best is None:
            return None
        level = 3 if best_ttc <= self._fcw.critical_ttc_s else 2
        a_best = significant(best.ax, deadband)
        needed = required_deceleration(best.x, speed, speed + best.vx, a_best)
        return kind, Observation(
            level,
            {
                "object_id": best.id,
                "ttc_s": best_ttc,
                "headway_s": best.x / speed,
                "required_decel_mps2": needed,
                "speed_mps": speed,
            },
        )
