"""Empirical Bayes before/after evaluation of site treatments (HSM chapter 9; Hauer 1997).

For treated sites i with SPF predictions before and after and observed counts::

    r_i     = predicted_after_i / predicted_before_i
    E_i     = expected_before_i * r_i          (what would have happened untreated)
    OR'     = sum(observed_after) / sum(E)
    Var(E)  = sum(r_i^2 * expected_before_i * (1 - w_i))
    OR      = OR' / (1 + Var(E) / sum(E)^2)
    Var(OR) = OR'^2 * (1/sum(observed_after) + Var(E)/sum(E)^2) / (1 + Var(E)/sum(E)^2)^2

Safety effectiveness is 100 (1 - OR) %; |(1 - OR) / SE(OR)| >= 2.0 is significant at about
95 %, >= 1.7 at about 90 %.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from roadsense.analytics.screening import eb_expected, eb_weight


@dataclass(frozen=True)
class TreatedSite:
    """Counts before and after a treatment at one site."""

    site_id: str
    observed_before: float
    predicted_before: float
    observed_after: float
    predicted_after: float
    overdispersion: float


@dataclass(frozen=True)
class BeforeAfterResult:
    """The group result of an empirical Bayes before/after study."""

    sites: int
    observed_after: float
    expected_after: float
    """What the sites would have had without the treatment (sum of E_i)."""
    variance_expected_after: float
    odds_ratio_naive: float
    odds_ratio: float
    standard_error: float
    """Standard error of the odds ratio."""
    effectiveness_percent: float
    effectiveness_se_percent: float
    z: float
    """(1 - OR) / SE(OR)."""
    significance: str

    def as_dict(self) -> dict[str, Any]:
        """The result as plain values (for JSON)."""
        return asdict(self)


def significance_label(z: float) -> str:
    """The HSM's reading of |(1 - OR)/SE(OR)|."""
    if abs(z) >= 2.0:
        return "significant at about 95 %"
    if abs(z) >= 1.7:
        return "significant at about 90 %"
    return "not significant"


def eb_before_after(sites: Sequence[TreatedSite]) -> BeforeAfterResult:
    """Evaluate a group of treated sites."""
    if not sites:
        raise ValueError("no sites to evaluate")
    sum_obs_after = 0.0
    sum_e = 0.0
    var_e = 0.0
    for s in sites:
        if s.predicted_before <= 0:
            raise ValueError(f"site {s.site_id}: predicted_before must be > 0")
        r = s.predicted_after / s.predicted_before
        w = eb_weight(s.predicted_before, s.overdispersion)
        expected_before = eb_expected(s.observed_before, s.predicted_before, s.overdispersion)
        sum_obs_after += s.observed_after
        sum_e += expected_before * r
        var_e += r * r * expected_before * (1.0 - w)
    if sum_e <= 0:
        raise ValueError("the expected count after is 0: nothing to compare against")
    if sum_obs_after <= 0:
        raise ValueError("no observed counts after the treatment: the variance is undefined")
    naive = sum_obs_after / sum_e
    rel_var = var_e / (sum_e * sum_e)
    odds_ratio = naive / (1.0 + rel_var)
    var_or = naive * naive * (1.0 / sum_obs_after + rel_var) / (1.0 + rel_var) ** 2
    se = math.sqrt(var_or)
    z = (1.0 - odds_ratio) / se
    return BeforeAfterResult(
        sites=len(sites),
        observed_after=sum_obs_after,
        expected_after=sum_e,
        variance_expected_after=var_e,
        odds_ratio_naive=naive,
        odds_ratio=odds_ratio,
        standard_error=se,
        effectiveness_percent=100.0 * (1.0 - odds_ratio),
        effectiveness_se_percent=100.0 * se,
        z=z,
        significance=significance_label(z),
    )
