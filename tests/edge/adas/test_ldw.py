"""Lane departure warning inside the ISO 17361 zone, and when it stays silent."""

from __future__ import annotations

import pytest

from roadsense.edge.adas import AdasConfig

from .harness import RATES, run
from .scenarios import Motion, Noise, Scenario, lane_drift

RATES_MPS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
LDW_SEEDS = range(3)
HIGHWAY = 20.0  # m/s = 72 km/h, above the 55 km/h activation speed


def iso_earliest_line(rate: float) -> float:
    """ISO 17361: 0.75 m up to 0.5 m/s, 1.5 x rate up to 1.0 m/s, 1.5 m above."""
    return 0.75 if rate <= 0.5 else (1.5 * rate if rate <= 1.0 else 1.5)


def drift(rate: float, side: str, speed: float = HIGHWAY, signal: str = "none") -> Scenario:
    return Scenario(
        f"drift {side} at {rate} m/s",
        ego=Motion(0.0, speed),
        duration=1.0 + (0.85 + 0.6) / rate,
        lanes=lane_drift(rate, side),
        turn_signal=signal,
    )


@pytest.mark.parametrize("hz", RATES)
@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("rate", RATES_MPS)
def test_warns_inside_the_iso_zone(rate: float, side: str, hz: int) -> None:
    scenario = drift(rate, side)
    assert scenario.lanes is not None
    other = "LDW_RIGHT" if side == "left" else "LDW_LEFT"
    for seed in LDW_SEEDS:
        onsets = run(scenario, hz, seed)
        ldw = [o for o in onsets if o.type == f"LDW_{side.upper()}"]
        assert len(ldw) == 1, (seed, onsets)
        assert not [o for o in onsets if o.type == other]
        lanes = scenario.lanes(ldw[0].t)
        true_distance = lanes[0] if side == "left" else lanes[1]
        assert true_distance is not None
        assert true_distance <= iso_earliest_line(rate), "earlier than the earliest line"
        assert true_distance >= -0.3, "later than the latest line (0.3 m outside)"


@pytest.mark.parametrize("hz", RATES)
def test_silent_with_the_turn_signal_on_that_side_only(hz: int) -> None:
    assert not run(drift(0.5, "left", signal="left"), hz)
    assert not run(drift(0.5, "right", signal="right"), hz)
    assert [o.type for o in run(drift(0.5, "left", signal="right"), hz)] == ["LDW_LEFT"]


@pytest.mark.parametrize("hz", RATES)
def test_silent_below_the_activation_speed_which_is_configurable(hz: int) -> None:
    slow = drift(0.5, "right", speed=50 / 3.6)
    assert not run(slow, hz)
    config = AdasConfig.model_validate({"ldw": {"min_speed_kmh": 40.0}})
    assert [o.type for o in run(slow, hz, config=config)] == ["LDW_RIGHT"]


def test_silent_when_the_markings_are_not_seen() -> None:
    unmarked = Scenario(
        "no markings", ego=Motion(0.0, HIGHWAY), duration=5.0, lanes=lambda t: (None, None)
    )
    assert not run(unmarked, 10, noise=Noise(lane=0.0))


def test_steady_lane_keeping_close_to_a_marking_is_silent() -> None:
    hugging = Scenario(
        "hugging the left marking",
        ego=Motion(0.0, HIGHWAY),
        duration=20.0,
        lanes=lambda t: (0.15, 1.55),
    )
    for seed in LDW_SEEDS:
        assert not run(hugging, 20, seed)


def test_a_lane_change_with_signal_is_silent_after_the_marking_switches() -> None:
    def lanes(t: float) -> tuple[float, float]:
        left = 0.85 - 0.6 * max(0.0, t - 1.0)
        return (left, 1.7 - left) if left > -0.9 else (left + 3.5, 1.7 - left - 3.5)

    change = Scenario(
        "lane change", ego=Motion(0.0, HIGHWAY), duration=6.0, lanes=lanes, turn_signal="left"
    )
    assert not run(change, 10)
