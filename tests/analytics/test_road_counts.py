"""The junction count: each warning at its nearest junction, within the radius only."""

from __future__ import annotations

from roadsense.analytics.road_counts import count_near_junctions, event_point, segment_exposure
from roadsense.store import Junction
from roadsense.store.roads_rows import SegmentFix
from tests.factories import T0

M_LON = 1 / (111_320.0 * 0.5)  # a metre of longitude at 60 degrees north, about
JUNCTIONS = [
    Junction(1, 25.0, 60.0, 3, ("a", "b", "c")),
    Junction(2, 25.0 + 50 * M_LON, 60.0, 4, ("c", "d", "e", "f")),
]


def test_a_point_counts_at_its_nearest_junction_only() -> None:
    points = [
        (25.0 + 10 * M_LON, 60.0),  # 10 m from 1, 40 m from 2
        (25.0 + 26 * M_LON, 60.0),  # 26 m from 1, 24 m from 2: at 2 only
        (25.0 + 50 * M_LON, 60.0),  # on 2
        (25.0 - 35 * M_LON, 60.0),  # 35 m from 1: beyond 30 m
    ]
    assert count_near_junctions(points, JUNCTIONS, 30.0) == [1, 2]
    assert count_near_junctions(points, JUNCTIONS, 40.0) == [2, 2]
    assert count_near_junctions(points, [], 30.0) == []


def test_an_event_is_placed_on_the_road_when_matched() -> None:
    assert event_point(True, 1.0, 2.0, 3.0, 4.0) == (3.0, 4.0)
    assert event_point(False, 1.0, 2.0, 3.0, 4.0) == (1.0, 2.0)
    assert event_point(False, None, None, 3.0, 4.0) is None
    assert event_point(True, 1.0, 2.0, None, None) is None


def test_segment_metres_are_speed_times_step() -> None:
    fixes = [
        SegmentFix("v1", T0, "a", 10.0, 2.0),
        SegmentFix("v2", T0, "a", None, 5.0),  # unknown speed: no distance, still a vehicle
        SegmentFix("v1", T0, "b", 12.5, 4.0),
    ]
    by = {x.segment_id: x for x in segment_exposure(fixes)}
    assert (by["a"].metres, by["a"].vehicles, by["a"].vehicle_km) == (20.0, 2, 0.02)
    assert (by["b"].metres, by["b"].vehicles) == (50.0, 1)
