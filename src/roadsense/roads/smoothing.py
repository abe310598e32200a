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
    # Every fix gets the same number of candidate bins, a window around Valhalla's
    # placement shifted to stay on the piece: the costs of a block of steps are then
    # computed as whole arrays, and only the min-plus recursion runs step by step.
    width = min(len(bins), int(np.ceil(2.0 * radius / step)) + 1)
    first = np.floor((np.nan_to_num(s0, nan=lo) - radius) / step).astype(np.int64) - first_bin
    first = np.clip(first, 0, len(bins) - width)
    cand = first[:, None] + np.arange(width, dtype=np.int64)[None, :]
    emission = ((bx[cand] - px[:, None]) ** 2 + (by[cand] - py[:, None]) ** 2) / two_sigma2
    cand_s = bin_s[cand]
    back = np.empty((max(n - 1, 0), width), dtype=np.int64)
    cost = emission[0].copy()
    rows = np.arange(width)
    block = 256
    for b0 in range(1, n, block):
        b1 = min(n, b0 + block)
        moved = cand_s[b0:b1, :, None] - cand_s[b0 - 1 : b1 - 1, None, :]
        if odo is not None:
            driven = (odo[b0:b1] - odo[b0 - 1 : b1 - 1])[:, None, None]
            tau = params.tau_base_m + params.tau_per_m * driven
            transition = (moved - driven) ** 2 / (2.0 * tau * tau)
        else:
            transition = np.zeros_like(moved)
        transition[moved < -params.backwards_m] = 1e9
        for k in range(b0, b1):
            total = transition[k - b0] + cost[None, :]
            best = np.argmin(total, axis=1)
            back[k - 1] = best
            cost = total[rows, best] + emission[k]
    chosen = np.empty(n, dtype=np.int64)
    j = int(np.argmin(cost))
    chosen[n - 1] = cand[n - 1, j]
    for k in range(n - 1, 0, -1):
        j = int(back[k - 1, j])
        chosen[k - 1] = cand[k - 1, j]
    return np.asarray(bin_s[chosen], dtype=np.float64)
