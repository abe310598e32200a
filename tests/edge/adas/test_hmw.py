"""Headway monitoring: levels, activation speed, cut-ins that pull away."""

from __future__ import annotations

import pytest

from roadsense.edge.adas import AdasConfig

from .harness import RATES, run
from .scenarios import KMH, Actor, Motion, Scenario


def following(headway_s: float, speed: float = 20.0, duration: float = 4.0) -> Scenario:
    lead = Actor(1, "vehicle", Motion(headway_s * speed, speed))
    return Scenario(
        f"following at {headway_s} s", ego=Motion(0.0, speed), actors=(lead,), duration=duration
    )


@pytest.mark.parametrize("hz", RATES)
def test_levels(hz: int) -> None:
    (close,) = run(following(0.5), hz, seed=1)
    assert (close.type, close.level) == ("HMW", 2)
    assert close.t == pytest.approx(0.5, abs=0.06)  # after persist_s of short headway
    assert close.measurements["headway_s"] == pytest.approx(0.5, abs=0.05)
    assert close.measurements["object_id"] == 1
    (near,) = run(following(0.8), hz, seed=1)
    assert (near.type, near.level) == ("HMW", 1)
    assert not run(following(1.5), hz, seed=1)


def test_warning_threshold_is_settable_within_0_4_to_2_0_s() -> None:
    config = AdasConfig.model_validate({"hmw": {"warning_s": 1.0, "caution_s": 1.2}})
    (onset,) = run(following(0.8), 10, seed=2, config=config)
    assert onset.level == 2
    for bad in (0.3, 2.1):
        with pytest.raises(ValueError, match="warning_s"):
            AdasConfig.model_validate({"hmw": {"warning_s": bad}})


@pytest.mark.parametrize("hz", RATES)
def test_silent_below_30_kmh(hz: int) -> None:
    assert not [o for o in run(following(0.5, speed=25 * KMH), hz) if o.type == "HMW"]


def test_engine_shows_headway_within_display_range() -> None:
    from roadsense.edge.adas import WarningEngine, frame_from_dict

    from .scenarios import frames

    engine = WarningEngine()
    for frame in frames(following(2.0), 10, seed=0):
        engine.step(frame_from_dict(frame))
    assert engine.headway_s == pytest.approx(2.0, abs=0.1)
    engine = WarningEngine()
    for frame in frames(following(3.0), 10, seed=0):
        engine.step(frame_from_dict(frame))
    assert engine.headway_s is None
