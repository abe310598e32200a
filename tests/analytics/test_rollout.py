"""The rollout analysis recovers a known effect of live warnings from simulated fleets."""

from __future__ import annotations

import numpy as np
import pytest

from roadsense.analytics.rollout import Model, PanelRow, RolloutError, estimate_effect


def simulated_fleet(
    seed: int, true_ratio: float, vehicles: int = 60, weeks: int = 16, overdispersion: float = 0.3
) -> list[PanelRow]:
    """Staggered install waves, 4 silent weeks each, vehicle and week effects, NB counts."""
    rng = np.random.default_rng(seed)
    base = rng.gamma(4.0, 0.5 / 4.0, vehicles)  # warnings per km, mean 0.5
    week_effect = np.exp(0.2 * np.sin(np.arange(weeks) / 2.0))  # seasons, weather...
    live_from = rng.choice([4, 8, 12, 99], size=vehicles)  # three waves and a late group
    rows = []
    for v in range(vehicles):
        for w in range(weeks):
            km = float(rng.uniform(200, 900))
            live = w >= live_from[v]
            mean = base[v] * week_effect[w] * km * (true_ratio if live else 1.0)
            gamma = rng.gamma(1 / overdispersion, overdispersion)
            rows.append(
                PanelRow(
                    f"taxi-{v}", f"2025-W{w:02d}", km, int(rng.poisson(mean * gamma)), bool(live)
                )
            )
    return rows


def test_a_known_reduction_is_recovered() -> None:
    result = estimate_effect(simulated_fleet(1, 0.6), "FCW")
    assert result.ci_low < 0.6 < result.ci_high
    assert result.rate_ratio == pytest.approx(0.6, rel=0.1)
    assert result.p_value < 0.001
    assert result.change_percent == pytest.approx(100 * (result.rate_ratio - 1))


def test_no_effect_is_not_found_where_there_is_none() -> None:
    result = estimate_effect(simulated_fleet(2, 1.0), "HMW")
    assert result.ci_low < 1.0 < result.ci_high


@pytest.mark.slow
@pytest.mark.parametrize("model", ["poisson", "negbin"])
def test_95_percent_intervals_cover_the_truth_in_at_least_90_percent_of_50_seeds(
    model: Model,
) -> None:
    truth = 0.7
    covered = 0
    for seed in range(50):
        r = estimate_effect(
            simulated_fleet(100 + seed, truth, vehicles=40, weeks=12), "FCW", model=model
        )
        covered += r.ci_low <= truth <= r.ci_high
    assert covered >= 45, f"{covered}/50 intervals covered the true rate ratio"


def test_without_silent_exposure_the_effect_is_not_identified() -> None:
    rows = [PanelRow("a", "p1", 100, 3, True), PanelRow("b", "p1", 100, 4, True)]
    with pytest.raises(RolloutError, match="both live and silent"):
        estimate_effect(rows, "FCW")
    with pytest.raises(RolloutError, match="no exposure"):
        estimate_effect([PanelRow("a", "p1", 0, 3, True)], "FCW")


def test_a_handful_of_warnings_gives_no_estimate() -> None:
    rows = [
        PanelRow("a", "p1", 100, 1, False),
        PanelRow("a", "p2", 100, 0, True),
        PanelRow("b", "p1", 100, 0, False),
        PanelRow("b", "p2", 100, 3, True),
    ]
    with pytest.raises(RolloutError, match="too few FCW warnings"):
        estimate_effect(rows, "FCW")
