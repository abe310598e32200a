"""Map matching: positions to OSM ways and road segments, with Valhalla.

For each trip (see :mod:`roadsense.roads.trips`) the fixes are smoothed (a Kalman/RTS
smoother, with the reported velocity where given: :mod:`roadsense.roads.presmooth`),
Valhalla finds the path through them, each fix is placed on that path with the
along-path smoother of :mod:`roadsense.roads.smoothing`, and its place turned into an
OSM way and a road segment, a trip's fixes all at once. A fix that cannot be matched is
kept and flagged (``matched=False``) with the reason (:data:`NO_ROAD_NEAR`,
:data:`TRIP_TOO_SHORT`, :data:`OUTLIER`). See docs/roads.md for what each step buys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from roadsense.roads.geometry import Floats
from roadsense.roads.network import RoadNetwork
from roadsense.roads.presmooth import (
    PresmoothParams,
    TrackSmoothParams,
    presmooth,
    track_smooth,
)
from roadsense.roads.smoothing import SmoothingParams, odometry, smooth_along_path
from roadsense.roads.trips import TracePoint, TripRules, split_trips
from roadsense.roads.valhalla_match import ValhallaClient, ValhallaOptions, ValhallaPath, to_path


@dataclass(frozen=True)
class MatchOptions:
    """How traces are matched. The defaults are the tuned ones (docs/roads.md)."""

    valhalla: ValhallaOptions = field(
        default_factory=lambda: ValhallaOptions(
            gps_accuracy_m=10.0,
            search_radius_m=40.0,
            turn_penalty_factor=200.0,
            interpolation_distance_m=15.0,
        )
    )
    presmooth: PresmoothParams | None = field(default_factory=PresmoothParams)
    """Dead-reckoning smoothing of the fixes before matching (trips whose fixes mostly
    report speed and heading); None: match raw fixes."""
    track_smooth: TrackSmoothParams | None = field(default_factory=TrackSmoothParams)
    """Kalman + RTS smoothing of the fixes (with the reported velocity where given);
    None: the dead-reckoning ``presmooth`` (if set)."""
    use_velocity: bool = True
    """Whether the Kalman smoother uses the reported speed and heading."""
    smoothing: SmoothingParams | None = field(default_factory=SmoothingParams)
    """None: keep Valhalla's own placement of each fix."""
    trips: TripRules = field(default_factory=TripRules)
    max_distance_m: float = 60.0
    """A fix farther than this from its place on the road is not matched."""

    @classmethod
    def tuned(cls, sigma_m: float = 10.0) -> MatchOptions:
        """The tuned options for GPS noise of about ``sigma_m`` metres."""
        return cls(
            valhalla=ValhallaOptions(
                gps_accuracy_m=sigma_m,
                search_radius_m=max(40.0, 2.0 * sigma_m),
                turn_penalty_factor=200.0,
                interpolation_distance_m=15.0,
            ),
            presmooth=PresmoothParams(),
            track_smooth=TrackSmoothParams(),
            smoothing=SmoothingParams(sigma_m=max(sigma_m, 3.0)),
        )

    @classmethod
    def valhalla_defaults(cls) -> MatchOptions:
        """Valhalla exactly as it comes: default options, its own placement of fixes."""
        return cls(
            valhalla=ValhallaOptions(use_timestamps=False),
            presmooth=None,
            track_smooth=None,
            smoothing=None,
        )


@dataclass(frozen=True)
class PointMatch:
    """Where one fix (or event) lies on the road network."""

    matched: bool
    osm_way_id: int | None = None
    segment_id: str | None = None
    distance_m: float | None = None
    """From the reported position to its place on the road."""
    quality: float = 0.0
    """0 (not matched) to 1: exp(-d^2 / (2 (2 sigma)^2)) for a distance d from the road."""
    lon: float | None = None
    lat: float | None = None
    """Place on the road."""
    trip: int | None = None
    offset_m: float | None = None
    """Distance along the trip's matched path."""
    reason: str | None = None
    """Why a fix is not matched: :data:`NO_ROAD_NEAR`, :data:`TRIP_TOO_SHORT`,
    :data:`OUTLIER` (None when matched)."""


NO_ROAD_NEAR = "no_road_near"
"""Valhalla found no road for the fix (or none for its whole trip)."""
TRIP_TOO_SHORT = "trip_too_short"
"""The fix's trip holds a single fix: there is no path to put it on."""
OUTLIER = "outlier"
"""The fix lies farther from its place on the matched path than ``max_distance_m``."""

UNMATCHED = PointMatch(matched=False, reason=NO_ROAD_NEAR)


def _piece_edges(vpath: ValhallaPath) -> dict[int, tuple[int, int]]:
    """For each continuous piece of a path, the first and last edge its fixes use."""
    out: dict[int, tuple[int, int]] = {}
    for e, p in zip(vpath.point_edge, vpath.point_piece, strict=True):
        if e is None:
            continue
        lo, hi = out.get(p, (e, e))
        out[p] = (min(lo, e), max(hi, e))
    return out


def _place_on_trip(
    trip: TripMatch, ok: NDArray[np.int64], good: Floats, ts: float, max_gap_s: float
) -> tuple[float, int] | None:
    """(place along the path, piece) of time ``ts`` on a trip, from its matched fixes
    ``ok`` (their times ``good``): interpolated between the two around it when they are
    on one piece and close in time, else the nearest if within ``max_gap_s``."""
    j = int(np.searchsorted(good, ts))
    before = int(ok[j - 1]) if j > 0 else None
    after = int(ok[j]) if j < len(ok) else None
    if before is not None and after is not None:
        t0, t1 = trip.ts[before], trip.ts[after]
        if trip.pieces[before] == trip.pieces[after] and t1 - t0 <= 2 * max_gap_s:
            f = 0.0 if t1 == t0 else (ts - t0) / (t1 - t0)
            s = trip.s[before] + f * (trip.s[after] - trip.s[before])
            return float(s), trip.pieces[before]
        nearest: int | None = before if ts - t0 <= t1 - ts else after
    else:
        nearest = before if before is not None else after
    assert nearest is not None
    if abs(trip.ts[nearest] - ts) > max_gap_s:
        return None
    return float(trip.s[nearest]), trip.pieces[nearest]


def _floats(values: list[float | None]) -> Floats:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


@dataclass
class TripMatch:
    """One trip: which input fixes it holds, and its matched path."""

    index: int
    rows: range
    path: list[str]
    """Road segments driven, in order (consecutive repeats folded)."""
    ways: list[int]
    """OSM ways driven, in order."""
    ts: Floats
    s: Floats
    """Each fix's place along the path (NaN where not matched)."""
    pieces: list[int]
    vpath: ValhallaPath | None


@dataclass
class MatchResult:
    """Matches for every input fix, in input order, and the trips."""

    points: list[PointMatch]
    trips: list[TripMatch]

    @property
    def matched_share(self) -> float:
        """Share of fixes matched."""
        if not self.points:
            return 0.0
        return sum(p.matched for p in self.points) / len(self.points)


class MapMatcher:
    """Match traces on one road network with Valhalla tiles built from the same file."""

    def __init__(
        self, network: RoadNetwork, config_file: Path, options: MatchOptions | None = None
    ) -> None:
        self.network = network
        self.options = options or MatchOptions()
        self._client = ValhallaClient(config_file)
        sigma = self.options.valhalla.gps_accuracy_m
        if self.options.smoothing is not None:
            sigma = self.options.smoothing.sigma_m
        self._sigma = sigma or 10.0
        self._segments: dict[tuple[int, ...], str | None] = {}

    def match(self, points: list[TracePoint]) -> MatchResult:
        """Match one vehicle's fixes (in time order)."""
        out: list[PointMatch] = [UNMATCHED] * len(points)
        trips: list[TripMatch] = []
        for number, rows in enumerate(split_trips(points, self.options.trips)):
            trip = self._match_trip(number, rows, points, out)
            trips.append(trip)
        return MatchResult(out, trips)

    # -- one trip ----------------------------------------------------------------------

    def _match_trip(
        self, number: int, rows: range, points: list[TracePoint], out: list[PointMatch]
    ) -> TripMatch:
        trip_points = [points[i] for i in rows]
        n = len(trip_points)
        ts = np.array([p.ts for p in trip_points], dtype=np.float64)
        empty = TripMatch(number, rows, [], [], ts, np.full(n, np.nan), [0] * n, None)
        if n < 2:
            for i in rows:
                out[i] = PointMatch(matched=False, trip=number, reason=TRIP_TOO_SHORT)
            return empty
        frame = self.network.frame
        raw_x, raw_y = frame.to_xy(
            np.array([p.lon for p in trip_points]), np.array([p.lat for p in trip_points])
        )
        px, py = raw_x, raw_y
        speed = _floats([p.speed_mps for p in trip_points])
        heading = _floats([p.heading_deg for p in trip_points])
        smoothed = False
        if self.options.track_smooth is not None:
            velocity = None
            if self.options.use_velocity:
                rad = np.radians(np.where(speed < 0.5, 0.0, heading))
                velocity = (speed * np.sin(rad), speed * np.cos(rad))
            px, py, _ = track_smooth(
                ts, raw_x, raw_y, self._sigma, self.options.track_smooth, velocity
            )
            smoothed = True
        elif self.options.presmooth is not None:
            px, py = presmooth(ts, raw_x, raw_y, speed, heading, self.options.presmooth)
            smoothed = True
        if smoothed:
            lon, lat = frame.to_lonlat(px, py)
            trip_points = [
                TracePoint(p.ts, float(la), float(lo), p.speed_mps, p.heading_deg)
                for p, lo, la in zip(trip_points, lon, lat, strict=True)
            ]
        answer = self._client.trace(trip_points, self.options.valhalla)
        vpath = to_path(answer, n, frame) if answer is not None else None
        if vpath is None:
            for i in rows:
                out[i] = PointMatch(matched=False, trip=number, reason=NO_ROAD_NEAR)
            return empty
        s = vpath.point_s.copy()
        if self.options.smoothing is not None:
            s = self._smooth(trip_points, px, py, ts, vpath)
        places = self._places(vpath, s, np.asarray(vpath.point_piece), raw_x, raw_y, number)
        ways: list[int] = []
        path: list[str] = []
        for k, i in enumerate(rows):
            match = places[k]
            out[i] = match
            if not match.matched:
                s[k] = np.nan
                continue
            if match.osm_way_id is not None and (not ways or ways[-1] != match.osm_way_id):
                ways.append(match.osm_way_id)
            if match.segment_id is not None and (not path or path[-1] != match.segment_id):
                path.append(match.segment_id)
        return TripMatch(number, rows, path, ways, ts, s, vpath.point_piece, vpath)

    def _smooth(
        self,
        trip_points: list[TracePoint],
        px: Floats,
        py: Floats,
        ts: Floats,
        vpath: ValhallaPath,
    ) -> Floats:
        assert self.options.smoothing is not None
        s = vpath.point_s.copy()
        pieces = np.asarray(vpath.point_piece)
        ok = ~np.isnan(vpath.point_s)
        speeds = [p.speed_mps for p in trip_points]
        for piece in np.unique(pieces[ok]):
            idx = np.where(ok & (pieces == piece))[0]
            if len(idx) < 2:
                continue
            edges = [vpath.point_edge[k] for k in idx]
            e0 = min(e for e in edges if e is not None)
            e1 = max(e for e in edges if e is not None)
            odo = None
            if all(speeds[k] is not None for k in idx):
                sp = np.array([speeds[k] for k in idx], dtype=np.float64)
                odo = odometry(ts[idx], sp)
            s[idx] = smooth_along_path(
                px[idx],
                py[idx],
                vpath.point_s[idx],
                odo,
                vpath.x,
                vpath.y,
                vpath.s,
                (float(vpath.edge_start[e0]), float(vpath.edge_end[e1])),
                self.options.smoothing,
            )
        return s

    def _places(
        self,
        vpath: ValhallaPath,
        s: Floats,
        pieces: NDArray[np.int64],
        px: Floats | None,
        py: Floats | None,
        trip: int,
    ) -> list[PointMatch]:
        """The match of each place ``s`` (NaN: none) on a trip's path, all at once."""
        n = len(s)
        edge = np.full(n, -1, dtype=np.int64)
        ranges = _piece_edges(vpath)
        for piece, (e0, e1) in ranges.items():
            sel = np.flatnonzero((pieces == piece) & ~np.isnan(s))
            if len(sel) == 0:
                continue
            j = e0 + np.searchsorted(vpath.edge_end[e0 : e1 + 1], s[sel], side="left")
            edge[sel] = np.minimum(j, e1)
        x = np.interp(s, vpath.s, vpath.x)
        y = np.interp(s, vpath.s, vpath.y)
        lon, lat = self.network.frame.to_lonlat(x, y)
        dist = None if px is None or py is None else np.hypot(px - x, py - y)
        quality = (
            np.ones(n) if dist is None else np.exp(-(dist**2) / (2.0 * (2.0 * self._sigma) ** 2))
        )
        segments = self._edge_segments(vpath, np.unique(edge[edge >= 0]))
        out: list[PointMatch] = []
        for k in range(n):
            e = int(edge[k])
            if e < 0:
                out.append(PointMatch(matched=False, trip=trip, reason=NO_ROAD_NEAR))
                continue
            d = None if dist is None else float(dist[k])
            if d is not None and d > self.options.max_distance_m:
                out.append(
                    PointMatch(matched=False, distance_m=round(d, 2), trip=trip, reason=OUTLIER)
                )
                continue
            way = vpath.edge_way[e]
            segment = segments[e]
            if segment is None:  # the edge spans segments: locate this fix
                located = self.network.locate_on_way(way, float(x[k]), float(y[k]))
                segment = located[0].segment_id if located is not None else None
            out.append(
                PointMatch(
                    matched=True,
                    osm_way_id=way,
                    segment_id=segment,
                    distance_m=None if d is None else round(d, 2),
                    quality=round(float(quality[k]), 4),
                    lon=round(float(lon[k]), 7),
                    lat=round(float(lat[k]), 7),
                    trip=trip,
                    offset_m=round(float(s[k]), 2),
                )
            )
        return out

    def _edge_segments(
        self, vpath: ValhallaPath, edges: NDArray[np.int64]
    ) -> dict[int, str | None]:
        """The one segment each Valhalla edge lies on (None if it spans several).

        Looked up once per edge (by its way and rounded ends, a little inside them) and
        remembered: the same edges come back trip after trip. The ends of all ``edges``
        are placed at once.
        """
        if len(edges) == 0:
            return {}
        a = np.asarray(vpath.edge_start, dtype=np.float64)[edges]
        b = np.asarray(vpath.edge_end, dtype=np.float64)[edges]
        inset = np.minimum(1.0, (b - a) / 4.0)
        ends = np.concatenate([a + inset, b - inset])
        xs = np.interp(ends, vpath.s, vpath.x)
        ys = np.interp(ends, vpath.s, vpath.y)
        kx, ky = np.rint(xs).astype(np.int64).tolist(), np.rint(ys).astype(np.int64).tolist()
        n = len(edges)
        out: dict[int, str | None] = {}
        for k, e in enumerate(edges.tolist()):
            way = vpath.edge_way[e]
            key = (way, kx[k], ky[k], kx[n + k], ky[n + k])
            if key not in self._segments:
                found: set[str | None] = set()
                for x, y in ((xs[k], ys[k]), (xs[n + k], ys[n + k])):
                    located = self.network.locate_on_way(way, float(x), float(y))
                    found.add(located[0].segment_id if located is not None else None)
                self._segments[key] = found.pop() if len(found) == 1 else None
            out[e] = self._segments[key]
        return out

    # -- events ------------------------------------------------------------------------

    def place(self, result: MatchResult, ts: float, max_gap_s: float = 10.0) -> PointMatch:
        """Where a vehicle was at time ``ts`` on its matched path (for an event).

        The place is interpolated in time between the nearest matched fixes around
        ``ts``; an event more than ``max_gap_s`` from any matched fix is not matched.
        """
        return self.place_many(result, [ts], max_gap_s)[0]

    def place_many(
        self, result: MatchResult, times: Sequence[float], max_gap_s: float = 10.0
    ) -> list[PointMatch]:
        """:meth:`place` for many times at once (each trip's places computed together)."""
        out: list[PointMatch] = [UNMATCHED] * len(times)
        wanted: dict[int, list[tuple[int, float, int]]] = defaultdict(list)
        found = [False] * len(times)
        for trip in result.trips:
            if trip.vpath is None or len(trip.ts) == 0:
                continue
            ok = np.flatnonzero(~np.isnan(trip.s))
            if len(ok) == 0:
                continue
            good = trip.ts[ok]
            for k, ts in enumerate(times):
                if found[k] or not trip.ts[0] - max_gap_s <= ts <= trip.ts[-1] + max_gap_s:
                    continue
                where = _place_on_trip(trip, ok, good, ts, max_gap_s)
                if where is not None:
                    found[k] = True
                    wanted[trip.index].append((k, *where))
        by_index = {trip.index: trip for trip in result.trips}
        for index, asks in wanted.items():
            trip = by_index[index]
            assert trip.vpath is not None
            places = self._places(
                trip.vpath,
                np.array([s for _, s, _ in asks], dtype=np.float64),
                np.array([piece for _, _, piece in asks], dtype=np.int64),
                None,
                None,
                trip.index,
            )
            for (k, _, _), match in zip(asks, places, strict=True):
                out[k] = match
        return out
