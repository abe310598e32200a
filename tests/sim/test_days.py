"""Simulated days side by side: the same files with one worker or two, every day kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roadsense.sim import SimConfig, SimError, run_simulation
from roadsense.sim.conflicts import CONFLICTS_FILE
from roadsense.sim.days import DAYS_DIR, DayJob, simulate_days
from roadsense.sim.lane_markings import LaneMarkings
from roadsense.sim.network import SumoNetwork
from roadsense.sim.output import (
    GROUND_TRUTH_EVENTS_FILE,
    GROUND_TRUTH_FILE,
    VEHICLES_DIR,
    vehicle_logs,
)
from roadsense.sim.road_assets import RoadAssets
from roadsense.sim.unit import IMU_HEADER
from roadsense.sim.unit_rules import UnitRules

pytestmark = pytest.mark.slow

Runs = tuple[Path, Path, list[tuple[str, int, int]]]
"""The run with one worker, the run with two, and the second's progress calls."""


def _config(out_dir: Path) -> SimConfig:
    return SimConfig(
        out_dir=out_dir,
        vehicles=3,
        background_vehicles=30,
        duration_s=240,
        days=2,
        hazards=1,
        seed=11,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    serial = tmp_path_factory.mktemp("days-serial")
    parallel = tmp_path_factory.mktemp("days-parallel")
    calls: list[tuple[str, int, int]] = []
    run_simulation(_config(serial), lambda s, d, t: calls.append((f"{s}/1", d, t)), workers=1)
    run_simulation(_config(parallel), lambda s, d, t: calls.append((f"{s}/2", d, t)), workers=2)
    return serial, parallel, calls


def test_one_worker_and_two_write_the_same_files(runs: Runs) -> None:
    serial, parallel, _ = runs
    names = sorted(p.name for p in (serial / VEHICLES_DIR).iterdir())
    assert names == sorted(p.name for p in (parallel / VEHICLES_DIR).iterdir())
    assert {n.rsplit(".", 1)[-1] for n in names} >= {"log", "nmea", "csv"}
    for name in names:
        a = (serial / VEHICLES_DIR / name).read_bytes()
        b = (parallel / VEHICLES_DIR / name).read_bytes()
        assert a == b, name
    for name in (GROUND_TRUTH_EVENTS_FILE, CONFLICTS_FILE):
        assert (serial / name).read_bytes() == (parallel / name).read_bytes(), name
    truth_a = json.loads((serial / GROUND_TRUTH_FILE).read_text())
    truth_b = json.loads((parallel / GROUND_TRUTH_FILE).read_text())
    for truth in (truth_a, truth_b):
        truth.pop("config")
    assert truth_a == truth_b


def test_the_days_folders_go_and_progress_ends(runs: Runs) -> None:
    serial, parallel, calls = runs
    assert not (serial / DAYS_DIR).exists()
    assert not (parallel / DAYS_DIR).exists()
    for workers in ("1", "2"):
        simulate = [(d, t) for s, d, t in calls if s == f"simulate/{workers}"]
        assert simulate, workers
        assert simulate[-1] == (2 * 240, 2 * 240)
        assert {t for _, t in simulate} == {2 * 240}


def test_every_taxis_logs_hold_both_days_in_order(runs: Runs) -> None:
    """The joined CAN and IMU logs themselves (not the decoder's sorted records): day 1's
    lines after day 0's, the IMU's header once."""
    serial, _, _ = runs
    config = _config(serial)
    start = config.start_time.timestamp()
    for i in range(config.vehicles):
        logs = vehicle_logs(serial, f"taxi-{i:03d}")
        can = [float(line.split()[0].strip("()")) for line in logs.can.read_text().splitlines()]
        imu_lines = logs.imu.read_text().splitlines()
        assert imu_lines.count(IMU_HEADER.strip()) == 1
        assert imu_lines[0] == IMU_HEADER.strip()
        imu = [float(line.split(",")[0]) for line in imu_lines[1:]]
        for name, times in (("CAN", can), ("IMU", imu)):
            assert times == sorted(times), f"taxi-{i:03d}'s {name} log is out of order"
        days = {int((t - start) // 86_400) for t in can}
        assert days == {0, 1}, f"taxi-{i:03d}'s CAN log holds days {sorted(days)}"


def test_a_failing_day_stops_the_run_and_leaves_no_days_folder(tmp_path: Path) -> None:
    config = _config(tmp_path)
    missing = SumoNetwork(
        net_file=tmp_path / "missing.net.xml", edges={}, bounds_lonlat=(0, 0, 1, 1)
    )
    jobs = [
        DayJob(
            config=config,
            day=day,
            network=missing,
            sites=[],
            drivers={},
            live=frozenset(),
            faults=[],
            assets=RoadAssets(),
            markings=LaneMarkings(),
            crossings=[],
            rules=UnitRules(),
            ssm_options=[],
        )
        for day in range(2)
    ]
    with pytest.raises(SimError, match=r"simulated day \d failed"):
        simulate_days(jobs, workers=2)
    assert not (tmp_path / DAYS_DIR).exists()


@pytest.mark.parametrize("workers", [0, -2])
def test_fewer_than_one_worker_is_one_clear_error(tmp_path: Path, workers: int) -> None:
    with pytest.raises(SimError, match=rf"^workers must be at least 1, got {workers}$"):
        simulate_days([], workers=workers)
