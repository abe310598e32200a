"""Map matching on SUMO ground truth over real Helsinki streets, with real Valhalla."""

from __future__ import annotations

import math

import numpy as np
import pyarrow.parquet as pq

from roadsense.roads.geometry import angle_diff_deg
from roadsense.roads.matcher import MatchOptions
from roadsense.roads.service import CityRoads
from roadsense.roads.trips import TracePoint
from roadsense.schema import AdasEvent, Position
from roadsense.sim import SimResult, load_vehicle_records
from roadsense.sim.output import TRUTH_POSITIONS_FILE


def _trace(run: SimResult, vid: str) -> list[TracePoint]:
    return [
        TracePoint(r.time.timestamp(), r.lat, r.lon, r.speed_mps, r.heading_deg)
        for r in load_vehicle_records(run.out_dir, vid)
        if isinstance(r, Position)
    ]


def _truth_ways(run: SimResult, helsinki: CityRoads, vid: str) -> dict[float, set[int]]:
    """Per second, the ways a taxi could be on: its edge's ways near its true place."""
    table = pq.read_table(run.out_dir / TRUTH_POSITIONS_FILE).to_pylist()
    net = helsinki.network
    out: dict[float, set[int]] = {}
    for row in table:
        if row["vehicle_id"] != vid:
            continue
        x, y = net.frame.to_xy(row["true_lon"], row["true_lat"])
        near = set()
        for way in set(row["osm_way_ids"]) | set(row["junction_way_ids"]):
            located = net.locate_on_way(way, float(x), float(y))
            if located is not None and located[1].distance_m < 30:
                near.add(way)
        out[row["ts"].timestamp()] = near or set(row["osm_way_ids"])
    return out


def test_tuned_matching_finds_the_true_ways(fleet_run: SimResult, helsinki: CityRoads) -> None:
    matcher = helsinki.matcher(MatchOptions.tuned(10.0))
    hits = total = 0
    for vid in fleet_run.vehicle_ids:
        points = _trace(fleet_run, vid)
        truth = _truth_ways(fleet_run, helsinki, vid)
        result = matcher.match(points)
        assert len(result.points) == len(points)
        for p, m in zip(points, result.points, strict=True):
            window = set().union(*(truth.get(p.ts + d, set()) for d in (-2, -1, 0, 1, 2)))
            hits += m.matched and m.osm_way_id in window
            total += 1
        for trip in result.trips:
            assert trip.path == [
                s for i, s in enumerate(trip.path) if i == 0 or trip.path[i - 1] != s
            ]
    assert total > 1000
    assert hits / total > 0.9  # the Helsinki bench (docs/benchmarks.md) reports about 95 %


def test_matches_carry_segment_distance_and_quality(
    fleet_run: SimResult, helsinki: CityRoads
) -> None:
    matcher = helsinki.matcher()
    points = _trace(fleet_run, fleet_run.vehicle_ids[0])
    result = matcher.match(points)
    net = helsinki.network
    matched = [m for m in result.points if m.matched]
    assert len(matched) / len(points) > 0.97
    for m in matched:
        assert m.segment_id is not None
        assert m.osm_way_id is not None
        seg = net.by_id[m.segment_id]
        assert seg.osm_way_id == m.osm_way_id
        assert m.distance_m is not None
        assert 0 <= m.distance_m < 60
        assert 0 < m.quality <= 1
        assert m.lon is not None
        assert m.lat is not None
    distances = np.array([m.distance_m for m in matched])
    assert 5 < float(np.median(distances)) < 20  # sigma 10 m: median about 11.8 m


def test_far_away_points_are_kept_and_flagged(helsinki: CityRoads) -> None:
    matcher = helsinki.matcher()
    points = [TracePoint(1000.0 + i, 10.0 + i * 1e-5, 10.0, 5.0, 0.0) for i in range(5)]
    result = matcher.match(points)
    assert len(result.points) == 5
    assert not any(m.matched for m in result.points)


def test_events_are_placed_on_the_path_at_their_time(
    fleet_run: SimResult, helsinki: CityRoads
) -> None:
    matcher = helsinki.matcher()
    placed = 0
    for vid in fleet_run.vehicle_ids:
        records = load_vehicle_records(fleet_run.out_dir, vid)
        points = [
            TracePoint(r.time.timestamp(), r.lat, r.lon, r.speed_mps, r.heading_deg)
            for r in records
            if isinstance(r, Position)
        ]
        result = matcher.match(points)
        for event in (r for r in records if isinstance(r, AdasEvent)):
            place = matcher.place(result, event.time.timestamp())
            assert place.matched
            assert place.segment_id is not None
            assert event.lat is not None
            assert event.lon is not None
            x0, y0 = helsinki.network.frame.to_xy(event.lon, event.lat)
            assert place.lon is not None
            assert place.lat is not None
            x1, y1 = helsinki.network.frame.to_xy(place.lon, place.lat)
            assert math.hypot(float(x1 - x0), float(y1 - y0)) < 60
            placed += 1
        assert not matcher.place(result, points[-1].ts + 3600).matched
    assert placed > 0


def test_valhalla_defaults_option_skips_smoothing(helsinki: CityRoads) -> None:
    options = MatchOptions.valhalla_defaults()
    assert options.smoothing is None
    assert options.presmooth is None
    assert options.valhalla.trace_options() == {}
    assert angle_diff_deg(350, 10) == 20
