"""Persistent and emerging hotspots across periods (months or quarters).

A site that is among the top ``top_n`` in most periods is *persistent*: a standing
problem. One in the top in the latest period but in none (or few) of the earlier ones is
*emerging*: something changed. One that was in the top before but not lately is *fading*.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Trend = Literal["persistent", "emerging", "fading", "intermittent"]


@dataclass(frozen=True)
class SiteTrend:
    """How a site ranked over the periods."""

    site_id: str
    trend: Trend
    periods_in_top: int
    periods: int
    latest_rank: int | None


def classify(
    ranks: Mapping[str, Mapping[str, int]], top_n: int = 10, persistent_share: float = 0.6
) -> list[SiteTrend]:
    """``ranks[period][site] = rank`` (1 = worst) -> the trend of every site ever in the top."""
    periods = sorted(ranks)
    if len(periods) < 2:
        raise ValueError("trends need at least two periods")
    latest, earlier = periods[-1], periods[:-1]
    sites = {s for p in periods for s, r in ranks[p].items() if r <= top_n}
    out = []
    for site in sorted(sites):
        in_top = [p for p in periods if ranks[p].get(site, top_n + 1) <= top_n]
        now = latest in in_top
        before = sum(1 for p in earlier if p in in_top)
        trend: Trend
        if len(in_top) >= persistent_share * len(periods):
            trend = "persistent"
        elif now and before <= max(0, len(earlier) // 4):
            trend = "emerging"
        elif not now and before > 0 and ranks[latest].get(site, top_n + 1) > top_n:
            trend = "fading"
        else:
            trend = "intermittent"
        out.append(SiteTrend(site, trend, len(in_top), len(periods), ranks[latest].get(site)))
    return out
