"""A small silent fleet warns at the published rates (``roadsense.sim.calibration``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadsense.sim import SimConfig, SimResult, load_ground_truth, run_simulation
from roadsense.sim.calibration import (
    FCW_SHARE,
    PUBLISHED,
    UFCW_SHARE,
    inside_published,
    simulated_rates,
    top_driver_share,
)

pytestmark = pytest.mark.slow

CHECKED = sorted(set(PUBLISHED) - {FCW_SHARE, UFCW_SHARE})
"""A 40-taxi half hour has some 50 ADAS warnings: one FCW more or less is a 2 % share, so
the shares of the rare types are left to ``bench/sim_calibration.py`` (a larger run);
their rates per 100 km are checked here."""


@pytest.fixture(scope="module")
def silent_fleet(tmp_path_factory: pytest.TempPathFactory) -> tuple[SimResult, Path]:
    out = tmp_path_factory.mktemp("calibration")
    config = SimConfig(out_dir=out, vehicles=40, background_vehicles=150, duration_s=1800)
    return run_simulation(config), out


@pytest.mark.parametrize("figure", CHECKED)
def test_each_rate_is_inside_its_published_range(
    silent_fleet: tuple[SimResult, Path], figure: str
) -> None:
    result, out = silent_fleet
    truth = load_ground_truth(out)
    assert truth.totals.vehicle_km > 150  # enough distance for the common types
    value = simulated_rates(truth, result.events_by_type)[figure]
    km = truth.totals.vehicle_km
    assert inside_published(figure, value, km), f"{figure}: {value:.3f} in {km:.0f} km"


def test_a_few_drivers_make_many_of_the_warnings(silent_fleet: tuple[SimResult, Path]) -> None:
    _, out = silent_fleet
    truth = load_ground_truth(out)
    # with equal drivers the top tenth would make about a tenth (Poisson noise aside)
    assert top_driver_share(truth, 0.1) > 0.2
    risks = sorted(v.risk for v in truth.vehicles.values())
    assert risks[-1] > 3 * risks[len(risks) // 2]  # lognormal: a long right tail
