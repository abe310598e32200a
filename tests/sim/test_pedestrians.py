"""Pedestrians: the unit's PCW rule, its frames read by the gateway, and a person planted in
front of a taxi in real SUMO whose PCW the gateway decodes equal to the truth."""

from __future__ import annotations

import math
import random
from collections import Counter
from pathlib import Path

import pytest

from roadsense.edge.decoding.can_input import read_can_log
from roadsense.edge.decoding.decoder import EdgeDecoder, replay
from roadsense.edge.decoding.line_sources import file_lines
from roadsense.edge.decoding.signals import SignalDecoder
from roadsense.schema import AdasEvent, EventType
from roadsense.sim.can_encoder import FrameEncoder
from roadsense.sim.crossings import crossing_sites
from roadsense.sim.decode import gateway_config
from roadsense.sim.engine import running_sumo
from roadsense.sim.network import build_network
from roadsense.sim.pedestrian_rule import PEDESTRIAN, PedestrianWatch, RoadUser, in_taxi_frame
from roadsense.sim.traffic import STEP_S, SumoTraffic
from roadsense.sim.unit import Lead, SimulatedUnit, UnitWarning

E = EventType
KMH = 1 / 3.6
EPOCH = 1_748_851_200.0
VEHICLE = "taxi-007"


def person(x: float, y: float, vy: float = 0.0, vx: float = 0.0, ident: int = 9) -> RoadUser:
    return RoadUser(ident, PEDESTRIAN, x, y, vx, vy)


def watch_twice(watch: PedestrianWatch, speed: float, accel: float, u: RoadUser) -> bool:
    """Seen once, then again half a second later (the rule needs the person tracked)."""
    assert watch.danger(0.0, speed, accel, [u]) is None
    return watch.danger(0.5, speed, accel, [u]) is not None


# -- the rule ------------------------------------------------------------------------------


def test_taxi_frame_geometry() -> None:
    # heading east (90 degrees): north is to the left, east ahead
    u = in_taxi_frame(1, PEDESTRIAN, (100.0, 50.0), 90.0, (110.0, 52.0), 1.2, 180.0)
    assert u.x_m == pytest.approx(10.0)
    assert u.y_m == pytest.approx(2.0)
    assert u.vx_mps == pytest.approx(0.0, abs=1e-9)
    assert u.vy_mps == pytest.approx(-1.2)  # walking south: toward the right
    # heading north: east is to the right
    v = in_taxi_frame(1, PEDESTRIAN, (0.0, 0.0), 0.0, (3.0, 20.0), 0.0, 0.0)
    assert v.x_m == pytest.approx(20.0)
    assert v.y_m == pytest.approx(-3.0)


def test_person_in_the_path_warns_and_is_tracked_first() -> None:
    watch = PedestrianWatch()
    u = person(7.0, 0.3)
    assert watch.danger(0.0, 40 * KMH, 0.0, [u]) is None  # just seen
    assert watch.danger(0.5, 40 * KMH, 0.0, [u]) == u


def test_person_entering_the_path_warns_one_leaving_it_does_not() -> None:
    # 40 km/h, 8 m ahead: contact in 0.7 s; from 2.5 m to the right at 1.5 m/s toward the
    # path she is in it by then (1.45 m), walking away from it she is not
    assert watch_twice(PedestrianWatch(), 40 * KMH, 0.0, person(8.0, -2.5, vy=1.5))
    assert not watch_twice(PedestrianWatch(), 40 * KMH, 0.0, person(8.0, -2.5, vy=-1.5))
    # across the path and out of it before the taxi gets there
    assert not watch_twice(PedestrianWatch(), 40 * KMH, 0.0, person(8.0, 0.5, vy=-4.0))


def test_no_warning_for_someone_on_the_sidewalk_beside_the_path() -> None:
    for y in (3.0, -3.2, 4.5):
        assert not watch_twice(PedestrianWatch(), 40 * KMH, 0.0, person(6.0, y, vx=1.3))


def test_speed_window_and_an_ordinary_stop() -> None:
    # rolling up at 8 km/h: no warning, at 12 km/h (3 m ahead) one
    assert not watch_twice(PedestrianWatch(), 8 * KMH, 0.0, person(2.0, 0.0))
    assert watch_twice(PedestrianWatch(), 12 * KMH, 0.0, person(1.2, 0.0))
    # 30 km/h, 25 m ahead: an ordinary stop (1.4 m/s2), and out of the 2 s anyway
    assert not watch_twice(PedestrianWatch(), 30 * KMH, 0.0, person(25.0, 0.0))
    # 50 km/h, 14 m ahead, braking hard enough to stop short: no contact, no warning
    assert not watch_twice(PedestrianWatch(), 50 * KMH, -7.5, person(14.0, 0.0))
    assert watch_twice(PedestrianWatch(), 50 * KMH, 0.0, person(14.0, 0.0))
    # behind the bumper: nothing
    assert not watch_twice(PedestrianWatch(), 50 * KMH, 0.0, person(-1.0, 0.0))


# -- the unit and the gateway --------------------------------------------------------------


def decode(tmp_path: Path) -> tuple[list[AdasEvent], Counter[str]]:
    decoder = EdgeDecoder(gateway_config(VEHICLE))
    frames = read_can_log(tmp_path / "u.log", decoder.counters)
    records = list(replay(decoder, frames, (), file_lines(tmp_path / "u.imu.csv")))
    return [r for r in records if isinstance(r, AdasEvent)], decoder.counters


def keys(items: list[AdasEvent] | list[UnitWarning]) -> set[tuple[EventType, float, int]]:
    out = set()
    for item in items:
        t = item.time.timestamp() if isinstance(item, AdasEvent) else item.onset_t
        out.add((item.type, round(t, 3), item.level))
    return out


def obstacle_types(log: Path) -> Counter[int]:
    """Obstacle ``Type`` of every 0x739 + 3i frame A in a candump log."""
    signals = SignalDecoder()
    found: Counter[int] = Counter()
    for line in log.read_text().splitlines():
        frame = line.split()[2]
        ident, data = frame.split("#")
        fid = int(ident, 16)
        if 0x739 <= fid < 0x739 + 39 and (fid - 0x739) % 3 == 0:
            found[int(signals.decode(fid, bytes.fromhex(data))["Type"])] += 1
    return found


def drive_past(tmp_path: Path, lead: Lead | None, y0: float, vy: float = 1.4) -> list[UnitWarning]:
    """40 km/h, not braking, toward someone 30 m ahead, ``y0`` to the side, crossing at
    ``vy`` (from the right: 1.4 m/s)."""
    unit = SimulatedUnit(VEHICLE, tmp_path / "u.log", tmp_path / "u.imu.csv", EPOCH, FrameEncoder())
    speed, x, y, t = 40 * KMH, 30.0, y0, 0.5
    while x > -5.0:
        unit.step(t, speed, 0.0, 50 * KMH, lead, 0.0, people=[person(x, y, vy=vy, ident=3)])
        x -= speed * STEP_S
        y += vy * STEP_S
        t += STEP_S
    for _ in range(8):
        unit.step(t, speed, 0.0, 50 * KMH, lead)
        t += STEP_S
    return unit.close()


@pytest.mark.parametrize("with_lead", [False, True])
def test_a_pcw_reaches_the_gateway(tmp_path: Path, with_lead: bool) -> None:
    lead = Lead(5, 60.0, 40 * KMH, 0.0) if with_lead else None
    warnings = drive_past(tmp_path, lead, -5.0)
    assert [w.type for w in warnings] == [E.PCW]
    got, counters = decode(tmp_path)
    assert counters == Counter()
    assert keys(got) == keys(warnings)
    assert obstacle_types(tmp_path / "u.log")[PEDESTRIAN] > 0


def test_someone_walking_on_the_sidewalk_is_an_obstacle_but_no_warning(tmp_path: Path) -> None:
    warnings = drive_past(tmp_path, None, -3.5, vy=0.0)
    assert warnings == []
    got, counters = decode(tmp_path)
    assert got == []
    assert counters == Counter()


# -- real SUMO -----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_person_in_front_of_a_taxi_in_sumo_gives_one_pcw(tmp_path: Path) -> None:
    """A person planted in the road 28 m ahead of a taxi at 30 km/h (SUMO moves her there,
    in the taxi's lane); the taxi's driver does not see her. One PCW, decoded as the truth."""
    net = build_network(None, tmp_path / "net")
    assert len(crossing_sites(net.net_file)) >= 5  # the planted zebras are in the network
    units: dict[str, SimulatedUnit] = {}

    def make(vid: str) -> SimulatedUnit:
        logs = (tmp_path / "u.log", tmp_path / "u.imu.csv")
        units[vid] = SimulatedUnit(vid, *logs, EPOCH, FrameEncoder())
        return units[vid]

    placed: list[tuple[float, float, float]] = []
    with running_sumo(net.net_file, 3, 200, STEP_S) as sumo:
        traffic = SumoTraffic(sumo, net, [], 1, 0, random.Random(5), make_unit=make)
        traffic.start()
        taxi = traffic.taxi_ids[0]

        def each_second(t: int, total: int) -> None:
            veh = sumo.vehicle
            if placed:  # she stands there (SUMO would walk her on)
                sumo.person.moveToXY("ped-x", "", placed[0][0], placed[0][1], placed[0][2], 2)
                return
            if taxi not in veh.getIDList() or veh.getSpeed(taxi) < 8.0:
                return
            road, lane = veh.getRoadID(taxi), veh.getLaneID(taxi)
            pos = veh.getLanePosition(taxi)
            if road.startswith(":") or sumo.lane.getLength(lane) - pos < 45.0:
                return
            (x, y), heading = veh.getPosition(taxi), veh.getAngle(taxi)
            a = math.radians(heading)
            px = x + 28.0 * math.sin(a) + 0.5 * math.cos(a)
            py = y + 28.0 * math.cos(a) - 0.5 * math.sin(a)
            sumo.person.add("ped-x", road, pos, -3, "DEFAULT_PEDTYPE")
            sumo.person.appendWalkingStage("ped-x", [road], sumo.lane.getLength(lane))
            placed.append((px, py, heading - 90.0))
            sumo.person.moveToXY("ped-x", "", px, py, heading - 90.0, 2)

        traffic.run(120, each_second)
    assert placed
    warnings = traffic.logs[taxi].warnings
    assert [w.type for w in warnings if w.type is E.PCW] == [E.PCW]
    decoder = EdgeDecoder(gateway_config(taxi))
    frames = read_can_log(tmp_path / "u.log", decoder.counters)
    got = [r for r in replay(decoder, frames, (), ()) if isinstance(r, AdasEvent)]
    mobileye = [w for w in warnings if w.source.value == "mobileye"]
    assert keys([e for e in got if e.source.value == "mobileye"]) == keys(mobileye)
    assert obstacle_types(tmp_path / "u.log")[PEDESTRIAN] > 0
