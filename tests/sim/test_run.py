"""End to end: a small run writes what each taxi's gateway reads (its unit's CAN frames,
the GPS, the IMU), the gateway's decoder makes records of it, and the ground truth agrees."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import h3
import pytest

from roadsense.edge.decoding.can_input import read_can_log
from roadsense.edge.decoding.decoder import EdgeDecoder
from roadsense.schema.records import AdasEvent, EventSource, EventType, Position, SignSighting
from roadsense.sim import (
    SimError,
    SimResult,
    load_ground_truth,
    load_vehicle_records,
    run_simulation,
)
from roadsense.sim.decode import decode_vehicle, gateway_config
from roadsense.sim.gps import distance_m
from roadsense.sim.output import read_truth_events, vehicle_logs
from tests.sim.conftest import Calls, faulty, small_config, without_gps_outage

pytestmark = pytest.mark.slow

DURATION = 900
MARGIN_DEG = 0.002  # about 100-200 m around the network, for GPS noise
UNPLACED = frozenset({EventType.FAILSAFE})
"""A planted blocked camera's FAILSAFE lasts minutes; the gateway places an event when its
episode ends, by fixes it keeps for ``fix_buffer_s`` (120 s), so it comes out ``no_fix``."""


def records(result: SimResult, vid: str) -> list[Position | AdasEvent]:
    return load_vehicle_records(result.out_dir, vid)


def key(vehicle_id: str, kind: EventType, time: datetime) -> tuple[str, EventType, float]:
    """A warning as both sides know it: the truth's ids are the simulation's own."""
    return (vehicle_id, kind, round(time.timestamp(), 3))


def test_files_and_vehicle_ids(small_run: tuple[SimResult, Calls]) -> None:
    result, _ = small_run
    # the 8 simulated taxis, then the planted dead gateway's (tests/sim/test_planted.py)
    assert result.vehicle_ids == [f"taxi-{i:03d}" for i in range(9)]
    assert (result.out_dir / "net.net.xml").is_file()
    assert (result.out_dir / "ground_truth.json").is_file()
    assert (result.out_dir / "ground_truth_events.jsonl").is_file()
    files = sorted(p.name for p in (result.out_dir / "vehicles").iterdir())
    assert files == sorted(
        f"{v}{suffix}" for v in result.vehicle_ids for suffix in (".log", ".nmea", ".imu.csv")
    )
    assert result.wall_s > 0


def test_progress_covers_each_stage(small_run: tuple[SimResult, Calls]) -> None:
    _, calls = small_run
    stages = [c[0] for c in calls]
    assert stages.index("network") < stages.index("simulate") < stages.index("write")
    for stage in ("network", "simulate", "write"):
        mine = [c for c in calls if c[0] == stage]
        assert len(mine) >= 3
        assert mine[-1][1] == mine[-1][2]
        assert all(0 <= done <= total for _, done, total in mine)


def test_positions_at_one_hertz(small_run: tuple[SimResult, Calls]) -> None:
    result, _ = small_run
    truth = load_ground_truth(result.out_dir)
    start = truth.config["start_time"]
    total = 0
    steady = without_gps_outage(truth)
    assert len(steady) >= 2
    for vid in result.vehicle_ids:
        positions = [r for r in records(result, vid) if isinstance(r, Position)]
        assert len(positions) == truth.vehicles[vid].positions
        total += len(positions)
        if (
            vid not in steady
        ):  # planted: no fix for a while, or none at all (tests/sim/test_planted.py)
            continue
        # inserted within the first minute (plus a little for a blocked lane), then every second
        assert len(positions) >= DURATION - 90
        times = [p.time for p in positions]
        assert all(b - a == timedelta(seconds=1) for a, b in itertools.pairwise(times))
        assert times[-1] == datetime.fromisoformat(start) + timedelta(seconds=DURATION)
        assert (times[-1] - positions[0].time).total_seconds() == len(positions) - 1
        assert all(p.vehicle_id == vid and p.hdop is not None for p in positions)
        assert all(p.speed_mps is not None and 0 <= p.speed_mps < 40 for p in positions)
        assert max(p.speed_mps or 0 for p in positions) > 5  # the taxi really drives
    assert total == result.positions == truth.totals.positions


def test_the_gateway_decodes_every_log_cleanly(small_run: tuple[SimResult, Calls]) -> None:
    result, _ = small_run
    truth = load_ground_truth(result.out_dir)
    start = datetime.fromisoformat(truth.config["start_time"])
    quiet = faulty(truth, "gateway_silent", "adas_silent")  # tests/sim/test_planted.py
    for vid in sorted(set(result.vehicle_ids) - quiet):
        decoder = EdgeDecoder(gateway_config(vid))
        made = decode_vehicle(result.out_dir, vid, decoder)
        assert dict(decoder.counters) == {}, f"{vid}: bad input on the logs"
        assert decoder.frames > 2 * (DURATION - 90)  # 0x700 alone comes at 2 Hz
        assert {r.vehicle_id for r in made} == {vid}
        frames = list(read_can_log(vehicle_logs(result.out_dir, vid).can, Counter()))
        times = [m.timestamp for m in frames]
        assert times == sorted(times)
        assert times[-1] <= start.timestamp() + DURATION
        warnings = [m.timestamp for m in frames if m.arbitration_id == 0x700]
        steps = {round(b - a, 3) for a, b in itertools.pairwise(warnings)}
        assert steps == {0.5}  # one 0x700 per SUMO step, none missing while driving
        signs = [r for r in made if isinstance(r, SignSighting)]
        assert signs, "a taxi that drives 10 minutes passes a speed-limit sign"
        assert all(s.sign_type == "speed_limit" and s.value for s in signs)


def test_positions_inside_the_network(small_run: tuple[SimResult, Calls]) -> None:
    result, _ = small_run
    truth = load_ground_truth(result.out_dir)
    min_lon, min_lat, max_lon, max_lat = truth.network["bounds_lonlat"]
    for vid in sorted(without_gps_outage(truth)):
        for r in records(result, vid):
            if isinstance(r, AdasEvent) and r.type in UNPLACED:
                continue
            assert r.lat is not None
            assert r.lon is not None
            assert min_lat - MARGIN_DEG <= r.lat <= max_lat + MARGIN_DEG
            assert min_lon - MARGIN_DEG <= r.lon <= max_lon + MARGIN_DEG


def test_events_are_valid(small_run: tuple[SimResult, Calls]) -> None:
    result, _ = small_run
    truth = load_ground_truth(result.out_dir)
    events = [
        r for vid in result.vehicle_ids for r in records(result, vid) if isinstance(r, AdasEvent)
    ]
    assert len(events) == result.events == truth.totals.events > 0
    assert len({e.event_id for e in events}) == len(events)
    assert all(e.event_id.version == 5 for e in events)  # made in the vehicle, from the log
    by_type: dict[str, int] = {}
    steady = without_gps_outage(truth)
    for e in events:
        by_type[e.type.value] = by_type.get(e.type.value, 0) + 1
        if e.vehicle_id in steady and e.type not in UNPLACED:
            assert e.position_flag in ("ok", "interpolated")
        assert 0 <= e.level <= 3
        assert e.speed_mps is not None
        if e.type in (EventType.HARSH_BRAKE, EventType.HARSH_ACCEL, EventType.POTHOLE):
            assert e.source is EventSource.IMU
            continue
        assert e.source is EventSource.MOBILEYE
        assert e.raw
        assert e.raw[0].split()[1].startswith("700#")
        if e.type is EventType.FCW:
            assert e.speed_mps >= 30 / 3.6 - 0.3  # 0x760 speed, whole km/h
        if e.type in (EventType.FCW, EventType.UFCW, EventType.HMW):
            assert e.speed_limit_kmh is not None
        if e.type is EventType.HMW:
            assert e.headway_s is not None
            assert e.headway_s <= 1.0
        if e.type is EventType.SPEEDING:
            assert e.speed_limit_kmh is not None
            assert e.speed_mps * 3.6 >= e.speed_limit_kmh + 10 - 0.5
    assert by_type == result.events_by_type == truth.totals.events_by_type
    for vid in result.vehicle_ids:
        mine = dict(truth.vehicles[vid].events)
        counted: dict[str, int] = {}
        for r in records(result, vid):
            if isinstance(r, AdasEvent):
                counted[r.type.value] = counted.get(r.type.value, 0) + 1
        assert counted == mine


def test_events_are_placed_near_where_they_happened(small_run: tuple[SimResult, Calls]) -> None:
    result, _ = small_run
    truth = {key(t.vehicle_id, t.type, t.time): t for t in read_truth_events(result.out_dir)}
    for vid in sorted(without_gps_outage(load_ground_truth(result.out_dir))):
        for e in (r for r in records(result, vid) if isinstance(r, AdasEvent)):
            t = truth[key(vid, e.type, e.time)]
            if e.type in UNPLACED:
                continue
            assert e.lat is not None
            assert e.lon is not None
            assert (e.type, e.time, e.level) == (t.type, t.time, t.level)
            # interpolated between two noisy fixes (sigma 5 m) a second apart
            assert distance_m(e.lon, e.lat, t.true_lon, t.true_lat) < 60


def test_gps_noise_roughly_sigma(small_run: tuple[SimResult, Calls]) -> None:
    result, _ = small_run
    truth = read_truth_events(result.out_dir)
    assert len(truth) >= 3
    # per axis sigma 5 m: no event is placed further than ~6 sigma from where it happened
    errors = [distance_m(t.true_lon, t.true_lat, t.lon, t.lat) for t in truth]
    assert max(errors) < 30
    assert sum(errors) > 0


def test_hazards_in_ground_truth(small_run: tuple[SimResult, Calls]) -> None:
    result, _ = small_run
    truth = load_ground_truth(result.out_dir)
    min_lon, min_lat, max_lon, max_lat = truth.network["bounds_lonlat"]
    assert [h.hazard_id for h in truth.hazards] == ["H1", "H2", "H3"]
    assert truth.hazards == result.hazards
    net_text = (result.out_dir / "net.net.xml").read_text()
    for h in truth.hazards:
        assert h.edge_ids
        assert len(h.polylines) == len(h.edge_ids)
        assert h.osm_way_ids
        assert 60 <= h.length_m <= 200
        assert h.passages > 0
        for e in h.edge_ids:
            assert f'<edge id="{e}"' in net_text
        for line in h.polylines:
            assert len(line) >= 2
            for lon, lat in line:
                assert min_lon - 1e-6 <= lon <= max_lon + 1e-6
                assert min_lat - 1e-6 <= lat <= max_lat + 1e-6
        lon, lat = h.centre
        assert min(distance_m(lon, lat, p[0], p[1]) for p in h.polylines[0]) < 150
    for a in truth.hazards:
        for b in truth.hazards:
            if a.hazard_id < b.hazard_id:
                assert distance_m(*a.centre, *b.centre) >= 250


def test_truth_events_are_what_the_gateways_decode(small_run: tuple[SimResult, Calls]) -> None:
    result, _ = small_run
    truth = read_truth_events(result.out_dir)
    uploaded = {
        key(vid, r.type, r.time): r
        for vid in result.vehicle_ids
        for r in records(result, vid)
        if isinstance(r, AdasEvent)
    }
    assert {key(t.vehicle_id, t.type, t.time) for t in truth} == set(uploaded)
    assert all(uploaded[key(t.vehicle_id, t.type, t.time)].level == t.level for t in truth)
    hazard_edges = {e: h.hazard_id for h in result.hazards for e in h.edge_ids}
    for t in truth:
        assert t.on_hazard == (t.edge_id in hazard_edges)
        assert t.hazard_id == hazard_edges.get(t.edge_id)
        assert h3.latlng_to_cell(t.true_lat, t.true_lon, 10)


def test_same_seed_same_files(
    small_run: tuple[SimResult, Calls], small_run_again: SimResult
) -> None:
    a, _ = small_run
    b = small_run_again

    def contents(out: Path) -> dict[str, str]:
        files = {p.name: p.read_text() for p in (out / "vehicles").iterdir()}
        files["events"] = (out / "ground_truth_events.jsonl").read_text()
        files["net"] = (out / "net.net.xml").read_text()
        truth = json.loads((out / "ground_truth.json").read_text())
        truth["config"].pop("out_dir")
        files["truth"] = json.dumps(truth, sort_keys=True)
        return files

    assert contents(a.out_dir) == contents(b.out_dir)


def test_other_seed_other_traffic(small_run: tuple[SimResult, Calls], tmp_path: Path) -> None:
    a, _ = small_run
    other = run_simulation(small_config(tmp_path, seed=7))
    first = (a.out_dir / "vehicles" / "taxi-000.nmea").read_text()
    assert (other.out_dir / "vehicles" / "taxi-000.nmea").read_text() != first


def test_unknown_vehicle_is_a_clear_error(small_run: tuple[SimResult, Calls]) -> None:
    result, _ = small_run
    with pytest.raises(SimError, match="taxi-999"):
        load_vehicle_records(result.out_dir, "taxi-999")
    with pytest.raises(SimError, match=r"ground_truth\.json"):
        load_ground_truth(result.out_dir / "vehicles")
