"""Negative binomial (NB2) regression of counts, fitted the same way everywhere.

statsmodels' ``NegativeBinomial`` estimates ``log(alpha)`` beside the coefficients. Where the
data show no overdispersion beyond Poisson, the likelihood is flat in alpha near zero: the
optimiser wanders towards the boundary and (on recent statsmodels releases) the standard
errors come back as NaN. At that boundary NB2 *is* the Poisson model, so :func:`fit_nb2`
then returns the Poisson GLM's coefficients and standard errors with ``alpha = 0``. The NB2
fit starts from the Poisson coefficients, which makes it converge on every release tested.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import statsmodels.api as sm

from roadsense.analytics.quiet import quiet

MIN_ALPHA = 1e-6
"""Below this the overdispersion is taken as zero (the Poisson limit of NB2)."""


@dataclass(frozen=True)
class CountFit:
    """Coefficients, their standard errors and the NB2 overdispersion of one fit."""

    params: npt.NDArray[np.float64]
    bse: npt.NDArray[np.float64]
    alpha: float
    """NB2 overdispersion ``k`` in ``Var = mu + k mu^2``; 0 for the Poisson limit."""
    model: str
    """``"nb2"``, or ``"poisson"`` where the overdispersion collapsed to zero."""


def fit_nb2(y: npt.ArrayLike, x: npt.ArrayLike, maxiter: int = 200) -> CountFit:
    """Fit NB2 of counts ``y`` on the design ``x`` (first column the constant)."""
    endog = np.asarray(y, dtype=float)
    exog = np.asarray(x, dtype=float)
    with quiet():
        poisson = sm.GLM(endog, exog, family=sm.families.Poisson()).fit(maxiter=maxiter)
        start = np.append(np.asarray(poisson.params, dtype=float), 0.1)
        nb = None
        for method in ("newton", "bfgs"):
            try:
                fit = sm.NegativeBinomial(endog, exog, loglike_method="nb2").fit(
                    start_params=start, method=method, maxiter=maxiter, disp=0
                )
            except (np.linalg.LinAlgError, ValueError):
                continue
            params = np.asarray(fit.params, dtype=float)
            bse = np.asarray(fit.bse, dtype=float)
            if np.all(np.isfinite(params)) and np.all(np.isfinite(bse[:-1])):
                nb = (params, bse)
                break
    if nb is not None and nb[0][-1] >= MIN_ALPHA:
        params, bse = nb
        return CountFit(params=params[:-1], bse=bse[:-1], alpha=float(params[-1]), model="nb2")
    p_params = np.asarray(poisson.params, dtype=float)
    p_bse = np.asarray(poisson.bse, dtype=float)
    if not (np.all(np.isfinite(p_params)) and all(math.isfinite(b) for b in p_bse)):
        raise ValueError("the count model could not be fitted to these data")
    return CountFit(params=p_params, bse=p_bse, alpha=0.0, model="poisson")
