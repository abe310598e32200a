"""Network screening of the store's sites: cells, road segments and junctions.

Each is the one hotspot ranking (:func:`roadsense.analytics.ranking.rank_sites`) on the
store's rows: sites with enough exposure, an NB safety performance function of the count
on log vehicle-km (with site types for segments and junctions), each site's empirical
Bayes expected count pulled from its own count toward the SPF's prediction, ranked by
excess (expected minus predicted). Unlike a raw rate, this does not crown sites whose few
kilometres happened to see one warning. These screenings report empirical Bayes results
only: when no SPF can be fitted they list no sites and say why in ``note``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from roadsense.analytics.hotspots import store_cell_rows
from roadsense.analytics.ranking import RankedSite, Ranking, SiteRow, rank_sites
from roadsense.analytics.road_counts import RoadCounts, StoreRoadCounts
from roadsense.analytics.spf import Spf
from roadsense.city import DEFAULT_HOTSPOT_RESOLUTION, RankingThresholds, city_settings
from roadsense.schema import SAFETY_TYPES
from roadsense.store import ReadStore, RoadStore


def _thresholds(min_vehicle_km: float | None, min_vehicles: int | None) -> RankingThresholds:
    """The given thresholds, the city's settings for those not given."""
    city = city_settings()
    return RankingThresholds(
        city.min_vehicle_km if min_vehicle_km is None else min_vehicle_km,
        city.min_vehicles if min_vehicles is None else min_vehicles,
    )


def _screened(ranking: Ranking) -> list[RankedSite]:
    """The empirical Bayes ranked sites (none when the ranking fell back to rates)."""
    return ranking.ranked if ranking.spf is not None else []


@dataclass(frozen=True)
class ScreenedCell:
    """One cell's screening result."""

    cell: str
    event_type: str
    observed: int
    vehicle_km: float
    vehicles: int
    predicted: float
    expected: float
    excess: float
    rate_per_million_vkm: float
    rank: int


@dataclass(frozen=True)
class CellScreening:
    """Screening of all eligible cells for one event type."""

    event_type: str
    spf: Spf | None
    """None when too few cells or counts to fit an SPF."""
    cells: list[ScreenedCell]
    note: str = ""


def screen_cells(
    store: ReadStore,
    resolution: int = DEFAULT_HOTSPOT_RESOLUTION,
    event_types: Sequence[str] = (),
    min_vehicle_km: float | None = None,
    min_vehicles: int | None = None,
) -> CellScreening:
    """Screen cells for ``event_types`` (empty: every safety type together,
    :data:`~roadsense.schema.SAFETY_TYPES`).

    Thresholds not given come from the city's settings.
    """
    label = "+".join(event_types) if event_types else "ALL"
    rows = store_cell_rows(store, resolution, event_types)
    return screen_cell_rows(rows, label, min_vehicle_km, min_vehicles)


def screen_cell_rows(
    rows: Sequence[SiteRow],
    label: str,
    min_vehicle_km: float | None = None,
    min_vehicles: int | None = None,
) -> CellScreening:
    """Screen cells given as sites of the ranking (from the store or another engine's
    aggregates, :mod:`roadsense.analytics.analysis_source`), labelled ``label``."""
    ranking = rank_sites(rows, _thresholds(min_vehicle_km, min_vehicles))
    if ranking.eligible_count == 0:
        return CellScreening(label, None, [], "no cell has enough exposure to screen")
    out = [
        ScreenedCell(
            cell=s.site_id,
            event_type=label,
            observed=s.observed,
            vehicle_km=s.vehicle_km,
            vehicles=s.vehicles,
            predicted=s.predicted or 0.0,
            expected=s.expected or 0.0,
            excess=s.excess or 0.0,
            rate_per_million_vkm=1e6 * s.observed / s.vehicle_km,
            rank=s.rank or 0,
        )
        for s in _screened(ranking)
    ]
    return CellScreening(label, ranking.spf, out, ranking.no_spf_reason)


@dataclass(frozen=True)
class ScreenedSegment:
    """One road segment's screening result."""

    segment_id: str
    name: str | None
    highway: str
    event_type: str
    observed: int
    vehicle_km: float
    vehicles: int
    predicted: float
    expected: float
    excess: float
    rank: int


@dataclass(frozen=True)
class SegmentScreening:
    """Screening of the matched road segments for one event type."""

    event_type: str
    spf: Spf | None
    segments: list[ScreenedSegment]
    note: str = ""


def screen_segments(
    store: RoadStore,
    event_types: Sequence[str] = (),
    min_vehicle_km: float | None = None,
    min_vehicles: int | None = None,
    counts: RoadCounts | None = None,
) -> SegmentScreening:
    """Screen map-matched segments; the SPF has road class effects (HSM-style site types).

    The network comes from ``store``, the sums from ``counts`` (the store's own when
    None, another engine's otherwise). Thresholds not given come from the city's settings.
    """
    label = "+".join(event_types) if event_types else "ALL"
    segments = {s.segment_id: s for s in store.road_segments()}
    if not segments:
        return SegmentScreening(label, None, [], "no road network: run `roadsense roads import`")
    sums = counts or StoreRoadCounts(store)
    observed = sums.segment_event_counts(event_types or SAFETY_TYPES)
    rows = [
        SiteRow(
            x.segment_id,
            observed.get(x.segment_id, 0),
            x.vehicle_km,
            x.vehicles,
            segments[x.segment_id].highway,
        )
        for x in sorted(sums.segment_exposure(), key=lambda x: x.segment_id)
        if x.segment_id in segments
    ]
    ranking = rank_sites(rows, _thresholds(min_vehicle_km, min_vehicles))
    if ranking.eligible_count == 0:
        return SegmentScreening(label, None, [], "no matched segment has enough exposure")
    out = [
        ScreenedSegment(
            segment_id=r.site_id,
            name=segments[r.site_id].name,
            highway=segments[r.site_id].highway,
            event_type=label,
            observed=r.observed,
            vehicle_km=r.vehicle_km,
            vehicles=r.vehicles,
            predicted=r.predicted or 0.0,
            expected=r.expected or 0.0,
            excess=r.excess or 0.0,
            rank=r.rank or 0,
        )
        for r in _screened(ranking)
    ]
    return SegmentScreening(label, ranking.spf, out, ranking.no_spf_reason)


@dataclass(frozen=True)
class ScreenedJunction:
    """One junction's screening result."""

    node_id: int
    lon: float
    lat: float
    legs: int
    event_type: str
    observed: int
    approach_vehicle_km: float
    predicted: float
    expected: float
    excess: float
    rank: int


@dataclass(frozen=True)
class JunctionScreening:
    """Screening of the network's junctions for one event type."""

    event_type: str
    spf: Spf | None
    junctions: list[ScreenedJunction]
    note: str = ""


def screen_junctions(
    store: RoadStore,
    event_types: Sequence[str] = (),
    radius_m: float = 30.0,
    min_vehicle_km: float | None = None,
    counts: RoadCounts | None = None,
) -> JunctionScreening:
    """Screen junctions: warnings placed within ``radius_m`` of the node, against the
    vehicle-km on its approaches (the segments that meet there); 3-leg and 4+-leg
    junctions are separate site types of the SPF. A junction needs ``min_vehicle_km`` on
    its approaches (the city's setting when not given); its vehicles are not counted.
    The sums come from ``counts`` (the store's own when None)."""
    label = "+".join(event_types) if event_types else "ALL"
    nodes = store.road_junctions()
    if not nodes:
        return JunctionScreening(label, None, [], "no road network: run `roadsense roads import`")
    sums = counts or StoreRoadCounts(store)
    metres = {x.segment_id: x.metres for x in sums.segment_exposure()}
    approach = {j.node_id: sum(metres.get(s, 0.0) for s in j.segments) / 1000.0 for j in nodes}
    limits = RankingThresholds(_thresholds(min_vehicle_km, None).min_vehicle_km, 0)
    sites = [j for j in nodes if approach[j.node_id] >= limits.min_vehicle_km]
    if not sites:
        return JunctionScreening(label, None, [], "no junction has enough exposure")
    near = sums.junction_event_counts(sites, radius_m, event_types or SAFETY_TYPES)
    rows = [
        SiteRow(str(j.node_id), n, approach[j.node_id], 0, "3-leg" if j.degree == 3 else "4+-leg")
        for j, n in zip(sites, near, strict=True)
    ]
    ranking = rank_sites(rows, limits)
    by_id = {str(j.node_id): j for j in sites}
    return JunctionScreening(
        label,
        ranking.spf,
        [
            ScreenedJunction(
                node_id=by_id[r.site_id].node_id,
                lon=by_id[r.site_id].lon,
                lat=by_id[r.site_id].lat,
                legs=by_id[r.site_id].degree,
                event_type=label,
                observed=r.observed,
                approach_vehicle_km=r.vehicle_km,
                predicted=r.predicted or 0.0,
                expected=r.expected or 0.0,
                excess=r.excess or 0.0,
                rank=r.rank or 0,
            )
            for r in _screened(ranking)
        ],
        ranking.no_spf_reason,
    )
