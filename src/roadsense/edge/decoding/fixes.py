"""Recent GPS fixes, and where the vehicle was at a given moment.

:meth:`FixBuffer.locate` interpolates linearly between the fixes either side of a moment when
both lie within the no-fix window, else takes the nearest fix within the window, else says
``no_fix``: a record is never dropped for want of a position.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Literal

PositionFlag = Literal["ok", "interpolated", "no_fix"]
EXACT_S = 0.001
"""A fix this close to the moment is the position itself, not an interpolation."""


@dataclass(frozen=True, slots=True)
class Fix:
    """One GPS fix: epoch seconds (UTC), degrees, m/s."""

    t: float
    lat: float
    lon: float
    speed_mps: float | None = None


@dataclass(frozen=True, slots=True)
class Located:
    """Where the vehicle was, and how that was found."""

    flag: PositionFlag
    lat: float | None = None
    lon: float | None = None
    speed_mps: float | None = None


NO_FIX = Located("no_fix")


class FixBuffer:
    """Fixes in time order, the last ``keep_s`` seconds of them, and those from
    :attr:`hold_from` on."""

    def __init__(self, window_s: float = 2.0, keep_s: float = 120.0) -> None:
        self.window_s = window_s
        self.keep_s = keep_s
        self.hold_from: float | None = None
        """Keep the fixes from this time on, however old (the onset of an episode still
        open: a blocked camera's lasts minutes, and its event is placed at the onset when
        it ends)."""
        self._times: list[float] = []
        self._fixes: list[Fix] = []

    def add(self, fix: Fix) -> bool:
        """Keep a fix; False (not kept) when it is not newer than the last one."""
        if self._times and fix.t <= self._times[-1]:
            return False
        self._times.append(fix.t)
        self._fixes.append(fix)
        if len(self._times) > 64 and self._times[0] < fix.t - 2 * self.keep_s:
            keep_from = fix.t - self.keep_s
            if self.hold_from is not None:
                keep_from = min(keep_from, self.hold_from - self.window_s)
            cut = bisect_left(self._times, keep_from)
            del self._times[:cut]
            del self._fixes[:cut]
        return True

    @property
    def latest_t(self) -> float | None:
        """Time of the newest fix."""
        return self._times[-1] if self._times else None

    def __len__(self) -> int:
        return len(self._times)

    def locate(self, t: float) -> Located:
        """Position at ``t``: interpolated, the nearest fix, or ``no_fix``."""
        i = bisect_left(self._times, t)
        after = self._fixes[i] if i < len(self._fixes) else None
        before = self._fixes[i - 1] if i > 0 else None
        w = self.window_s
        if after is not None and after.t - t <= EXACT_S:
            return Located("ok", after.lat, after.lon, after.speed_mps)
        if before is not None and t - before.t <= EXACT_S:
            return Located("ok", before.lat, before.lon, before.speed_mps)
        near_before = before is not None and t - before.t <= w
        near_after = after is not None and after.t - t <= w
        if near_before and near_after:
            assert before is not None
            assert after is not None
            f = (t - before.t) / (after.t - before.t)
            return Located(
                "interpolated",
                before.lat + f * (after.lat - before.lat),
                before.lon + f * (after.lon - before.lon),
                _lerp(before.speed_mps, after.speed_mps, f),
            )
        if near_before and (not near_after):
            assert before is not None
            return Located("ok", before.lat, before.lon, before.speed_mps)
        if near_after:
            assert after is not None
            return Located("ok", after.lat, after.lon, after.speed_mps)
        return NO_FIX


def _lerp(a: float | None, b: float | None, f: float) -> float | None:
    if a is None or b is None:
        return a if b is None else b
    return a + f * (b - a)
