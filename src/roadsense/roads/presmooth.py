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
