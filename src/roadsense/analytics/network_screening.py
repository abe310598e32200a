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

import numpy as np

from roadsense.analytics.hotspots import store_cell_rows
from roadsense.analytics.ranking import RankedSite, Ranking, SiteRow, rank_sites
from roadsense.analytics.spf import Spf
from roadsense.city import DEFAULT_HOTSPOT_RESOLUTION, RankingThresholds, city_settings
from roadsense.roads.geometry import LocalFrame
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
) -> SegmentScreening:
    """Screen map-matched segments; the SPF has road class effects (HSM-style site types).

    Thresholds not given come from the city's settings.
    """
    label = "+".join(event_types) if event_types else "ALL"
    segments = {s.segment_id: s for s in store.road_segments()}
    if not segments:
        return SegmentScreening(label, None, [], "no road network: run `roadsense roads import`")
    km: dict[str, float] = {}
    who: dict[str, set[str]] = {}
    for fix in store.segment_fixes():
        km[fix.segment_id] = km.get(fix.segment_id, 0.0) + (fix.speed_mps or 0.0) * fix.step_s
        who.setdefault(fix.segment_id, set()).add(fix.vehicle_id)
    counts: dict[str, int] = {}
    for e in store.placed_events(event_types or SAFETY_TYPES):
        if e.matched and e.segment_id is not None:
            counts[e.segment_id] = counts.get(e.segment_id, 0) + 1
    rows = [
        SiteRow(s, counts.get(s, 0), m / 1000.0, len(who[s]), segments[s].highway)
        for s, m in km.items()
        if s in segments
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
) -> JunctionScreening:
    """Screen junctions: warnings placed within ``radius_m`` of the node, against the
    vehicle-km on its approaches (the segments that meet there); 3-leg and 4+-leg
    junctions are separate site types of the SPF. A junction needs ``min_vehicle_km`` on
    its approaches (the city's setting when not given); its vehicles are not counted."""
    label = "+".join(event_types) if event_types else "ALL"
    nodes = store.road_junctions()
    if not nodes:
        return JunctionScreening(label, None, [], "no road network: run `roadsense roads import`")
    km: dict[str, float] = {}
    for fix in store.segment_fixes():
        km[fix.segment_id] = km.get(fix.segment_id, 0.0) + (fix.speed_mps or 0.0) * fix.step_s
    approach = {j.node_id: sum(km.get(s, 0.0) for s in j.segments) / 1000.0 for j in nodes}
    limits = RankingThresholds(_thresholds(min_vehicle_km, None).min_vehicle_km, 0)
    sites = [j for j in nodes if approach[j.node_id] >= limits.min_vehicle_km]
    if not sites:
        return JunctionScreening(label, None, [], "no junction has enough exposure")
    frame = LocalFrame(sites[0].lon, sites[0].lat)
    jx, jy = frame.to_xy(np.array([j.lon for j in sites]), np.array([j.lat for j in sites]))
    counts = [0] * len(sites)
    for e in store.placed_events(event_types or SAFETY_TYPES):
        lon, lat = (e.road_lon, e.road_lat) if e.matched else (e.lon, e.lat)
        if lon is None or lat is None:
            continue
        ex, ey = frame.to_xy(lon, lat)
        d = np.hypot(jx - ex, jy - ey)
        i = int(np.argmin(d))
        if d[i] <= radius_m:
            counts[i] += 1
    rows = [
        SiteRow(str(j.node_id), n, approach[j.node_id], 0, "3-leg" if j.degree == 3 else "4+-leg")
        for j, n in zip(sites, counts, strict=True)
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
