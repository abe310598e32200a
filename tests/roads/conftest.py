"""Shared, session-wide: the Helsinki roads with Valhalla tiles and a small simulated fleet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from roadsense.roads.extracts import bundled_extract
from roadsense.roads.service import CityRoads, load_roads
from roadsense.roads.tiles import CACHE_ENV
from roadsense.sim import SimConfig, SimResult, run_simulation


@pytest.fixture(scope="session")
def roads_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh tile cache for the session (tiles build in about a second)."""
    path = tmp_path_factory.mktemp("roads-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv(CACHE_ENV, str(path))
    yield path
    mp.undo()


@pytest.fixture(scope="session")
def helsinki(roads_cache: Path) -> CityRoads:
    return load_roads(bundled_extract("helsinki"))


@pytest.fixture(scope="session")
def fleet_run(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    """12 taxis for 10 minutes on Helsinki, GPS sigma 10 m, with true positions (at
    published warning rates a smaller run can have no event at all), nothing planted but
    one hazard."""
    return run_simulation(
        SimConfig(
            out_dir=tmp_path_factory.mktemp("roads-sim"),
            vehicles=12,
            background_vehicles=60,
            duration_s=600,
            gps_sigma_m=10.0,
            hazards=1,
            seed=11,
            write_truth_positions=True,
            # the roads tests plant their own signs and potholes, and want every taxi's fix
            signs=0,
            potholes=0,
            device_faults=False,
            gps_outages=0,
        )
    )
