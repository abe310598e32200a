"""Split one vehicle's positions into trips: at gaps in time, jumps, and long stops.

A single fix that jumps away and straight back (multipath) does not cut the trip: it
stays in it, and the matcher flags it as an outlier.

A trip is what the map matcher sees as one continuous drive. Every input point lands
in exactly one trip: nothing is dropped here.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from roadsense.roads.geometry import haversine_m


@dataclass(frozen=True)
class TracePoint:
    """One GPS fix as the matcher uses it (time in epoch seconds)."""

    ts: float
    lat: float
    lon: float
    speed_mps: float | None = None
    heading_deg: float | None = None


@dataclass(frozen=True)
class TripRules:
    """Where a trace is cut into trips."""

    max_gap_s: float = 60.0
    """A longer silence between fixes ends the trip."""
    max_jump_mps: float = 70.0
    """A jump faster than this (over more than ``min_jump_m``) ends the trip."""
    min_jump_m: float = 200.0
    stop_s: float = 300.0
    """A stop (within ``stop_radius_m``) at least this long ends the trip."""
    stop_radius_m: float = 25.0
    max_points: int = 3600
    """Longer trips are cut into pieces of this many points (bounds work per request)."""


def _breaks(a: TracePoint, b: TracePoint, rules: TripRules) -> bool:
    """Whether going from ``a`` to ``b`` is a silence or a jump that ends a trip."""
    dt = b.ts - a.ts
    if dt > rules.max_gap_s:
        return True
    dist = haversine_m(a.lon, a.lat, b.lon, b.lat)
    return dist > rules.min_jump_m and dist > rules.max_jump_mps * max(dt, 1e-9)


def split_trips(points: list[TracePoint], rules: TripRules | None = None) -> list[range]:
    """Index ranges of the trips in ``points`` (which must be in time order)."""
    rules = rules or TripRules()
    n = len(points)
    if n == 0:
        return []
    cuts = {0, n}
    stop_start = 0
    last = 0
    for i in range(1, n):
        a, b = points[last], points[i]
        if _breaks(a, b, rules):
            if i + 1 < n and not _breaks(a, points[i + 1], rules):
                continue  # a lone fix off and back (multipath): it stays, an outlier
            cuts.add(i)
            stop_start = last = i
            continue
        last = i
        anchor = points[stop_start]
        if haversine_m(anchor.lon, anchor.lat, b.lon, b.lat) > rules.stop_radius_m:
            # the vehicle left the stop area: a long stop before here ends a trip
            if points[i - 1].ts - anchor.ts >= rules.stop_s:
                cuts.add(i)
            stop_start = i
    edges = sorted(cuts)
    out: list[range] = []
    for first, stop in itertools.pairwise(edges):
        pieces = max(1, math.ceil((stop - first) / rules.max_points))
        size = math.ceil((stop - first) / pieces)
        out.extend(range(s, min(s + size, stop)) for s in range(first, stop, size))
    return out
