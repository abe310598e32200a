"""SPFs, driver scores and Gi* clusters recover what was planted in synthetic data."""

from __future__ import annotations

import h3
import numpy as np
import pytest

from roadsense.analytics.clusters import getis_ord
from roadsense.analytics.scores import Exposure, gamma_prior, score_subjects, shrunk_rates
from roadsense.analytics.spf import Spf, SpfError, fit_spf


def test_spf_recovers_elasticity_class_effect_and_overdispersion() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    exposure = rng.uniform(5, 500, n)
    classes = rng.choice(["primary", "residential"], n)
    mu = np.exp(-2.0 + 0.8 * np.log(exposure) + np.where(classes == "residential", 0.5, 0.0))
    k = 0.4
    counts = rng.poisson(mu * rng.gamma(1 / k, k, n))
    spf = fit_spf(counts.tolist(), exposure.tolist(), classes.tolist())
    assert spf.exposure_coef == pytest.approx(0.8, abs=0.05)
    assert spf.class_effects["residential"] == pytest.approx(0.5, abs=0.1)
    assert spf.overdispersion == pytest.approx(k, abs=0.08)
    assert spf.predict(100, "primary") == pytest.approx(np.exp(-2 + 0.8 * np.log(100)), rel=0.15)
    assert spf.predict(0) == 0.0


def test_spf_prediction_stays_finite_at_extreme_exposure() -> None:
    spf = Spf(
        intercept=5.0, exposure_coef=3.0, class_effects={"x": 400.0}, overdispersion=1, sites=10
    )
    for exposure in (1e300, 1.7e308):
        assert np.isfinite(spf.predict(exposure, "x"))
    assert spf.predict(1e300, "x") >= spf.predict(1e3, "x")


def test_spf_refuses_too_little_data() -> None:
    with pytest.raises(SpfError, match="at least 10"):
        fit_spf([1, 2], [3, 4])
    with pytest.raises(SpfError, match="no counts"):
        fit_spf([0] * 20, [1.0] * 20)


def test_shrinkage_pulls_small_exposures_to_the_mean() -> None:
    counts = np.array([1.0, 50.0, 40.0, 60.0, 45.0])
    km = np.array([10.0, 1000.0, 1000.0, 1000.0, 1000.0])
    shape, rate = gamma_prior(counts, km)
    assert shape / rate == pytest.approx(counts.sum() / km.sum())
    shrunk = shrunk_rates(counts, km)
    # the 10 km driver's raw 0.1/km moves almost all the way to the fleet's ~0.05/km
    assert abs(shrunk[0] - 0.05) < abs(0.1 - 0.05) / 2
    # the 1,000 km drivers barely move
    assert shrunk[1] == pytest.approx(0.05, abs=0.003)


def test_scores_percentiles_and_trend() -> None:
    subjects = [
        Exposure("careful", 2000, {"FCW": 10, "HMW": 20}, 2000, {"FCW": 20, "HMW": 40}),
        Exposure("average", 2000, {"FCW": 30, "HMW": 60}, 2000, {"FCW": 30, "HMW": 60}),
        Exposure("risky", 2000, {"FCW": 90, "HMW": 150}, 2000, {"FCW": 60, "HMW": 100}),
        Exposure("new", 20, {"FCW": 3}, 0, None),
    ]
    scores = {(s.subject, s.event_type): s for s in score_subjects(subjects, ["FCW", "HMW"])}
    assert scores[("risky", "ALL")].percentile == 100.0
    assert scores[("careful", "ALL")].percentile == 0.0
    assert scores[("risky", "FCW")].raw_per_100km == pytest.approx(4.5)
    careful, risky = scores[("careful", "FCW")].trend_ratio, scores[("risky", "ALL")].trend_ratio
    assert careful is not None
    assert careful < 0.8
    assert risky is not None
    assert risky > 1.2
    assert scores[("new", "ALL")].trend_ratio is None
    # 3 warnings in 20 km is a raw 15 per 100 km; the score moves most of the way to the
    # fleet's 2.2, while 2,000 km drivers keep close to their raw rate
    assert scores[("new", "FCW")].raw_per_100km == pytest.approx(15.0)
    assert scores[("new", "FCW")].shrunk_per_100km < 0.4 * 15.0
    assert scores[("risky", "FCW")].shrunk_per_100km == pytest.approx(4.5, rel=0.05)


def test_gi_star_finds_a_planted_cluster_and_controls_false_discoveries() -> None:
    rng = np.random.default_rng(5)
    centre = h3.latlng_to_cell(35.87, 128.60, 9)  # Daegu
    area = h3.grid_disk(centre, 12)
    hot = set(h3.grid_disk(h3.grid_disk(centre, 6).pop(), 1))
    values = {c: float(rng.poisson(30 if c in hot else 5)) for c in area}
    result = {r.cell: r for r in getis_ord(values, rings=1, fdr=0.05)}
    found = {c for c, r in result.items() if r.hot}
    assert hot & found, "the planted cluster was not found"
    assert len(found - set().union(*(h3.grid_disk(c, 1) for c in hot))) == 0
    # pure noise: nothing (or almost nothing) is called hot
    noise = {c: float(rng.poisson(5)) for c in area}
    assert sum(r.hot for r in getis_ord(noise)) <= 2
    assert all(0 <= r.q_value <= 1 for r in result.values())
