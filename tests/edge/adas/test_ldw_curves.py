"""LDW in curves: silent where the curve explains the lateral motion, warning on a drift.

Curvature is positive when the road bends left. A departure toward the inside of a curve
(left in a left-hand bend) at a gentle rate is a driver cutting the curve; one toward the
outside is the car going straighter than the road, the drift of an inattentive driver.
"""

from __future__ import annotations

import pytest

from roadsense.edge.adas import AdasConfig, parse_frame

from .harness import RATES, run
from .scenarios import Motion, Scenario, frames, lane_drift

HIGHWAY = 20.0
LDW_SEEDS = range(5)


def in_curve(radius_m: float, bends: str, drift_to: str, rate: float) -> Scenario:
    curvature = (1.0 if bends == "left" else -1.0) / radius_m
    return Scenario(
        f"{radius_m:.0f} m {bends}-hand curve, drifting {drift_to} at {rate} m/s",
        ego=Motion(0.0, HIGHWAY),
        duration=1.0 + (0.85 + 0.5) / rate,
        lanes=lane_drift(rate, drift_to),
        curvature=curvature,
    )


def ldw(scenario: Scenario, hz: int, seed: int) -> list[str]:
    return [o.type.value for o in run(scenario, hz, seed) if o.type.value.startswith("LDW")]


@pytest.mark.parametrize("hz", RATES)
@pytest.mark.parametrize("bends", ["left", "right"])
def test_cutting_a_curve_is_silent(bends: str, hz: int) -> None:
    for radius in (400.0, 700.0):
        for rate in (0.1, 0.3):
            scenario = in_curve(radius, bends, bends, rate)
            for seed in LDW_SEEDS:
                assert ldw(scenario, hz, seed) == [], (scenario.name, seed)


@pytest.mark.parametrize("hz", RATES)
@pytest.mark.parametrize("bends", ["left", "right"])
def test_drifting_out_of_a_curve_warns(bends: str, hz: int) -> None:
    outside = "right" if bends == "left" else "left"
    for radius in (400.0, 700.0):
        for rate in (0.1, 0.3, 0.6):
            scenario = in_curve(radius, bends, outside, rate)
            for seed in LDW_SEEDS:
                assert ldw(scenario, hz, seed) == [f"LDW_{outside.upper()}"], (scenario.name, seed)


@pytest.mark.parametrize("hz", RATES)
def test_fast_departure_toward_the_inside_still_warns(hz: int) -> None:
    scenario = in_curve(600.0, "left", "left", 0.7)
    for seed in LDW_SEEDS:
        assert ldw(scenario, hz, seed) == ["LDW_LEFT"], seed


@pytest.mark.parametrize("hz", RATES)
def test_sharp_curve_is_silent_either_way(hz: int) -> None:
    for drift_to in ("left", "right"):
        scenario = in_curve(200.0, "left", drift_to, 0.5)
        for seed in LDW_SEEDS:
            assert ldw(scenario, hz, seed) == [], (drift_to, seed)
    # ... unless the rule is switched off
    off = AdasConfig.model_validate({"ldw": {"sharp_curve_radius_m": 0.0}})
    warned = run(in_curve(200.0, "left", "right", 0.5), 10, 0, config=off)
    assert [o.type.value for o in warned] == ["LDW_RIGHT"]


def test_gentle_bend_counts_as_straight() -> None:
    """Beyond curve_radius_m (1000 m) a drift to the inside warns as on a straight road."""
    scenario = in_curve(2000.0, "left", "left", 0.3)
    for seed in LDW_SEEDS:
        assert ldw(scenario, 10, seed) == ["LDW_LEFT"], seed


def test_curvature_is_read_and_reported() -> None:
    scenario = in_curve(400.0, "right", "left", 0.3)
    first = frames(scenario, 10, 0)[0]
    assert parse_frame(__import__("json").dumps(first)).lanes.curvature == pytest.approx(
        -1 / 400.0, abs=0.001
    )
    onset = next(o for o in run(scenario, 10, 0) if o.type.value == "LDW_LEFT")
    line = onset.to_json()
    assert line["curvature"] == pytest.approx(-1 / 400.0, abs=0.001)
