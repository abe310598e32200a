"""Filtered object tracks and lane distances: what the rules read instead of raw inputs.

Sensor noise on range rate and, above all, on acceleration makes a time to contact that
uses acceleration jumpy. Each object therefore keeps a small filter, with gains derived
from time constants so that 10 Hz and 20 Hz input behave alike:

- range and range rate: predicted with the relative acceleration, then corrected toward
  the measurement (no lag while the lead brakes); range rate from the range alone when
  the sensor gives none;
- the object's acceleration: an exponential moving average that restarts on a manoeuvre
  (:func:`follow_accel`), so that a lead's hard stop is seen at once;
- lateral offset: an alpha-beta filter that also gives the lateral speed ``vy``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from roadsense.edge.adas.config import FilterConfig
from roadsense.edge.adas.frame import ObjectType, TrackedObject


def gain(dt: float, tau: float) -> float:
    """Correction gain for a step of ``dt`` seconds with time constant ``tau``."""
    return 1.0 - math.exp(-dt / tau)


class AlphaBeta:
    """Position and rate of one scalar from noisy positions (Benedict-Bordner gains)."""

    __slots__ = ("rate", "t", "tau", "value")

    def __init__(self, t: float, value: float, tau: float) -> None:
        self.t = t
        self.value = value
        self.rate = 0.0
        self.tau = tau

    def update(self, t: float, measured: float) -> None:
        """Take one measurement at time ``t`` (after the previous one)."""
        dt = t - self.t
        if dt <= 0.0:
            return
        alpha = gain(dt, self.tau)
        beta = alpha * alpha / (2.0 - alpha)
        predicted = self.value + self.rate * dt
        residual = measured - predicted
        self.value = predicted + alpha * residual
        self.rate += beta * residual / dt
        self.t = t


@dataclass(slots=True)
class Track:
    """One object followed across frames."""

    id: int
    type: ObjectType
    t: float
    """Time of the last measurement."""
    x: float
    vx: float
    ax: float
    lateral: AlphaBeta
    fcw_since: float | None = None
    """Start of the present run of frames meeting the FCW/UFCW condition."""
    pcw_since: float | None = None
    dz_since: float | None = None
    """Start of the present run of frames inside the danger zone (PED_IN_DZ)."""
    seen_frames: int = 1
    ax_samples: int = 1
    """Acceleration samples averaged since the last manoeuvre (see :func:`follow_accel`)."""

    @property
    def y(self) -> float:
        """Filtered lateral offset, m (left positive)."""
        return self.lateral.value

    @property
    def vy(self) -> float:
        """Filtered lateral speed, m/s (left positive)."""
        return self.lateral.rate


def follow_accel(track: Track, measured: float, dt: float, cfg: FilterConfig) -> None:
    """Fold one acceleration measurement into ``track.ax``.

    A moving average with time constant ``accel_tau_s`` while measurements stay near it. A
    measurement at least ``accel_jump_mps2`` away is a manoeuvre (the lead starts or stops
    braking): the average restarts from it and then takes the mean of the samples since
    (gain 1/n) until that gain falls to the moving average's. A Kalman filter whose
    covariance is reset on a detected manoeuvre behaves alike: a hard stop is seen within
    a frame instead of after the average's lag, and the noise of that first sample is
    averaged away over the next few frames.
    """
    residual = measured - track.ax
    if residual >= cfg.accel_jump_mps2 or residual <= -cfg.accel_jump_mps2:
        track.ax = measured
        track.ax_samples = 1
        return
    track.ax_samples += 1
    track.ax += max(gain(dt, cfg.accel_tau_s), 1.0 / track.ax_samples) * residual


def significant(accel: float, deadband: float) -> float:
    """``accel``, or 0 when its magnitude is below ``deadband`` (noise, not a manoeuvre)."""
    return accel if accel >= deadband or accel <= -deadband else 0.0


class Tracks:
    """Every object seen lately, by id."""

    def __init__(self, config: FilterConfig) -> None:
        self._cfg = config
        self._tracks: dict[int, Track] = {}

    def update(self, t: float, objects: tuple[TrackedObject, ...], ego_accel: float) -> None:
        """Fold in one frame's objects; forget those unseen for too long."""
        cfg = self._cfg
        tracks = self._tracks
        for obj in objects:
            track = tracks.get(obj.id)
            if track is None or t - track.t > cfg.track_timeout_s or track.type != obj.type:
                tracks[obj.id] = Track(
                    obj.id,
                    obj.type,
                    t,
                    obj.x,
                    obj.vx if obj.vx is not None else 0.0,
                    obj.ax if obj.ax is not None else 0.0,
                    AlphaBeta(t, obj.y, cfg.lateral_tau_s),
                )
                continue
            dt = t - track.t
            if dt <= 0.0:
                continue
            a_rel = track.ax - ego_accel
            x_pred = track.x + track.vx * dt + 0.5 * a_rel * dt * dt
            v_pred = track.vx + a_rel * dt
            g_x = gain(dt, cfg.range_tau_s)
            residual = obj.x - x_pred
            track.x = x_pred + g_x * residual
            if obj.vx is not None:
                track.vx = v_pred + gain(dt, cfg.range_rate_tau_s) * (obj.vx - v_pred)
            else:
                track.vx = v_pred + g_x * g_x / (2.0 - g_x) * residual / dt
            if obj.ax is not None:
                follow_accel(track, obj.ax, dt, cfg)
            track.lateral.update(t, obj.y)
            track.t = t
            track.seen_frames += 1
        stale = [k for k, tr in tracks.items() if t - tr.t > cfg.track_timeout_s]
        for key in stale:
            del tracks[key]

    def current(self, t: float) -> list[Track]:
        """Tracks measured in the frame at ``t``."""
        return [tr for tr in self._tracks.values() if tr.t == t]

    def __len__(self) -> int:
        return len(self._tracks)


class EgoState:
    """The ego's speed as given and its acceleration, smoothed."""

    __slots__ = ("_cfg", "accel", "accel_ttc", "speed", "t")

    def __init__(self, config: FilterConfig) -> None:
        self._cfg = config
        self.t: float | None = None
        self.speed: float | None = None
        self.accel = 0.0
        self.accel_ttc = 0.0
        """The smoothed acceleration with the dead band applied, for times to contact."""

    def update(self, t: float, speed: float | None, accel: float | None) -> None:
        """Take the ego's state in one frame."""
        if accel is not None:
            if self.t is None or t - self.t > self._cfg.track_timeout_s:
                self.accel = accel
            else:
                self.accel += gain(t - self.t, self._cfg.accel_tau_s) * (accel - self.accel)
        self.accel_ttc = significant(self.accel, self._cfg.accel_deadband_mps2)
        self.speed = speed
        self.t = t
