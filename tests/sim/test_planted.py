"""Planted signs, potholes, device faults and GPS outages: in the ground truth, on the
wire (CAN, IMU, NMEA), and read back by the gateway's own decoder."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import osmium
import pytest

from roadsense.edge.decoding.can_input import read_can_log
from roadsense.edge.decoding.decoder import EdgeDecoder
from roadsense.schema import AnyRecord
from roadsense.schema.records import (
    AdasEvent,
    DeviceStatus,
    EventSource,
    EventType,
    Position,
    SignSighting,
)
from roadsense.sim import (
    GroundTruth,
    SimConfig,
    SimError,
    SimResult,
    load_ground_truth,
    run_simulation,
)
from roadsense.sim.can_encoder import FrameEncoder
from roadsense.sim.city_map import CITY_MAP_FILE, is_limit_tag, write_city_map
from roadsense.sim.decode import decode_vehicle, gateway_config
from roadsense.sim.gps import distance_m
from roadsense.sim.ground_truth import DeviceFault
from roadsense.sim.network import default_roads
from roadsense.sim.output import read_truth_events, vehicle_logs
from roadsense.sim.unit import GRAVITY_MPS2, SimulatedUnit
from roadsense.sim.unit_rules import KMH, Lead
from tests.sim.conftest import small_config

pytestmark = pytest.mark.slow

NEAR_M = 60.0
"""A sighting or pothole event is placed at the taxi's (noisy) fix when it read or hit it."""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimResult, GroundTruth]:
    """16 taxis for half an hour: about 150 km. Potholes are struck about 7 times per 100
    km (the default demo: 41 in 612 km), so the shared small run's 36 km gave 0 strikes
    about one run in ten; here about 10 are expected, and none one run in 20,000."""
    config = replace(
        small_config(tmp_path_factory.mktemp("sim-planted")), vehicles=16, duration_s=1800
    )
    result = run_simulation(config)
    return result, load_ground_truth(result.out_dir)


@pytest.fixture(scope="module")
def decoded(run: tuple[SimResult, GroundTruth]) -> dict[str, list[AnyRecord]]:
    result, _ = run
    return {vid: decode_vehicle(result.out_dir, vid) for vid in result.vehicle_ids}


def test_each_planted_kind_is_in_the_ground_truth(run: tuple[SimResult, GroundTruth]) -> None:
    result, truth = run
    config = truth.config
    assert [s.sign_id for s in truth.signs] == [f"S{i}" for i in range(1, config["signs"] + 1)]
    assert [p.pothole_id for p in truth.potholes] == ["P1", "P2", "P3"]
    assert sorted(f.kind for f in truth.device_faults) == [
        "adas_silent",
        "failsafe",
        "gateway_silent",
        "tamper",
    ]
    assert len({f.vehicle_id for f in truth.device_faults}) == 4
    assert len(result.vehicle_ids) == config["vehicles"] + 1 == len(truth.vehicles)
    assert len(truth.gps_outages) == config["gps_outages"]
    min_lon, min_lat, max_lon, max_lat = truth.network["bounds_lonlat"]
    hazard_edges = {e for h in truth.hazards for e in h.edge_ids}
    for sign in truth.signs:
        assert min_lon <= sign.lon <= max_lon
        assert min_lat <= sign.lat <= max_lat
        assert sign.value_kmh != sign.map_kmh  # disagrees with the map
        assert (sign.kind == "missing") == (sign.map_maxspeed is None)
        assert sign.map_maxspeed in (None, sign.osm_maxspeed)
        assert sign.edge_id not in hazard_edges
    for hole in truth.potholes:
        assert min_lon <= hole.lon <= max_lon
        assert min_lat <= hole.lat <= max_lat
        assert hole.edge_id not in hazard_edges
        assert hole.strikes <= hole.hits
    assert sum(s.reads for s in truth.signs) > 0, "taxis pass the planted signs"
    assert sum(p.strikes for p in truth.potholes) > 0, "taxis hit the planted potholes"


def _way_tags(path: Path) -> dict[int, dict[str, str]]:
    return {w.id: dict(w.tags) for w in osmium.FileProcessor(str(path), osmium.osm.WAY)}


def test_a_sign_missing_from_the_map_leaves_the_city_map_without_its_limit(
    run: tuple[SimResult, GroundTruth],
) -> None:
    result, truth = run
    # the Helsinki centre's busy streets all have a limit in OSM: the run takes one away
    missing = [s for s in truth.signs if s.kind == "missing"]
    assert len(missing) == 1
    assert missing[0].sign_id == "S1"
    (sign,) = missing
    assert sign.osm_maxspeed is not None
    assert sign.map_maxspeed is None
    assert result.city_map == result.out_dir / CITY_MAP_FILE
    assert truth.network["city_map"] == CITY_MAP_FILE
    source, city = _way_tags(default_roads()), _way_tags(result.city_map)
    assert source.keys() == city.keys()
    changed = {w for w in source if source[w] != city[w]}
    assert changed == set(sign.osm_way_ids)
    for way in changed:  # only the limit goes: the name, class, lanes ... stay
        assert "maxspeed" in source[way]
        assert not any(is_limit_tag(k) for k in city[way])
        assert {k: v for k, v in source[way].items() if not is_limit_tag(k)} == city[way]
    # the other planted signs differ from a limit the city's map still has
    for other in truth.signs:
        if other is not sign:
            assert set(other.osm_way_ids).isdisjoint(changed)
            assert other.map_maxspeed == other.osm_maxspeed is not None


def test_the_city_map_names_a_way_the_extract_lacks(tmp_path: Path) -> None:
    target = tmp_path / CITY_MAP_FILE
    with pytest.raises(ValueError, match="has no way 1"):
        write_city_map(default_roads(), target, [1])
    assert not target.exists()
    assert not list(tmp_path.iterdir())


def test_the_gateway_reads_the_planted_signs(
    run: tuple[SimResult, GroundTruth], decoded: dict[str, list[AnyRecord]]
) -> None:
    _, truth = run
    total = 0
    for sign in truth.signs:
        near = [
            r
            for records in decoded.values()
            for r in records
            if isinstance(r, SignSighting)
            and r.value == sign.value_kmh
            and r.lat is not None
            and r.lon is not None
            and distance_m(r.lon, r.lat, sign.lon, sign.lat) < NEAR_M
        ]
        # one sighting a read, but for a read within 5 s of a sign of the same value, which
        # the gateway takes for the same sign (sign_repeat_s)
        assert bool(near) == bool(sign.reads), sign
        assert len({r.vehicle_id for r in near}) >= min(2, sign.vehicles), sign
        total += len(near)
    reads = sum(s.reads for s in truth.signs)
    assert 0.8 * reads <= total <= reads + 2


def test_the_gateway_finds_the_planted_potholes(
    run: tuple[SimResult, GroundTruth], decoded: dict[str, list[AnyRecord]]
) -> None:
    result, truth = run
    events = [
        r
        for records in decoded.values()
        for r in records
        if isinstance(r, AdasEvent) and r.type is EventType.POTHOLE
    ]
    assert all(e.source is EventSource.IMU for e in events)
    assert len(events) == sum(p.strikes for p in truth.potholes)
    truth_events = [e for e in read_truth_events(result.out_dir) if e.type is EventType.POTHOLE]
    assert len(truth_events) == len(events)
    for e in events:
        assert e.lat is not None
        assert e.lon is not None
        assert min(distance_m(e.lon, e.lat, p.lon, p.lat) for p in truth.potholes) < NEAR_M
    # the jolt is on the IMU log: vertical acceleration far from gravity, nowhere else
    for vid in {e.vehicle_id for e in events}:
        lines = vehicle_logs(result.out_dir, vid).imu.read_text().splitlines()[1:]
        jolts = [line for line in lines if abs(float(line.split(",")[3]) - GRAVITY_MPS2) >= 6.0]
        assert len(jolts) == sum(1 for e in events if e.vehicle_id == vid)


def datetime_of(truth: GroundTruth) -> float:
    """Epoch seconds of the run's start."""
    return datetime.fromisoformat(truth.config["start_time"]).timestamp()


def _statuses(records: list[AnyRecord]) -> list[DeviceStatus]:
    return [r for r in records if isinstance(r, DeviceStatus)]


def test_the_gateway_reports_the_planted_device_faults(
    run: tuple[SimResult, GroundTruth], decoded: dict[str, list[AnyRecord]]
) -> None:
    result, truth = run
    faults: dict[str, DeviceFault] = {f.kind: f for f in truth.device_faults}
    start = datetime_of(truth)

    def window(kind: str) -> tuple[float, float]:
        f = faults[kind]
        return (start + f.from_s, start + f.until_s)

    failsafe = decoded[faults["failsafe"].vehicle_id]
    a, b = window("failsafe")
    assert any(s.failsafe for s in _statuses(failsafe))
    assert all(a <= s.time.timestamp() <= b + 60 for s in _statuses(failsafe) if s.failsafe)
    blind = [
        r
        for r in failsafe
        if isinstance(r, AdasEvent)
        and r.source is EventSource.MOBILEYE
        and r.type is not EventType.FAILSAFE
        and a <= r.time.timestamp() < b
    ]
    assert blind == [], "a blocked camera warns of nothing"
    assert [r.type for r in failsafe if isinstance(r, AdasEvent)].count(EventType.FAILSAFE) == 1

    tamper = decoded[faults["tamper"].vehicle_id]
    assert any(s.tamper for s in _statuses(tamper))
    assert EventType.TAMPER in {r.type for r in tamper if isinstance(r, AdasEvent)}

    silent_vid = faults["adas_silent"].vehicle_id
    a, b = window("adas_silent")
    silent = decoded[silent_vid]
    assert any(s.adas_silent and a <= s.time.timestamp() <= a + 5 for s in _statuses(silent))
    can_log = vehicle_logs(result.out_dir, silent_vid).can
    frames = [m.timestamp for m in read_can_log(can_log, Counter())]
    # (the step at the window's end sends its first frames a few ms before it)
    assert not [t for t in frames if a <= t < b - 0.01], "no frame while the unit is silent"
    assert [t for t in frames if t >= b], "the unit comes back"
    fixes = [r.time.timestamp() for r in silent if isinstance(r, Position)]
    assert len([t for t in fixes if a <= t < b]) > 0.9 * (b - a) - 60, "the GPS goes on"

    dead = faults["gateway_silent"].vehicle_id
    assert decoded[dead] == []
    assert dead == result.vehicle_ids[-1]  # one more fitted taxi, never reported
    assert truth.vehicles[dead].positions == 0
    assert truth.vehicles[dead].events == {}
    paths = vehicle_logs(result.out_dir, dead)
    assert [p.read_text() for p in (paths.can, paths.nmea, paths.imu)] == ["", "", ""]

    planted = {f.vehicle_id for f in truth.device_faults}
    for vid, records in decoded.items():
        if vid not in planted:
            flags = [(s.failsafe, s.tamper, s.adas_silent) for s in _statuses(records)]
            assert not any(any(f) for f in flags), f"{vid} has a fault nobody planted"


def test_gps_outages_leave_a_gap_and_nothing_breaks(
    run: tuple[SimResult, GroundTruth], decoded: dict[str, list[AnyRecord]]
) -> None:
    result, truth = run
    start = datetime_of(truth)
    for outage in truth.gps_outages:
        records = decoded[outage.vehicle_id]
        decoder = EdgeDecoder(gateway_config(outage.vehicle_id))
        decode_vehicle(result.out_dir, outage.vehicle_id, decoder)
        assert dict(decoder.counters) == {}
        fixes = [r.time.timestamp() for r in records if isinstance(r, Position)]
        a = start + outage.from_s
        b = a + outage.seconds
        assert not [t for t in fixes if a <= t < b]
        assert [t for t in fixes if t < a]
        assert [t for t in fixes if t >= b]
        gaps = [q - p for p, q in itertools.pairwise(fixes) if q - p > 1]
        assert outage.seconds + 1 in gaps
        assert outage.from_time.timestamp() == a
        assert truth.vehicles[outage.vehicle_id].positions == len(fixes)


@pytest.mark.parametrize("field", ["signs", "potholes", "gps_outages"])
def test_negative_planted_counts_are_one_clear_error(tmp_path: Path, field: str) -> None:
    with pytest.raises(SimError, match=f"{field} must be >= 0"):
        SimConfig(out_dir=tmp_path, **{field: -1})  # type: ignore[arg-type]


def test_a_blocked_camera_sends_the_failsafe_bit_and_warns_of_nothing(tmp_path: Path) -> None:
    encoder = FrameEncoder()
    unit = SimulatedUnit(
        "taxi-x",
        tmp_path / "u.log",
        tmp_path / "u.imu.csv",
        1_700_000_000.0,
        encoder,
        faults=[("failsafe", 10.0, 20.0)],
    )
    close = Lead(5, 8.0, 40 * KMH, 0.0)  # 0.7 s at 40 km/h: HMW whenever the unit can see
    for k in range(60):
        unit.step(k * 0.5, 40 * KMH, 0.0, 50 * KMH, close)
    warnings = unit.close()
    hmw = [w.onset_t - 1_700_000_000.0 for w in warnings if w.type is EventType.HMW]
    assert hmw
    assert all(not 10.0 <= t < 20.0 for t in hmw)
    assert len(hmw) == 2  # before, and again after
    assert [w.type for w in warnings].count(EventType.FAILSAFE) == 1
    decoded = list(read_can_log(tmp_path / "u.log", Counter()))
    bits = [
        (m.timestamp - 1_700_000_000.0, bool(m.data[4] & 0x80))
        for m in decoded
        if m.arbitration_id == 0x700
    ]
    assert {t for t, failsafe in bits if failsafe} == {k * 0.5 for k in range(20, 40)}


def test_a_pothole_hit_writes_a_short_vertical_jolt(tmp_path: Path) -> None:
    unit = SimulatedUnit(
        "taxi-y", tmp_path / "u.log", tmp_path / "u.imu.csv", 1_700_000_000.0, FrameEncoder()
    )
    unit.step(0.5, 10.0, 0.0, 50 * KMH, None)
    unit.step(1.0, 10.0, 0.0, 50 * KMH, None, jolt_mps2=10.5)
    unit.step(1.5, 2.0, 0.0, 50 * KMH, None, jolt_mps2=3.0)  # slow: a jolt, not a pothole
    warnings = unit.close()
    assert [(w.type, w.level) for w in warnings] == [(EventType.POTHOLE, 2)]
    rows = [line.split(",") for line in (tmp_path / "u.imu.csv").read_text().splitlines()[1:]]
    assert len(rows) == 2 * (4 + 1)  # each jolt: its burst, then the step (the logger runs on)
    peaks = [float(r[3]) - GRAVITY_MPS2 for r in rows]
    assert max(peaks) == pytest.approx(10.5, abs=1e-6)
    assert sum(1 for p in peaks if abs(p) >= 6.0) == 1
