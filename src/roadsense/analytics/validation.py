"""How well do near misses point at where crashes happen?

Per site (cell or segment): the near-miss rate (warnings per 1,000 vehicle-km) and the
police-reported crash count over the same area and period. Three measures, each with a
plain reading: Spearman's rank correlation, the share of the top-k crash sites that are
also top-k near-miss sites, and an NB regression of crashes on log exposure and the
near-miss rate (the rate ratio per doubling of the near-miss rate).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from roadsense.analytics.count_models import fit_nb2


@dataclass(frozen=True)
class SiteEvidence:
    """Near misses and crashes at one site."""

    site_id: str
    vehicle_km: float
    near_misses: int
    crashes: int


@dataclass(frozen=True)
class Validation:
    """Near-miss vs crash agreement."""

    sites: int
    spearman_rho: float
    spearman_p: float
    top_k: int
    top_k_overlap: float
    """Share of the top-k crash sites that are among the top-k near-miss sites."""
    crash_ratio_per_doubling: float | None
    """Crash rate ratio per doubling of the near-miss rate (NB SPF); None if not fitted."""
    ci_low: float | None
    ci_high: float | None
    verdict: str


def validate(sites: Sequence[SiteEvidence], top_k: int = 20) -> Validation:
    """Compare near-miss rates with crash counts across sites with exposure."""
    used = [s for s in sites if s.vehicle_km > 0]
    if len(used) < 10:
        raise ValueError(f"need at least 10 sites with exposure, have {len(used)}")
    rate = np.array([1000.0 * s.near_misses / s.vehicle_km for s in used])
    crashes = np.array([s.crashes for s in used], dtype=float)
    rho, p = stats.spearmanr(rate, crashes)
    k = min(top_k, len(used))
    top_rate = set(np.argsort(-rate, kind="stable")[:k])
    top_crash = set(np.argsort(-crashes, kind="stable")[:k])
    overlap = len(top_rate & top_crash) / k
    ratio = low = high = None
    if crashes.sum() > 0:
        x = np.column_stack(
            [
                np.ones(len(used)),
                np.log([s.vehicle_km for s in used]),
                np.log2(rate + 1.0),
            ]
        )
        try:
            fit = fit_nb2(crashes, x)
            b, se = float(fit.params[2]), float(fit.bse[2])
            if math.isfinite(se):
                ratio, low, high = math.exp(b), math.exp(b - 1.96 * se), math.exp(b + 1.96 * se)
        except (np.linalg.LinAlgError, ValueError):
            pass
    return Validation(
        sites=len(used),
        spearman_rho=float(rho),
        spearman_p=float(p),
        top_k=k,
        top_k_overlap=overlap,
        crash_ratio_per_doubling=ratio,
        ci_low=low,
        ci_high=high,
        verdict=_verdict(float(rho), float(p), low),
    )


def _verdict(rho: float, p: float, low: float | None) -> str:
    if p < 0.05 and rho > 0.3 and low is not None and low > 1:
        return (
            "near-miss rates predict crashes here: sites with more warnings per km have "
            "significantly more police-reported crashes"
        )
    if p < 0.05 and rho > 0:
        return "near-miss rates are weakly but significantly related to crashes here"
    return (
        "no reliable relation between near-miss rates and crashes in these data; do not "
        "use the near-miss ranking as a crash predictor here without more data"
    )
