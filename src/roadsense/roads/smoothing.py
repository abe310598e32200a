"""Place each fix on the matched path using both its position and the distance driven.

Valhalla finds the path well but places noisy fixes on it one by one, so fixes near
the many short way boundaries of a city centre (and a taxi waiting at a stop line) fall
on the wrong side. The distance driven between two fixes is known far better than
either position: the vehicle reports its speed. This module runs a Viterbi search along
the path, in bins of a few metres near Valhalla's own placement, with

- emission cost: squared distance from the fix to the path point over 2 sigma^2;
- transition cost: squared difference between the distance moved along the path and
  the distance driven (trapezoid rule on the reported speeds) over 2 tau^2, where tau
  grows with the distance driven; moving backwards is forbidden beyond a few metres.

Without speeds the transition only keeps the order (no odometry).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from roadsense.roads.geometry import Floats

Ints = NDArray[np.int64]


@dataclass(frozen=True)
class SmoothingParams:
    """Tuning of the along-path search."""

    sigma_m: float = 10.0
    """GPS noise assumed for the emission cost."""
    bin_m: float = 2.0
    window_m: float = 40.0
    """Candidates lie within this distance of Valhalla's own placement (at least 3 sigma)."""
    tau_base_m: float = 2.0
    tau_per_m: float = 0.15
    backwards_m: float = 3.0


def odometry(ts: Floats, speed: Floats) -> Floats:
    """Distance driven since the first fix (trapezoid rule), metres."""
    if len(ts) == 0:
        return np.zeros(0)
    steps = (speed[1:] + speed[:-1]) / 2.0 * np.diff(ts)
    return np.concatenate([[0.0], np.cumsum(steps)])


def smooth_along_path(
    px: Floats,
    py: Floats,
    s0: Floats,
    odo: Floats | None,
    path_x: Floats,
    path_y: Floats,
    path_s: Floats,
    s_range: tuple[float, float],
    params: SmoothingParams,
) -> Floats:
    """The best place on the path (``s``, metres) of each fix of one continuous piece.

    ``px, py``: the fixes in local metres; ``s0``: Valhalla's placements; ``odo``: the
    distance driven (None if speeds are unknown); ``path_*``: the path polyline with
    ``s`` at each vertex; ``s_range``: the part of the path this piece may use.
    """
    n = len(px)
    if n == 0:
        return np.zeros(0)
    lo, hi = s_range
    step = params.bin_m
    first_bin = int(np.floor(lo / step))
    last_bin = int(np.ceil(hi / step))
    bins = np.arange(first_bin, last_bin + 1)
    bin_s = np.clip(bins * step, lo, hi)
    bx = np.interp(bin_s, path_s, path_x)
    by = np.interp(bin_s, path_s, path_y)
    radius = max(params.window_m, 3.0 * params.sigma_m)
    two_sigma2 = 2.0 * params.sigma_m**2
    candidates: list[Ints] = []
    for k in range(n):
        a = int(np.floor((max(lo, s0[k] - radius)) / step)) - first_bin
        b = int(np.ceil((min(hi, s0[k] + radius)) / step)) - first_bin
        a = min(max(a, 0), len(bins) - 1)
        b = min(max(b, a), len(bins) - 1)
        candidates.append(np.arange(a, b + 1, dtype=np.int64))
    back: list[Ints] = []
    cand = candidates[0]
    cost = ((bx[cand] - px[0]) ** 2 + (by[cand] - py[0]) ** 2) / two_sigma2
    for k in range(1, n):
        prev = cand
        cand = candidates[k]
        emission = ((bx[cand] - px[k]) ** 2 + (by[cand] - py[k]) ** 2) / two_sigma2
        moved = (bin_s[cand][:, None] - bin_s[prev][None, :]).astype(np.float64)
        if odo is not None:
            driven = float(odo[k] - odo[k - 1])
            tau = params.tau_base_m + params.tau_per_m * driven
            transition = (moved - driven) ** 2 / (2.0 * tau * tau)
        else:
            transition = np.zeros_like(moved)
        transition = np.where(moved < -params.backwards_m, 1e9, transition)
        total = cost[None, :] + transition
        best = np.argmin(total, axis=1)
        back.append(best)
        cost = total[np.arange(len(cand)), best] + emission
    chosen = np.empty(n, dtype=np.int64)
    j = int(np.argmin(cost))
    chosen[n - 1] = candidates[n - 1][j]
    for k in range(n - 1, 0, -1):
        j = int(back[k - 1][j])
        chosen[k - 1] = candidates[k - 1][j]
    return np.asarray(bin_s[chosen], dtype=np.float64)
