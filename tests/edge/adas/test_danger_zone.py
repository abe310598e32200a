"""PED_IN_DZ: a pedestrian or cyclist inside the danger zone just ahead, at low speed."""

from __future__ import annotations

import pytest

from .harness import RATES, SEEDS, run
from .scenarios import KMH, Actor, Motion, Scenario

STEPPING_IN = Scenario(
    "pedestrian stepping off the kerb 9 m ahead at 15 km/h",
    ego=Motion(0.0, 15 * KMH, a=-1.5, t_start=1.5),
    actors=(Actor(1, "pedestrian", Motion(11.0, 0.0), y0=3.0, vy=-1.2, t_lat=0.5),),
    duration=3.5,
)
ON_THE_KERB = Scenario(
    "pedestrian waiting on the kerb, 2.8 m to the side",
    ego=Motion(0.0, 15 * KMH),
    actors=(Actor(1, "pedestrian", Motion(12.0, 0.0), y0=2.8),),
    duration=3.0,
)
CYCLIST_AHEAD = Scenario(
    "cyclist pulling out just ahead while the taxi creeps",
    ego=Motion(0.0, 8 * KMH),
    actors=(Actor(1, "bicycle", Motion(5.0, 6 * KMH), y0=-2.5, vy=1.0, t_lat=0.3),),
    duration=3.0,
)
FAST_PAST = Scenario(
    "same kerb-stepper, but at 50 km/h (PCW's business, not the danger zone's)",
    ego=Motion(0.0, 50 * KMH),
    actors=(Actor(1, "pedestrian", Motion(30.0, 0.0), y0=3.0, vy=-1.2, t_lat=0.5),),
    duration=2.6,
)


@pytest.mark.parametrize("hz", RATES)
@pytest.mark.parametrize("scenario", [STEPPING_IN, CYCLIST_AHEAD], ids=lambda s: s.name)
def test_road_user_entering_the_zone_warns(scenario: Scenario, hz: int) -> None:
    for seed in SEEDS:
        dz = [o for o in run(scenario, hz, seed) if o.type == "PED_IN_DZ"]
        assert len(dz) == 1, (seed, dz)
        m = dz[0].measurements
        assert m["object_id"] == 1
        assert m["range_m"] is not None
        assert 0.0 < float(m["range_m"]) <= 3.0 + 1.5 * 15 * KMH
        lateral = m["lateral_m"]
        assert lateral is not None
        assert abs(float(lateral)) <= 1.4


@pytest.mark.parametrize("hz", RATES)
@pytest.mark.parametrize("scenario", [ON_THE_KERB, FAST_PAST], ids=lambda s: s.name)
def test_no_danger_zone_warning(scenario: Scenario, hz: int) -> None:
    for seed in SEEDS:
        assert [o for o in run(scenario, hz, seed) if o.type == "PED_IN_DZ"] == [], seed


def test_onset_line_names_the_range() -> None:
    onset = next(o for o in run(STEPPING_IN, 10, 0) if o.type == "PED_IN_DZ")
    line = onset.to_json()
    assert line["type"] == "PED_IN_DZ"
    assert line["object_id"] == 1
    assert isinstance(line["range"], float)


def test_the_event_carries_the_pedestrians_offset() -> None:
    from roadsense.edge.adas.episodes import Episode
    from roadsense.edge.decoding.event_building import episode_event
    from roadsense.schema import EventSource, EventType

    onset = next(o for o in run(STEPPING_IN, 10, 0) if o.type == "PED_IN_DZ")
    episode = Episode(EventType.PED_IN_DZ, 100.0, 101.0, onset.level, onset.measurements)
    event = episode_event(episode, "taxi-1", EventSource.ENGINE)
    assert event.type is EventType.PED_IN_DZ
    assert event.lateral_m == pytest.approx(onset.measurements["lateral_m"])
