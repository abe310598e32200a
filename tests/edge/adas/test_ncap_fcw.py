"""US NCAP FCW confirmation test (NHTSA 2013) and the ISO 15623 0.68 g limit.

Each scenario runs seven trials (noise seeds 0-6) at 10 Hz and at 20 Hz input; the warning
time is judged by ground-truth time to collision from the exact trajectories (for the
decelerating lead, one that includes the lead's deceleration).
"""

from __future__ import annotations

import pytest

from .harness import RATES, ncap_trials, run
from .scenarios import LEAD_DECELERATING, NCAP, Scenario


@pytest.mark.parametrize("hz", RATES)
@pytest.mark.parametrize(("scenario", "required_ttc"), NCAP, ids=[s.name for s, _ in NCAP])
def test_ncap_scenario_passes(scenario: Scenario, required_ttc: float, hz: int) -> None:
    result = ncap_trials(scenario, required_ttc, hz)
    assert result.in_time >= 5, result.warning_ttcs  # NCAP: at least 5 of 7 trials in time
    assert all(t is not None for t in result.warning_ttcs), "every trial must warn"
    # ... and not absurdly early either: Mobileye warns up to 3.0 s before impact.
    assert all(t is not None and t <= 3.0 for t in result.warning_ttcs), result.warning_ttcs
    # ISO 15623: before the deceleration needed to avoid the crash exceeds 0.68 g.
    assert result.avoidance_g < 0.68


@pytest.mark.parametrize("hz", RATES)
def test_ncap_warning_is_one_fcw_episode(hz: int) -> None:
    onsets = run(LEAD_DECELERATING, hz, seed=3)
    assert [o.type for o in onsets if o.type in ("FCW", "UFCW")] == ["FCW"]
    fcw = next(o for o in onsets if o.type == "FCW")
    assert fcw.level == 2
    assert fcw.measurements["object_id"] == 1
    ttc = fcw.measurements["ttc_s"]
    assert ttc is not None
    assert 2.5 <= ttc <= 3.0
