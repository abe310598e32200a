"""Simulated days side by side: the same files with one worker or two, every day kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from roadsense.schema.records import Position
from roadsense.sim import SimConfig, load_vehicle_records, run_simulation
from roadsense.sim.days import DAYS_DIR
from roadsense.sim.output import GROUND_TRUTH_EVENTS_FILE, GROUND_TRUTH_FILE, VEHICLES_DIR

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
    run_simulation(_config(serial), workers=1)
    calls: list[tuple[str, int, int]] = []
    run_simulation(_config(parallel), lambda s, d, t: calls.append((s, d, t)), workers=2)
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
    events = GROUND_TRUTH_EVENTS_FILE
    assert (serial / events).read_bytes() == (parallel / events).read_bytes()
    truth_a = json.loads((serial / GROUND_TRUTH_FILE).read_text())
    truth_b = json.loads((parallel / GROUND_TRUTH_FILE).read_text())
    for truth in (truth_a, truth_b):
        truth.pop("config")
    assert truth_a == truth_b


def test_the_days_folders_go_and_progress_ends(runs: Runs) -> None:
    serial, parallel, calls = runs
    assert not (serial / DAYS_DIR).exists()
    assert not (parallel / DAYS_DIR).exists()
    simulate = [(d, t) for s, d, t in calls if s == "simulate"]
    assert simulate
    assert simulate[-1][0] == simulate[-1][1] == 2 * 240
    done = [d for d, _ in simulate]
    assert done == sorted(done)


def test_every_taxis_logs_hold_both_days_in_order(runs: Runs) -> None:
    serial, _, _ = runs
    config = _config(serial)
    for i in range(config.vehicles):
        records = load_vehicle_records(serial, f"taxi-{i:03d}")
        times = [r.time for r in records if isinstance(r, Position)]
        assert times == sorted(times)
        start = config.start_time
        days = {(t - start).days for t in times}
        assert days == {0, 1}, f"taxi-{i:03d} reported on days {sorted(days)}"
