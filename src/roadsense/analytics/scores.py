"""Driver and fleet scores: warnings per 100 km, shrunk toward the fleet when exposure is low.

A driver with 30 km and one warning is not a worse driver than one with 3,000 km and 50:
raw rates of small exposures are mostly noise. Each rate is therefore shrunk with a
gamma-Poisson empirical Bayes estimate toward the peers' mean, by an amount that falls as
the driver's own kilometres grow; percentiles among peers use the shrunk rates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Exposure:
    """One subject's (driver's or vehicle's) counts and distance over a period."""

    subject: str
    km: float
    counts: Mapping[str, int]
    """Warnings by type."""
    previous_km: float = 0.0
    previous_counts: Mapping[str, int] | None = None
    """The same for the period before, for the trend."""


@dataclass(frozen=True)
class Score:
    """A subject's score for one warning type (or ``ALL``)."""

    subject: str
    event_type: str
    km: float
    count: int
    raw_per_100km: float | None
    shrunk_per_100km: float
    percentile: float
    """Share of peers with a lower shrunk rate, 0-100 (higher = more warnings)."""
    trend_ratio: float | None
    """Rate now / rate in the previous period (shrunk both); None without a previous period."""


def gamma_prior(counts: np.ndarray, km: np.ndarray) -> tuple[float, float]:
    """Method-of-moments gamma prior (shape, rate per km) for rates across peers."""
    total_km = float(km.sum())
    if total_km <= 0:
        return 1.0, 1.0
    mean = float(counts.sum()) / total_km
    if mean <= 0:
        return 1.0, 1e9
    with_km = km > 0
    raw = counts[with_km] / km[with_km]
    weights = km[with_km] / km[with_km].sum()
    spread = float(np.sum(weights * (raw - mean) ** 2))
    # the Poisson part of the spread is mean / km on average; the rest is between subjects
    between = spread - mean * float(np.sum(weights / km[with_km]))
    between = max(between, (0.05 * mean) ** 2)
    rate = mean / between
    return mean * rate, rate


def shrunk_rates(counts: np.ndarray, km: np.ndarray) -> np.ndarray:
    """Posterior mean rates per km: (count + shape) / (km + rate)."""
    shape, rate = gamma_prior(counts, km)
    return (counts + shape) / (km + rate)


def score_subjects(subjects: Sequence[Exposure], event_types: Sequence[str]) -> list[Score]:
    """Scores for every subject and type, plus ``ALL`` (all types together)."""
    out: list[Score] = []
    km = np.array([s.km for s in subjects], dtype=float)
    prev_km = np.array([s.previous_km for s in subjects], dtype=float)
    for kind in [*event_types, "ALL"]:
        counts = np.array([_count(s.counts, kind, event_types) for s in subjects], dtype=float)
        shrunk = shrunk_rates(counts, km)
        prev_counts = np.array(
            [_count(s.previous_counts or {}, kind, event_types) for s in subjects], dtype=float
        )
        prev_shrunk = shrunk_rates(prev_counts, prev_km) if prev_km.sum() > 0 else None
        for i, s in enumerate(subjects):
            below = float(np.sum(shrunk < shrunk[i]))
            ties = float(np.sum(shrunk == shrunk[i])) - 1
            percentile = 100.0 * (below + 0.5 * ties) / max(len(subjects) - 1, 1)
            trend = None
            if prev_shrunk is not None and s.previous_km > 0 and prev_shrunk[i] > 0:
                trend = float(shrunk[i] / prev_shrunk[i])
            out.append(
                Score(
                    subject=s.subject,
                    event_type=kind,
                    km=s.km,
                    count=int(counts[i]),
                    raw_per_100km=100.0 * counts[i] / s.km if s.km > 0 else None,
                    shrunk_per_100km=100.0 * float(shrunk[i]),
                    percentile=min(100.0, percentile),
                    trend_ratio=trend,
                )
            )
    return out


def _count(counts: Mapping[str, int], kind: str, event_types: Sequence[str]) -> int:
    if kind == "ALL":
        return sum(counts.get(t, 0) for t in event_types)
    return counts.get(kind, 0)
