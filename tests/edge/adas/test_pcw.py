"""Pedestrian and cyclist collision warning: in the path, entering it, or neither."""

from __future__ import annotations

import pytest

from .harness import RATES, SEEDS, run
from .scenarios import KMH, Actor, Motion, Scenario

EGO = Motion(0.0, 40 * KMH)
CROSSING = Scenario(
    "pedestrian crossing from the right",
    ego=EGO,
    # Reaches the path (0.9 + 0.2 + 0.25 m from the centre line) at t = 3.35 s; the ego
    # reaches its line at t = 50 / 11.1 = 4.5 s with the pedestrian 0.9 m left of centre.
    actors=(Actor(1, "pedestrian", Motion(50.0, 0.0), y0=-6.0, vy=1.4),),
    duration=6.0,
)
CYCLIST = Scenario(
    "cyclist ahead in the lane",
    ego=EGO,
    actors=(Actor(2, "bicycle", Motion(40.0, 4.0), y0=0.6),),
    duration=8.0,
)
STOPS_AT_KERB = Scenario(
    "pedestrian who stops at the kerb",
    ego=EGO,
    actors=(Actor(3, "pedestrian", Motion(45.0, 0.0), y0=-4.5, vy=1.2, lat_duration=1.5),),
    duration=6.0,
)


@pytest.mark.parametrize("hz", RATES)
def test_pedestrian_entering_the_path_warns_before_reaching_it(hz: int) -> None:
    enters_path, impact = 3.35, 50.0 / (40 * KMH)
    for seed in SEEDS:
        pcw = [o for o in run(CROSSING, hz, seed) if o.type == "PCW"]
        assert len(pcw) == 1, seed
        assert pcw[0].t < enters_path
        assert impact - pcw[0].t >= 1.5
        assert pcw[0].measurements["object_id"] == 1


@pytest.mark.parametrize("hz", RATES)
def test_cyclist_in_the_path_warns_in_time(hz: int) -> None:
    impact = 40.0 / (40 * KMH - 4.0)
    for seed in SEEDS:
        (pcw,) = [o for o in run(CYCLIST, hz, seed) if o.type == "PCW"]
        assert 1.6 <= impact - pcw.t <= 2.0 + 1e-6


@pytest.mark.parametrize("hz", RATES)
def test_pedestrian_who_stops_outside_the_path_does_not_warn(hz: int) -> None:
    # Walks 1.8 m toward the road, ending 2.7 m from the centre line; the ego passes.
    for seed in SEEDS:
        assert not run(STOPS_AT_KERB, hz, seed)
