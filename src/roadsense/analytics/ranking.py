"""The hotspot ranking: the one rule every view of the city's hotspots uses.

``roadsense screen --store``, ``/v1/panels/hotspots`` (the dashboard's and the API's), the
monthly report and ``roadsense analyze`` all call :func:`rank_sites` on the rows they read, so the
same store ranks the same way everywhere. The rule (docs/hotspots.md):

1. A site is *eligible* when it has at least ``min_vehicle_km`` vehicle-km and at least
   ``min_vehicles`` distinct vehicles (:class:`roadsense.city.RankingThresholds`, set in
   the city's settings). Other sites are listed, never ranked.
2. A negative binomial safety performance function (SPF) of the count on log vehicle-km
   (and the site's category, when the rows have one) is fitted over the eligible sites;
   each site's empirical Bayes expected count is pulled from its own count toward the
   SPF's prediction, and sites are ranked by excess (expected minus predicted; ties: the
   larger expected count, then the site id).
3. The one fallback: when no SPF can be fitted (fewer than 10 eligible sites, or no
   counts), sites are ranked by rate (events per 1,000 vehicle-km; ties: more events,
   then the site id), ``method`` is ``"rate"`` and no prediction, expected count or excess
   is given, rather than figures that were never estimated.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from roadsense.analytics.screening import Site, screen
from roadsense.analytics.spf import Spf, SpfError, fit_spf
from roadsense.city import RankingThresholds, city_settings

Method = Literal["excess", "rate"]


@dataclass(frozen=True)
class SiteRow:
    """What the ranking needs of one site: its count and its exposure."""

    site_id: str
    observed: int
    vehicle_km: float
    vehicles: int
    category: str | None = None
    """Site type for the SPF (road class, junction legs); None for cells."""


@dataclass(frozen=True)
class RankedSite:
    """A site with its place in the ranking (``rank`` None: not eligible)."""

    site_id: str
    observed: int
    vehicle_km: float
    vehicles: int
    category: str | None
    eligible: bool
    rank: int | None
    predicted: float | None
    """What the SPF predicts for a site like this; None without an SPF or not eligible."""
    expected: float | None
    """Empirical Bayes expected count; None without an SPF or not eligible."""
    excess: float | None
    """Expected minus predicted; None without an SPF or not eligible."""

    @property
    def rate_per_1000_vkm(self) -> float | None:
        """Observed events per 1,000 vehicle-km (None without exposure)."""
        return 1000.0 * self.observed / self.vehicle_km if self.vehicle_km > 0 else None


@dataclass(frozen=True)
class Ranking:
    """Every site given, the ranked ones first (in rank order), then the rest by id."""

    method: Method
    sites: list[RankedSite]
    thresholds: RankingThresholds
    spf: Spf | None = None
    note: str = ""
    eligible_count: int = 0
    no_spf_reason: str = ""
    """Why no SPF could be fitted (``method`` is then ``"rate"``)."""

    @property
    def ranked(self) -> list[RankedSite]:
        """The ranked sites, rank 1 first."""
        return [s for s in self.sites if s.rank is not None]

    def top(self, limit: int) -> list[RankedSite]:
        """The ``limit`` best-ranked sites."""
        return self.ranked[:limit]


def is_eligible(row: SiteRow, thresholds: RankingThresholds) -> bool:
    """Whether a site has the exposure and vehicles to be ranked."""
    return (
        row.vehicle_km > 0
        and row.vehicle_km >= thresholds.min_vehicle_km
        and row.vehicles >= thresholds.min_vehicles
    )


def rank_sites(rows: Sequence[SiteRow], thresholds: RankingThresholds | None = None) -> Ranking:
    """Rank ``rows`` by empirical Bayes excess, or by rate when no SPF can be fitted.

    ``thresholds`` default to the city's settings. Site ids must be unique.
    """
    limits = thresholds or city_settings().ranking_thresholds
    ids = [r.site_id for r in rows]
    if len(set(ids)) != len(ids):
        raise ValueError("site ids must be unique")
    eligible = sorted((r for r in rows if is_eligible(r, limits)), key=lambda r: r.site_id)
    others = sorted((r for r in rows if not is_eligible(r, limits)), key=lambda r: r.site_id)
    unranked = [_placed(r, None) for r in others]
    if not eligible:
        note = "no site has enough exposure to rank"
        return Ranking("excess", unranked, limits, None, note, 0)
    categories = None
    if any(r.category is not None for r in eligible):
        categories = [r.category or "" for r in eligible]
    try:
        spf = fit_spf([r.observed for r in eligible], [r.vehicle_km for r in eligible], categories)
    except SpfError as exc:
        order = sorted(eligible, key=lambda r: (-r.observed / r.vehicle_km, -r.observed, r.site_id))
        ranked = [_placed(r, i) for i, r in enumerate(order, start=1)]
        note = f"no safety performance function could be fitted ({exc}); ranked by rate"
        return Ranking("rate", ranked + unranked, limits, None, note, len(eligible), str(exc))
    by_id = {r.site_id: r for r in eligible}
    k = spf.overdispersion
    screened = screen(
        [
            Site(r.site_id, float(r.observed), spf.predict(r.vehicle_km, r.category), k)
            for r in eligible
        ]
    )
    ranked = [
        _placed(by_id[s.site.site_id], s.rank, s.site.predicted, s.expected, s.excess)
        for s in screened
    ]
    note = (
        f"{len(eligible)} sites with at least {limits.min_vehicle_km:g} vehicle-km and "
        f"{limits.min_vehicles} vehicles ranked by empirical Bayes excess; negative binomial "
        f"SPF, overdispersion {spf.overdispersion:.2f}"
    )
    return Ranking("excess", ranked + unranked, limits, spf, note, len(eligible))


def _placed(
    r: SiteRow,
    rank: int | None,
    predicted: float | None = None,
    expected: float | None = None,
    excess: float | None = None,
) -> RankedSite:
    """A row with its place: ``rank`` None for a site that is not eligible."""
    return RankedSite(
        site_id=r.site_id,
        observed=r.observed,
        vehicle_km=r.vehicle_km,
        vehicles=r.vehicles,
        category=r.category,
        eligible=rank is not None,
        rank=rank,
        predicted=predicted,
        expected=expected,
        excess=excess,
    )
