"""NB2 fits that hold at the Poisson boundary and recover a true overdispersion."""

from __future__ import annotations

import numpy as np
import pytest

from roadsense.analytics.count_models import fit_nb2


def _design(rng: np.random.Generator, n: int) -> np.ndarray:
    return np.column_stack([np.ones(n), np.log(rng.uniform(50, 500, n))])


def test_poisson_data_give_the_poisson_limit_with_finite_errors() -> None:
    rng = np.random.default_rng(3)
    x = _design(rng, 400)
    y = rng.poisson(np.exp(-4.0 + 1.0 * x[:, 1]))
    fit = fit_nb2(y, x)
    assert fit.alpha < 0.05
    assert np.all(np.isfinite(fit.bse))
    assert fit.params[1] == pytest.approx(1.0, abs=0.15)


def test_overdispersed_data_give_their_alpha() -> None:
    rng = np.random.default_rng(5)
    x = _design(rng, 3000)
    mu = np.exp(-3.0 + 1.0 * x[:, 1])
    alpha = 0.5
    y = rng.poisson(mu * rng.gamma(1.0 / alpha, alpha, len(mu)))
    fit = fit_nb2(y, x)
    assert fit.model == "nb2"
    assert fit.alpha == pytest.approx(alpha, rel=0.2)
    assert fit.params[1] == pytest.approx(1.0, abs=0.1)
    assert np.all(np.isfinite(fit.bse))
