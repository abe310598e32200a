"""Safety performance functions: negative binomial regression of counts on exposure.

``log E[count_i] = b0 + b1 * log(exposure_i) + road class effects``, fitted by maximum
likelihood (statsmodels NB2); the overdispersion ``k`` (alpha) is what empirical Bayes
screening needs: ``Var = mu + k mu^2``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from roadsense.analytics.count_models import fit_nb2
from roadsense.errors import RoadsenseError

MAX_ETA = 700.0
"""The largest linear predictor a prediction is made from (e^700 is about 1e304): beyond it
a fit on extreme counts would overflow (``math range error``); clamped, every later sum
stays finite."""


class SpfError(RoadsenseError, ValueError):
    """The counts cannot support an SPF."""


@dataclass(frozen=True)
class Spf:
    """A fitted safety performance function."""

    intercept: float
    exposure_coef: float
    """Elasticity of the count with exposure (1 = proportional)."""
    class_effects: dict[str, float]
    """Log multipliers by category, relative to the first category."""
    overdispersion: float
    """k (NB2 alpha)."""
    sites: int

    def predict(self, exposure: float, category: str | None = None) -> float:
        """Expected count at this exposure (and category)."""
        if exposure <= 0:
            return 0.0
        eta = self.intercept + self.exposure_coef * math.log(exposure)
        if category is not None:
            eta += self.class_effects.get(category, 0.0)
        return math.exp(min(eta, MAX_ETA))


def fit_spf(
    counts: Sequence[float], exposure: Sequence[float], categories: Sequence[str] | None = None
) -> Spf:
    """Fit an NB2 SPF over sites with positive exposure."""
    y = np.asarray(counts, dtype=float)
    e = np.asarray(exposure, dtype=float)
    if y.shape != e.shape:
        raise SpfError("counts and exposure differ in length")
    keep = e > 0
    if keep.sum() < 10:
        raise SpfError(f"an SPF needs at least 10 sites with exposure, not {int(keep.sum())}")
    if y[keep].sum() == 0:
        raise SpfError("no counts at any site: nothing to fit")
    levels: list[str] = []
    columns = [np.ones(int(keep.sum())), np.log(e[keep])]
    if categories is not None:
        cats = np.asarray(categories, dtype=object)[keep]
        levels = sorted({str(c) for c in cats})
        for level in levels[1:]:
            columns.append((cats == level).astype(float))
    x = np.column_stack(columns)
    try:
        result = fit_nb2(y[keep], x)
    except (np.linalg.LinAlgError, ValueError) as exc:
        raise SpfError(f"the SPF could not be fitted: {exc}") from exc
    params = result.params
    alpha = result.alpha
    return Spf(
        intercept=float(params[0]),
        exposure_coef=float(params[1]),
        class_effects={lvl: float(params[2 + i]) for i, lvl in enumerate(levels[1:])},
        overdispersion=max(alpha, 0.0),
        sites=int(keep.sum()),
    )
