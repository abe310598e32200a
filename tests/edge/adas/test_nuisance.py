"""No collision or headway warning where a driver would call it a false alarm."""

from __future__ import annotations

import pytest

from .harness import RATES, SEEDS, run
from .scenarios import NUISANCE, Scenario


@pytest.mark.parametrize("hz", RATES)
@pytest.mark.parametrize("scenario", NUISANCE, ids=[s.name for s in NUISANCE])
def test_no_warning(scenario: Scenario, hz: int) -> None:
    warnings = [
        (seed, onset.type, round(onset.t, 2)) for seed in SEEDS for onset in run(scenario, hz, seed)
    ]
    assert warnings == []
