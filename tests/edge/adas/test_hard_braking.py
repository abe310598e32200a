"""A lead braking harder than NCAP's 0.3 g: up to 0.5 g, from 30-100 km/h, gaps from 15 m.

Each combination of the family (every one in which a warning 2.4 s before impact is
physically possible: ``scenarios.REACTION_BUDGET_S``) runs seven noisy trials at 10 Hz and
at 20 Hz. Pass rule, as US NCAP's decelerating-lead test: at least 5 of 7 trials warn with
a true time to collision (the lead's deceleration included) of at least 2.4 s; here every
trial must also warn, and none before 3.2 s (Mobileye warns up to 3.0 s before impact).
"""

from __future__ import annotations

import pytest

from .harness import RATES, SEEDS, run
from .scenarios import G, Scenario, hard_braking, hard_braking_family, onset_ttc

FAMILY = hard_braking_family()


def test_family_covers_the_range() -> None:
    names = " ".join(s.name for s in FAMILY)
    for part in ("30 km/h", "100 km/h", "15 m gap", "0.5 g", "0.3 g"):
        assert part in names
    # the combinations left out are those nobody could warn for in time
    assert onset_ttc(100.0, 15.0, 0.5) < 2.4 + 0.25 <= onset_ttc(30.0, 15.0, 0.4)


@pytest.mark.parametrize("hz", RATES)
@pytest.mark.parametrize("scenario", FAMILY, ids=[s.name for s in FAMILY])
def test_warns_in_time(scenario: Scenario, hz: int) -> None:
    impact = scenario.impact_time(1, step=0.002)
    assert impact is not None
    margins: list[float | None] = []
    for seed in SEEDS:
        fcw = [o for o in run(scenario, hz, seed) if o.type == "FCW"]
        margins.append(round(impact - fcw[0].t, 3) if fcw else None)
    assert all(m is not None for m in margins), margins
    assert sum(1 for m in margins if m is not None and m >= 2.4) >= 5, margins
    assert all(m is not None and m <= 3.2 for m in margins), margins


@pytest.mark.parametrize("hz", RATES)
def test_the_reported_case_warns_in_every_trial(hz: int) -> None:
    """Issue 14: 4.0 m/s2 from 60 km/h with a 20 m gap warned in time in only 4 of 7."""
    scenario = hard_braking(60.0, 20.0, 4.0 / G)
    impact = scenario.impact_time(1, step=0.002)
    assert impact is not None
    for seed in SEEDS:
        fcw = [o for o in run(scenario, hz, seed) if o.type == "FCW"]
        assert fcw, seed
        assert impact - fcw[0].t >= 2.4, (seed, impact - fcw[0].t)
