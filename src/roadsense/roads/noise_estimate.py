"""How noisy a trace's GPS is, estimated from the trace itself.

A position-only CSV says nothing of its receiver's error, and the matcher's options
(:meth:`~roadsense.roads.matcher.MatchOptions.tuned`: Valhalla's GPS accuracy and search
radius, the smoothers' noise) depend on it. The estimate is a first pass: some of the
trace's fixes are matched with the options for :data:`PROBE_SIGMA_M`, and the median
distance from a fix to its place on the matched road, divided by
:data:`MEDIAN_DISTANCE_PER_SIGMA`, is the noise per axis. For white Gaussian noise the
distance from the true place is Rayleigh distributed, median 1.177 sigma; the matched
place is not the true one (the smoothers pull it toward the fix, a lane lies off the
centreline), and on the tuning split of ``bench/map_matching.py`` the median came out at
1.15-1.26 sigma for 5-20 m at 1 s and 1.00-1.15 sigma at 5 s; 1.16 is the 10 m, 1 s
figure. Noise correlated over tens of seconds reads lower (0.9 sigma at 1 s): part of it
moves the whole trace, which the matcher cannot see either. docs/roads.md has the figures.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from roadsense.roads.matcher import MapMatcher, MatchResult
from roadsense.roads.trips import TracePoint

PROBE_SIGMA_M = 10.0
"""The noise the first pass assumes (a phone or a fleet receiver in a city)."""
MEDIAN_DISTANCE_PER_SIGMA = 1.16
"""Median fix-to-road distance over the noise per axis (calibrated on the tuning split)."""
SAMPLE_FIXES = 3000
"""Fixes the first pass matches at most (the longest vehicles' traces first, each cut
where the sample is full)."""
MIN_FIXES = 100
"""Fewer matched fixes than this: no estimate."""
SIGMA_RANGE_M = (2.0, 50.0)
"""The estimate is held within this (as ``roadsense match --gps-accuracy`` is)."""
CLOSE_TO_PROBE = 0.2
"""An estimate within this share of :data:`PROBE_SIGMA_M` keeps the probe's options, and
the vehicles the first pass matched whole need no second pass (the options' accuracy
setting moves the result by under 0.003 in that range, docs/roads.md)."""


@dataclass(frozen=True)
class NoiseEstimate:
    """The GPS noise per axis a trace shows, and from how many matched fixes."""

    sigma_m: float
    fixes: int
    matched: dict[str, MatchResult] = field(default_factory=dict)
    """The first pass's results of the vehicles it matched whole."""

    @property
    def close_to_probe(self) -> bool:
        """The probe's options suit this noise (:data:`CLOSE_TO_PROBE`)."""
        return abs(self.sigma_m - PROBE_SIGMA_M) <= CLOSE_TO_PROBE * PROBE_SIGMA_M


def estimate_noise(
    probe: MapMatcher,
    traces: Mapping[str, Sequence[TracePoint]],
    sample_fixes: int = SAMPLE_FIXES,
) -> NoiseEstimate | None:
    """The noise of ``traces`` (vehicle -> its fixes in time order) from a first pass of
    ``probe`` (a matcher with the options for :data:`PROBE_SIGMA_M`); None when too few
    fixes match."""
    distances: list[float] = []
    whole: dict[str, MatchResult] = {}
    taken = 0
    for vehicle in sorted(traces, key=lambda v: len(traces[v]), reverse=True):
        if taken >= sample_fixes:
            break
        trace = traces[vehicle]
        piece = list(trace[: sample_fixes - taken])  # a long day: its first hour or so
        if len(piece) < 2:
            continue
        taken += len(piece)
        result = probe.match(piece)
        if len(piece) == len(trace):
            whole[vehicle] = result
        distances.extend(
            p.distance_m for p in result.points if p.matched and p.distance_m is not None
        )
    if len(distances) < MIN_FIXES:
        return None
    sigma = statistics.median(distances) / MEDIAN_DISTANCE_PER_SIGMA
    low, high = SIGMA_RANGE_M
    return NoiseEstimate(round(min(max(sigma, low), high), 1), len(distances), whole)
