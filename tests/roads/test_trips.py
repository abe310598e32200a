"""Trips: cut at gaps, jumps and long stops; no point dropped."""

from __future__ import annotations

from roadsense.roads.trips import TracePoint, TripRules, split_trips


def _line(t0: float, n: int, lat0: float = 60.17, step_deg: float = 0.0001) -> list[TracePoint]:
    return [TracePoint(t0 + i, lat0 + i * step_deg, 24.94, 10.0, 0.0) for i in range(n)]


def test_gap_splits_and_every_point_is_kept() -> None:
    points = _line(0, 50) + _line(500, 30, lat0=60.175)
    trips = split_trips(points)
    assert [len(t) for t in trips] == [50, 30]
    assert sorted(i for t in trips for i in t) == list(range(80))


def test_jump_splits() -> None:
    points = _line(0, 10) + _line(10, 10, lat0=60.30)  # 14 km in a second
    assert [len(t) for t in split_trips(points)] == [10, 10]


def test_long_stop_splits_short_stop_does_not() -> None:
    moving = _line(0, 20)
    last = moving[-1]
    stop = [TracePoint(20 + i, last.lat, last.lon, 0.0, 0.0) for i in range(400)]
    after = _line(420, 20, lat0=last.lat + 0.0003)  # 33 m on: out of the stop
    trips = split_trips(moving + stop + after)
    assert [len(t) for t in trips] == [420, 20]
    short = [TracePoint(20 + i, last.lat, last.lon, 0.0, 0.0) for i in range(60)]
    assert len(split_trips(moving + short + _line(80, 20, lat0=last.lat + 0.0001))) == 1


def test_long_trips_are_cut_into_pieces() -> None:
    trips = split_trips(_line(0, 250, step_deg=0.00001), TripRules(max_points=100))
    assert [len(t) for t in trips] == [84, 84, 82]


def test_empty() -> None:
    assert split_trips([]) == []
