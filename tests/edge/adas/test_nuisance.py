"""No collision or headway warning where a driver would call it a false alarm."""

from __future__ import annotations

import pytest

from .harness import RATES, SEEDS, run
from .scenarios import NUISANCE, NUISANCE_FAMILIES, NUISANCE_MIN_TTC_S, Scenario, true_min_ttc

FAMILY_CASES = [(family, s) for family, scenarios in NUISANCE_FAMILIES.items() for s in scenarios]


@pytest.mark.parametrize("hz", RATES)
@pytest.mark.parametrize("scenario", NUISANCE, ids=[s.name for s in NUISANCE])
def test_no_warning(scenario: Scenario, hz: int) -> None:
    warnings = [
        (seed, onset.type, round(onset.t, 2)) for seed in SEEDS for onset in run(scenario, hz, seed)
    ]
    assert warnings == []


@pytest.mark.parametrize("hz", RATES)
@pytest.mark.parametrize(
    ("family", "scenario"), FAMILY_CASES, ids=[s.name for _, s in FAMILY_CASES]
)
def test_no_warning_in_everyday_traffic(family: str, scenario: Scenario, hz: int) -> None:
    warnings = [
        (seed, onset.type, round(onset.t, 2)) for seed in SEEDS for onset in run(scenario, hz, seed)
    ]
    assert warnings == [], family


@pytest.mark.parametrize(
    ("family", "scenario"), FAMILY_CASES, ids=[s.name for _, s in FAMILY_CASES]
)
def test_nuisance_scenarios_are_really_harmless(family: str, scenario: Scenario) -> None:
    """Ground truth: nobody comes within a warning's reach of a collision."""
    assert true_min_ttc(scenario) >= NUISANCE_MIN_TTC_S, family


def test_every_family_is_there() -> None:
    assert set(NUISANCE_FAMILIES) == {
        "lead turning off",
        "overtaking",
        "parked cars",
        "adjacent lane",
        "slowing in traffic",
    }
    assert all(len(v) >= 3 for v in NUISANCE_FAMILIES.values())
