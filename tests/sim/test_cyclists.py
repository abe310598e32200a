"""Cyclists: a cyclist ahead reaches the gateway as an obstacle of type bicycle and, in the
path, as a PCW; in real SUMO the cyclists ride (vehicles of class bicycle) ahead of the
taxis and the taxis' units list them as bicycles."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from roadsense.schema import EventType
from roadsense.sim import SimConfig, SimError
from roadsense.sim.can_encoder import FrameEncoder
from roadsense.sim.cyclists import BICYCLE_TYPE, CYCLISTS_PER_HOUR, is_cyclist
from roadsense.sim.engine import running_sumo
from roadsense.sim.network import build_network
from roadsense.sim.pedestrian_rule import BICYCLE, PEDESTRIAN, RoadUser
from roadsense.sim.traffic import STEP_S, SumoTraffic
from roadsense.sim.unit import SimulatedUnit, UnitWarning
from tests.sim.test_pedestrians import EPOCH, KMH, VEHICLE, decode, keys, obstacle_types

E = EventType


def ride_up_to(tmp_path: Path, y0: float, vx: float) -> list[UnitWarning]:
    """40 km/h, not braking, toward a cyclist 30 m ahead, ``y0`` to the side, riding
    ahead at ``vx``."""
    unit = SimulatedUnit(VEHICLE, tmp_path / "u.log", tmp_path / "u.imu.csv", EPOCH, FrameEncoder())
    speed, x, t = 40 * KMH, 30.0, 0.5
    while x > -3.0:
        unit.step(t, speed, 0.0, 50 * KMH, None, 0.0, people=[RoadUser(4, BICYCLE, x, y0, vx, 0.0)])
        x -= (speed - vx) * STEP_S
        t += STEP_S
    for _ in range(8):
        unit.step(t, speed, 0.0, 50 * KMH, None)
        t += STEP_S
    return unit.close()


def test_a_cyclist_in_the_path_gives_a_pcw_the_gateway_decodes(tmp_path: Path) -> None:
    warnings = ride_up_to(tmp_path, 0.2, 4.0)
    assert [w.type for w in warnings] == [E.PCW]
    got, counters = decode(tmp_path)
    assert counters == Counter()
    assert keys(got) == keys(warnings)
    types = obstacle_types(tmp_path / "u.log")
    assert types[BICYCLE] > 0
    assert types[PEDESTRIAN] == 0


def test_a_cyclist_beside_the_path_is_an_obstacle_but_no_warning(tmp_path: Path) -> None:
    warnings = ride_up_to(tmp_path, -2.8, 4.0)
    assert warnings == []
    got, _ = decode(tmp_path)
    assert got == []
    assert obstacle_types(tmp_path / "u.log")[BICYCLE] > 0


def test_a_negative_cyclist_rate_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SimError, match=r"^cyclists_per_hour must be >= 0, got -1\.0$"):
        SimConfig(out_dir=tmp_path, cyclists_per_hour=-1.0)
    assert SimConfig(out_dir=tmp_path).cyclists_per_hour == CYCLISTS_PER_HOUR  # on by default


@pytest.mark.slow
def test_cyclists_ride_ahead_of_the_taxis_in_sumo(tmp_path: Path) -> None:
    """Four taxis for 300 s with a cyclist starting every second or so: bicycles ride in
    SUMO, and the taxis' units list them as obstacles of type bicycle (never as a lead)."""
    net = build_network(None, tmp_path / "net", crossings=0)

    def make(vid: str) -> SimulatedUnit:
        logs = (tmp_path / f"{vid}.log", tmp_path / f"{vid}.imu.csv")
        return SimulatedUnit(vid, *logs, EPOCH, FrameEncoder())

    classes: Counter[str] = Counter()
    with running_sumo(net.net_file, 3, 400, STEP_S) as sumo:
        traffic = SumoTraffic(
            sumo,
            net,
            [],
            4,
            10,
            random.Random(5),
            make_unit=make,
            cyclists_per_hour=1800.0,
            cyclist_rng=random.Random(1),
        )
        traffic.start()

        def each_second(t: int, total: int) -> None:
            for vid in sumo.vehicle.getIDList():
                if is_cyclist(vid):
                    classes[sumo.vehicle.getVehicleClass(vid)] += 1
                    assert sumo.vehicle.getTypeID(vid) == BICYCLE_TYPE

        traffic.run(300, each_second)
    assert traffic.stats.cyclist_rides > 20
    assert set(classes) == {"bicycle"}
    seen = Counter[int]()
    for vid in traffic.taxi_ids:
        seen += obstacle_types(tmp_path / f"{vid}.log")
    assert seen[BICYCLE] > 0
