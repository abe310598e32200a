"""Network screening with empirical Bayes (Highway Safety Manual, Part B, chapter 4).

For a site with an observed count, the count a safety performance function (SPF) predicts
for the same period, and the SPF's overdispersion ``k``::

    w        = 1 / (1 + k * predicted)
    expected = w * predicted + (1 - w) * observed
    excess   = expected - predicted

Sites are ranked by excess: the long-run count above what sites like them would have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    """Counts for one site over one period."""

    site_id: str
    observed: float
    predicted: float
    overdispersion: float
    """The SPF's overdispersion parameter k (per site; for segments often k0 / length)."""


@dataclass(frozen=True)
class ScreenedSite:
    """A site with its empirical Bayes estimate."""

    site: Site
    weight: float
    expected: float
    excess: float
    rank: int


def eb_weight(predicted: float, overdispersion: float) -> float:
    """The weight given to the SPF prediction: 1 / (1 + k * predicted)."""
    if predicted < 0 or overdispersion < 0:
        raise ValueError("predicted counts and overdispersion must be >= 0")
    return 1.0 / (1.0 + overdispersion * predicted)


def eb_expected(observed: float, predicted: float, overdispersion: float) -> float:
    """Empirical Bayes expected count: between the prediction and the observation."""
    w = eb_weight(predicted, overdispersion)
    return w * predicted + (1.0 - w) * observed


def screen(sites: Sequence[Site]) -> list[ScreenedSite]:
    """Every site with weight, expected count and excess, ranked (1 = largest excess)."""
    scored = []
    for site in sites:
        w = eb_weight(site.predicted, site.overdispersion)
        expected = w * site.predicted + (1.0 - w) * site.observed
        scored.append((site, w, expected, expected - site.predicted))
    scored.sort(key=lambda s: (-s[3], -s[2], s[0].site_id))
    return [
        ScreenedSite(site, w, expected, excess, rank)
        for rank, (site, w, expected, excess) in enumerate(scored, start=1)
    ]
