"""Shared small simulation runs for the sim tests (each run once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadsense.sim import GroundTruth, SimConfig, SimResult, run_simulation

Calls = list[tuple[str, int, int]]


def small_config(out_dir: Path, seed: int = 42) -> SimConfig:
    """8 taxis for 15 minutes: a few seconds of simulation, a dozen events at real rates."""
    return SimConfig(
        out_dir=out_dir, vehicles=8, background_vehicles=60, duration_s=900, hazards=3, seed=seed
    )


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimResult, Calls]:
    calls: Calls = []
    config = small_config(tmp_path_factory.mktemp("sim-a"))
    result = run_simulation(config, lambda stage, done, total: calls.append((stage, done, total)))
    return result, calls


@pytest.fixture(scope="session")
def small_run_again(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    return run_simulation(small_config(tmp_path_factory.mktemp("sim-b")))


def faulty(truth: GroundTruth, *kinds: str) -> set[str]:
    """Taxis with a planted fault of these kinds (every kind when none is given)."""
    return {f.vehicle_id for f in truth.device_faults if not kinds or f.kind in kinds}


def without_gps_outage(truth: GroundTruth) -> set[str]:
    """Taxis with no planted GPS outage and a gateway that records."""
    lost = {o.vehicle_id for o in truth.gps_outages} | faulty(truth, "gateway_silent")
    return set(truth.vehicles) - lost
