"""Map matching: positions to OSM ways and road segments, with Valhalla.

For each trip (see :mod:`roadsense.roads.trips`) Valhalla finds the path; then each fix
is placed on that path with the along-path smoother of
:mod:`roadsense.roads.smoothing`, and its place turned into an OSM way and a road
segment. A fix that cannot be matched is kept and flagged (``matched=False``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from roadsense.roads.geometry import Floats
from roadsense.roads.network import RoadNetwork
from roadsense.roads.presmooth import PresmoothParams, presmooth
from roadsense.roads.smoothing import SmoothingParams, odometry, smooth_along_path
from roadsense.roads.trips import TracePoint, TripRules, split_trips
from roadsense.roads.valhalla_match import ValhallaClient, ValhallaOptions, ValhallaPath, to_path


@dataclass(frozen=True)
class MatchOptions:
    """How traces are matched. The defaults are the tuned ones (docs/roads.md)."""

    valhalla: ValhallaOptions = field(
        default_factory=lambda: ValhallaOptions(
            gps_accuracy_m=10.0, search_radius_m=50.0, turn_penalty_factor=500.0
        )
    )
    presmooth: PresmoothParams | None = field(default_factory=PresmoothParams)
    """Dead-reckoning smoothing of the fixes before matching; None: match raw fixes."""
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
                search_radius_m=max(50.0, 4.0 * sigma_m),
                turn_penalty_factor=500.0,
            ),
            presmooth=PresmoothParams(),
            smoothing=SmoothingParams(sigma_m=max(sigma_m, 3.0)),
        )

    @classmethod
    def valhalla_defaults(cls) -> MatchOptions:
        """Valhalla exactly as it comes: default options, its own placement of fixes."""
        return cls(valhalla=ValhallaOptions(use_timestamps=False), presmooth=None, smoothing=None)


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


UNMATCHED = PointMatch(matched=False)


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
            return empty
        frame = self.network.frame
        raw_x, raw_y = frame.to_xy(
            np.array([p.lon for p in trip_points]), np.array([p.lat for p in trip_points])
        )
        px, py = raw_x, raw_y
        if self.options.presmooth is not None:
            px, py = presmooth(
                ts,
                raw_x,
                raw_y,
                _floats([p.speed_mps for p in trip_points]),
                _floats([p.heading_deg for p in trip_points]),
                self.options.presmooth,
            )
            lon, lat = frame.to_lonlat(px, py)
            trip_points = [
                TracePoint(p.ts, float(la), float(lo), p.speed_mps, p.heading_deg)
                for p, lo, la in zip(trip_points, lon, lat, strict=True)
            ]
        answer = self._client.trace(trip_points, self.options.valhalla)
        vpath = to_path(answer, n, frame) if answer is not None else None
        if vpath is None:
            return empty
        s = vpath.point_s.copy()
        if self.options.smoothing is not None:
            s = self._smooth(trip_points, px, py, ts, vpath)
        ways: list[int] = []
        path: list[str] = []
        for k, i in enumerate(rows):
            if math.isnan(s[k]):
                continue
            match = self._at(vpath, s[k], vpath.point_piece[k], raw_x[k], raw_y[k], number)
            if match is None:
                s[k] = np.nan
                continue
            out[i] = match
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

    def _at(
        self,
        vpath: ValhallaPath,
        s: float,
        piece: int,
        px: float | None,
        py: float | None,
        trip: int,
    ) -> PointMatch | None:
        """The match of a place ``s`` on a trip's path (None if it is off the path)."""
        edge = self._edge_at(vpath, s, piece)
        if edge is None:
            return None
        x = float(np.interp(s, vpath.s, vpath.x))
        y = float(np.interp(s, vpath.s, vpath.y))
        way = vpath.edge_way[edge]
        located = self.network.locate_on_way(way, x, y)
        segment = located[0].segment_id if located is not None else None
        lon, lat = self.network.frame.to_lonlat(x, y)
        if px is None or py is None:
            distance = None
            quality = 1.0
            matched = True
        else:
            distance = float(math.hypot(px - x, py - y))
            quality = math.exp(-(distance**2) / (2.0 * (2.0 * self._sigma) ** 2))
            matched = distance <= self.options.max_distance_m
        if not matched:
            return PointMatch(matched=False, distance_m=distance, trip=trip)
        return PointMatch(
            matched=True,
            osm_way_id=way,
            segment_id=segment,
            distance_m=None if distance is None else round(distance, 2),
            quality=round(quality, 4),
            lon=round(float(lon), 7),
            lat=round(float(lat), 7),
            trip=trip,
            offset_m=round(s, 2),
        )

    def _edge_at(self, vpath: ValhallaPath, s: float, piece: int) -> int | None:
        edges = [
            e
            for e, p in zip(vpath.point_edge, vpath.point_piece, strict=True)
            if e is not None and p == piece
        ]
        if not edges:
            return None
        e0, e1 = min(edges), max(edges)
        ends = vpath.edge_end[e0 : e1 + 1]
        j = e0 + int(np.searchsorted(ends, s, side="left"))
        return min(j, e1)

    # -- events ------------------------------------------------------------------------

    def place(self, result: MatchResult, ts: float, max_gap_s: float = 10.0) -> PointMatch:
        """Where a vehicle was at time ``ts`` on its matched path (for an event).

        The place is interpolated in time between the nearest matched fixes around
        ``ts``; an event more than ``max_gap_s`` from any matched fix is not matched.
        """
        for trip in result.trips:
            if trip.vpath is None or len(trip.ts) == 0:
                continue
            if not trip.ts[0] - max_gap_s <= ts <= trip.ts[-1] + max_gap_s:
                continue
            ok = np.where(~np.isnan(trip.s))[0]
            if len(ok) == 0:
                continue
            times = trip.ts[ok]
            j = int(np.searchsorted(times, ts))
            before = ok[j - 1] if j > 0 else None
            after = ok[j] if j < len(ok) else None
            if before is not None and after is not None:
                same_piece = trip.pieces[before] == trip.pieces[after]
                t0, t1 = trip.ts[before], trip.ts[after]
                if same_piece and t1 - t0 <= 2 * max_gap_s:
                    f = 0.0 if t1 == t0 else (ts - t0) / (t1 - t0)
                    s = trip.s[before] + f * (trip.s[after] - trip.s[before])
                    return (
                        self._at(trip.vpath, s, trip.pieces[before], None, None, trip.index)
                        or UNMATCHED
                    )
                nearest = before if ts - t0 <= t1 - ts else after
            else:
                nearest = before if before is not None else after
            assert nearest is not None
            if abs(trip.ts[nearest] - ts) > max_gap_s:
                continue
            return (
                self._at(trip.vpath, trip.s[nearest], trip.pieces[nearest], None, None, trip.index)
                or UNMATCHED
            )
        return UNMATCHED
