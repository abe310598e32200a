"""Dead-reckoning smoothing of GPS fixes with the reported speed and heading.

Speed and heading come from the receiver's Doppler measurements and are far more
precise than a single position. Integrating them gives the track's shape up to an
unknown offset; averaging ``fix - dead reckoning`` over a short time window estimates
that offset with the noise of many fixes instead of one. Where speed or heading is
missing, or fixes are far apart in time, the fixes are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from roadsense.roads.geometry import Floats


@dataclass(frozen=True)
class PresmoothParams:
    """Window of the offset average and when to trust dead reckoning."""

    window_s: float = 10.0
    """Half-width of the averaging window, seconds."""
    max_step_s: float = 3.0
    """A step longer than this breaks the dead reckoning (turns are not tracked)."""


def presmooth(
    ts: Floats,
    x: Floats,
    y: Floats,
    speed: Floats,
    heading_deg: Floats,
    params: PresmoothParams,
) -> tuple[Floats, Floats]:
    """Smoothed (x, y) of fixes (local metres); NaN speed or heading leaves a fix raw."""
    n = len(ts)
    out_x, out_y = x.copy(), y.copy()
    if n < 3:
        return out_x, out_y
    rad = np.radians(heading_deg)
    vx, vy = speed * np.sin(rad), speed * np.cos(rad)
    dt = np.diff(ts)
    good = ~(np.isnan(vx) | np.isnan(vy))
    link = (dt <= params.max_step_s) & good[1:] & good[:-1]
    start = 0
    for k in range(1, n + 1):
        if k < n and link[k - 1]:
            continue
        _smooth_run(ts, x, y, vx, vy, start, k, params.window_s, out_x, out_y)
        start = k
    return out_x, out_y


def _smooth_run(
    ts: Floats,
    x: Floats,
    y: Floats,
    vx: Floats,
    vy: Floats,
    a: int,
    b: int,
    window_s: float,
    out_x: Floats,
    out_y: Floats,
) -> None:
    if b - a < 3:
        return
    t = ts[a:b]
    dt = np.diff(t)
    dx = np.concatenate([[0.0], np.cumsum((vx[a + 1 : b] + vx[a : b - 1]) / 2.0 * dt)])
    dy = np.concatenate([[0.0], np.cumsum((vy[a + 1 : b] + vy[a : b - 1]) / 2.0 * dt)])
    ox = x[a:b] - dx
    oy = y[a:b] - dy
    cx = np.concatenate([[0.0], np.cumsum(ox)])
    cy = np.concatenate([[0.0], np.cumsum(oy)])
    lo = np.searchsorted(t, t - window_s, side="left")
    hi = np.searchsorted(t, t + window_s, side="right")
    count = hi - lo
    out_x[a:b] = dx + (cx[hi] - cx[lo]) / count
    out_y[a:b] = dy + (cy[hi] - cy[lo]) / count


@dataclass(frozen=True)
class TrackSmoothParams:
    """The position-only smoother: a constant-velocity Kalman filter and RTS smoother."""

    accel_mps2: float = 1.5
    """Spread of the unmodelled acceleration (braking, turning), m/s^2, for fixes up to
    ``sparse_s`` apart; sparser traces get proportionally more (a turn between two
    fixes far apart is a larger change of velocity than the model's white noise)."""
    sparse_s: float = 3.0
    gap_s: float = 30.0
    """A silence longer than this starts afresh (nothing known is carried over)."""
    gate: float = 4.0
    """A fix whose innovation is beyond this many standard deviations is an outlier."""
    velocity_sigma_mps: float = 0.2
    """Noise of a reported velocity (speed and heading), m/s per axis."""


def track_smooth(
    ts: Floats,
    x: Floats,
    y: Floats,
    sigma_m: float,
    params: TrackSmoothParams,
    velocity: tuple[Floats, Floats] | None = None,
) -> tuple[Floats, Floats, NDArray[np.bool_]]:
    """Smoothed (x, y) of fixes without speed or heading, and which fixes are outliers.

    Each axis is a constant-velocity model driven by white acceleration noise
    (``accel_mps2``) and measured with noise ``sigma_m``; a forward Kalman filter and a
    backward Rauch-Tung-Striebel pass give each fix the estimate from all fixes around
    it. Both axes share the same covariances, so they are computed once. A fix the
    filter finds too far off (``gate`` standard deviations) is not used and is marked.
    ``velocity``: the reported (east, north) velocity of each fix (NaN: none), measured
    with ``params.velocity_sigma_mps``; it ties consecutive fixes far tighter.
    """
    n = len(ts)
    outlier = np.zeros(n, dtype=bool)
    if n < 3:
        return x.copy(), y.copy(), outlier
    r = sigma_m * sigma_m
    typical_dt = float(np.median(np.diff(ts)))
    q = (params.accel_mps2 * max(1.0, typical_dt / params.sparse_s)) ** 2
    gate2 = params.gate**2
    rv = params.velocity_sigma_mps**2
    # forward filter: state (position, velocity) per axis; covariance shared
    mx = np.zeros((n, 2))
    my = np.zeros((n, 2))
    pf = np.zeros((n, 3))  # filtered covariance (p00, p01, p11)
    pp = np.zeros((n, 3))  # predicted covariance
    big = 1e6
    px, vx, py, vy = float(x[0]), 0.0, float(y[0]), 0.0
    p00, p01, p11 = r, 0.0, 100.0
    pp[0] = (p00, p01, p11)
    for k in range(n):
        if k > 0:
            dt = float(ts[k] - ts[k - 1])
            if dt > params.gap_s or dt <= 0:
                px, vx, py, vy = float(x[k]), 0.0, float(y[k]), 0.0
                p00, p01, p11 = big, 0.0, big
            else:
                px, py = px + dt * vx, py + dt * vy
                p00, p01, p11 = (
                    p00 + 2 * dt * p01 + dt * dt * p11 + q * dt**3 / 3,
                    p01 + dt * p11 + q * dt * dt / 2,
                    p11 + q * dt,
                )
            pp[k] = (p00, p01, p11)
        s = p00 + r
        ix, iy = float(x[k]) - px, float(y[k]) - py
        if k > 0 and (ix * ix + iy * iy) / s > 2 * gate2:
            outlier[k] = True
        else:
            k0, k1 = p00 / s, p01 / s
            px, vx = px + k0 * ix, vx + k1 * ix
            py, vy = py + k0 * iy, vy + k1 * iy
            p00, p01, p11 = (1 - k0) * p00, (1 - k0) * p01, p11 - k1 * p01
        if velocity is not None and not (np.isnan(velocity[0][k]) or np.isnan(velocity[1][k])):
            sv = p11 + rv
            k0, k1 = p01 / sv, p11 / sv
            jx, jy = float(velocity[0][k]) - vx, float(velocity[1][k]) - vy
            px, vx = px + k0 * jx, vx + k1 * jx
            py, vy = py + k0 * jy, vy + k1 * jy
            p00, p01, p11 = p00 - k0 * p01, p01 - k0 * p11, p11 - k1 * p11
        mx[k] = (px, vx)
        my[k] = (py, vy)
        pf[k] = (p00, p01, p11)
    # backward RTS pass
    sx, sy = mx.copy(), my.copy()
    for k in range(n - 2, -1, -1):
        dt = float(ts[k + 1] - ts[k])
        if dt > params.gap_s or dt <= 0:
            continue
        f00, f01, f11 = pf[k]
        q00, q01, q11 = pp[k + 1]
        det = q00 * q11 - q01 * q01
        if det <= 0:
            continue
        # C = P_f F^T P_p^-1, F = [[1, dt], [0, 1]]
        a00, a01 = f00 + dt * f01, f01
        a10, a11 = f01 + dt * f11, f11
        c00 = (a00 * q11 - a01 * q01) / det
        c01 = (a01 * q00 - a00 * q01) / det
        c10 = (a10 * q11 - a11 * q01) / det
        c11 = (a11 * q00 - a10 * q01) / det
        for m, sm in ((mx, sx), (my, sy)):
            dp = sm[k + 1, 0] - (m[k, 0] + dt * m[k, 1])
            dv = sm[k + 1, 1] - m[k, 1]
            sm[k, 0] = m[k, 0] + c00 * dp + c01 * dv
            sm[k, 1] = m[k, 1] + c10 * dp + c11 * dv
    return sx[:, 0].copy(), sy[:, 0].copy(), outlier
