"""Urban FCW below 30 km/h, and which band (FCW or UFCW) a warning falls in."""

from __future__ import annotations

import pytest

from .harness import RATES, SEEDS, run
from .scenarios import KMH, Actor, Motion, Scenario

SLOW_APPROACH = Scenario(
    "20 km/h toward a stopped car",
    ego=Motion(0.0, 20 * KMH),
    actors=(Actor(1, "vehicle", Motion(30.0, 0.0)),),
    duration=6.0,
)
CREEP = Scenario(
    "creeping in a queue",
    ego=Motion(0.0, 4 * KMH),
    actors=(Actor(1, "vehicle", Motion(3.0, 0.0)),),
    duration=2.0,
)
BRAKING_TO_STOP = Scenario(
    "20 km/h braking to stop 2 m behind a stopped car",
    ego=Motion(0.0, 20 * KMH, a=-((20 * KMH) ** 2) / (2 * 10.0)),
    actors=(Actor(1, "vehicle", Motion(12.0, 0.0)),),
    duration=4.0,
)


@pytest.mark.parametrize("hz", RATES)
def test_low_speed_approach_gives_ufcw_not_fcw(hz: int) -> None:
    impact = SLOW_APPROACH.impact_time(1)
    assert impact is not None
    for seed in SEEDS:
        forward = [o for o in run(SLOW_APPROACH, hz, seed) if o.type in ("FCW", "UFCW")]
        assert [o.type for o in forward] == ["UFCW"], seed
        assert 1.6 <= impact - forward[0].t <= 2.0 + 1e-6


@pytest.mark.parametrize("hz", RATES)
def test_no_ufcw_when_creeping_or_braking_in_time(hz: int) -> None:
    for seed in SEEDS:
        assert not run(CREEP, hz, seed)
        assert not run(BRAKING_TO_STOP, hz, seed)
