"""The warning rules, fed by hand-made driving (no SUMO)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pytest

from roadsense.schema.records import EventType
from roadsense.sim.events import Episode, EventDetector, time_to_collision

KMH = 1 / 3.6


def run(steps: Sequence[Mapping[str, float]]) -> list[Episode]:
    detector = EventDetector()
    for t, s in enumerate(steps):
        detector.step(
            t,
            float(s.get("speed") or 0.0),
            float(s.get("accel") or 0.0),
            float(s.get("limit") or 50 * KMH),
            s.get("gap"),
            float(s.get("lspeed") or 0.0),
            float(s.get("laccel") or 0.0),
        )
    return detector.close()


def types(episodes: list[Episode]) -> list[EventType]:
    return [e.type for e in episodes]


def test_ttc_constant_speeds() -> None:
    assert time_to_collision(20.0, 10.0, 0.0) == pytest.approx(2.0)


def test_ttc_with_relative_acceleration() -> None:
    # gap 10 m, closing 2 m/s, closing acceleration 2 m/s^2: 10 = 2t + t^2 -> t = -1 + sqrt(11)
    assert time_to_collision(10.0, 2.0, 2.0) == pytest.approx(-1 + math.sqrt(11))


def test_ttc_never_when_closing_stops_in_time() -> None:
    # closing 2 m/s but opening at 1 m/s^2: stops closing after 2 m, gap is 10 m
    assert time_to_collision(10.0, 2.0, -1.0) == math.inf


def test_fcw_when_closing_fast_above_30() -> None:
    # own 50 km/h, leader 20 km/h, 20 m ahead: TTC 2.4 s
    steps = [{"speed": 50 * KMH, "gap": 20.0, "lspeed": 20 * KMH}] * 2
    episodes = run(steps)
    assert types(episodes) == [EventType.FCW]
    assert episodes[0].ttc_s == pytest.approx(20 / (30 * KMH), abs=0.01)
    assert episodes[0].duration_s == 2.0


def test_ufcw_below_30() -> None:
    # own 20 km/h toward a stopped car 5 m ahead: TTC 0.9 s
    episodes = run([{"speed": 20 * KMH, "gap": 5.0, "lspeed": 0.0}])
    assert types(episodes) == [EventType.UFCW]


def test_no_fcw_when_leader_pulls_away_or_following_steadily() -> None:
    away = [{"speed": 50 * KMH, "gap": 10.0, "lspeed": 60 * KMH}] * 5
    steady = [{"speed": 50 * KMH, "gap": 25.0, "lspeed": 50 * KMH}] * 5
    assert EventType.FCW not in types(run(away))
    assert types(run(steady)) == []


def test_no_fcw_far_away() -> None:
    assert types(run([{"speed": 50 * KMH, "gap": 150.0, "lspeed": 0.0}])) == []


def test_hmw_with_hysteresis() -> None:
    v = 50 * KMH
    steps = [
        {"speed": v, "gap": 0.5 * v, "lspeed": v},  # 0.5 s: on
        {"speed": v, "gap": 0.7 * v, "lspeed": v},  # 0.7 s: still on (hysteresis)
        {"speed": v, "gap": 0.75 * v, "lspeed": v},
        {"speed": v, "gap": 1.5 * v, "lspeed": v},  # off
        *[{"speed": v, "gap": 1.5 * v, "lspeed": v}] * 5,
    ]
    episodes = run(steps)
    assert types(episodes) == [EventType.HMW]
    assert episodes[0].duration_s == 3.0
    assert episodes[0].headway_s == pytest.approx(0.5)


def test_headway_of_one_second_is_not_an_event() -> None:
    v = 50 * KMH
    assert types(run([{"speed": v, "gap": 0.9 * v, "lspeed": v}] * 5)) == []


def test_hmw_needs_30_kmh() -> None:
    v = 20 * KMH
    assert types(run([{"speed": v, "gap": 0.3 * v, "lspeed": v}] * 5)) == []


def test_harsh_brake_and_accel_levels() -> None:
    episodes = run([{"speed": 10.0, "accel": -5.5}, {"speed": 5.0, "accel": 0.0}])
    assert types(episodes) == [EventType.HARSH_BRAKE]
    assert episodes[0].level == 2
    assert types(run([{"speed": 5.0, "accel": 3.2}])) == [EventType.HARSH_ACCEL]
    assert types(run([{"speed": 5.0, "accel": -3.0}, {"speed": 5.0, "accel": 2.9}])) == []


def test_episodes_closer_than_the_gap_are_one() -> None:
    steps = [
        {"speed": 10.0, "accel": -4.0},
        {"speed": 8.0},
        {"speed": 8.0},
        {"speed": 8.0, "accel": -4.0},
    ]
    episodes = run(steps)
    assert types(episodes) == [EventType.HARSH_BRAKE]
    assert episodes[0].duration_s == 4.0
    apart = [{"speed": 10.0, "accel": -4.0}, *[{"speed": 8.0}] * 4, {"speed": 8.0, "accel": -4.0}]
    assert types(run(apart)) == [EventType.HARSH_BRAKE, EventType.HARSH_BRAKE]


def test_speeding_needs_three_seconds() -> None:
    limit = 40 * KMH
    short = [{"speed": 55 * KMH, "limit": limit}] * 2 + [{"speed": 40 * KMH, "limit": limit}]
    assert types(run(short)) == []
    long = [{"speed": 55 * KMH, "limit": limit}] * 4
    episodes = run(long)
    assert types(episodes) == [EventType.SPEEDING]
    assert episodes[0].onset_s == 0
    assert episodes[0].duration_s == 4.0
    assert episodes[0].speed_limit_kmh == 40
    assert types(run([{"speed": 48 * KMH, "limit": limit}] * 5)) == []
