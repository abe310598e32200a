"""SPEEDING against the last limit read."""

from __future__ import annotations

from roadsense.edge.adas import Ego, Frame, WarningEngine


def drive(speeds_kmh: list[float], limits: list[float | None], hz: float = 10.0) -> list[float]:
    engine = WarningEngine()
    onsets = []
    for k, (speed, limit) in enumerate(zip(speeds_kmh, limits, strict=True)):
        frame = Frame(k / hz, Ego(speed=speed / 3.6), speed_limit_kmh=limit)
        onsets += [o.t for o in engine.step(frame) if o.type == "SPEEDING"]
    return onsets


def test_warns_after_two_seconds_above_limit_plus_margin() -> None:
    speeds = [50.0] * 10 + [65.0] * 50
    limits: list[float | None] = [50.0] + [None] * 59  # the sign is read once
    assert drive(speeds, limits) == [3.0]


def test_within_margin_or_brief_burst_is_silent() -> None:
    assert not drive([59.0] * 50, [50.0] * 50)
    assert not drive([50.0] * 10 + [70.0] * 15 + [50.0] * 10, [50.0] * 35)


def test_a_new_limit_replaces_the_old_one() -> None:
    limits: list[float | None] = [80.0] + [None] * 29 + [50.0] + [None] * 39
    assert drive([75.0] * 70, limits) == [5.0]


def test_onset_carries_speed_and_limit() -> None:
    engine = WarningEngine()
    onsets = []
    for k in range(40):
        onsets += engine.step(Frame(k / 10, Ego(speed=100 / 3.6), speed_limit_kmh=60))
    (onset,) = onsets
    assert onset.to_json() == {
        "t": 2.0,
        "type": "SPEEDING",
        "level": 1,
        "speed_kmh": 100.0,
        "speed_limit_kmh": 60.0,
    }
    (episode,) = engine.close()
    assert episode.duration_s == 1.9
