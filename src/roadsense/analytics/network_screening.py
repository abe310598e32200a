"""Network screening of H3 cells on the store: SPF, empirical Bayes, excess, ranking.

Per event type (or all types together): cells with enough exposure are the sites; an NB
safety performance function of the count on log vehicle-km is fitted across them; each
cell's empirical Bayes expected count is pulled from its own count toward the SPF's
prediction by the weight ``1 / (1 + k * predicted)``, and cells are ranked by excess
(expected minus predicted). Unlike a raw rate, this does not crown cells whose few
kilometres happened to see one warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import h3
import numpy as np

from roadsense.analytics.screening import Site, screen
from roadsense.analytics.spf import Spf, SpfError, fit_spf
from roadsense.roads.geometry import LocalFrame
from roadsense.store import ReadStore, RoadStore


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
    resolution: int = 10,
    event_types: Sequence[str] = (),
    min_vehicle_km: float = 1.0,
    min_vehicles: int = 3,
) -> CellScreening:
    """Screen cells for ``event_types`` (empty: every type together)."""
    label = "+".join(event_types) if event_types else "ALL"
    exposure = {
        e.cell: e
        for e in store.exposure_by_cell(resolution)
        if e.vehicle_km >= min_vehicle_km and e.vehicles >= min_vehicles
    }
    counts = {c.cell: c.events for c in store.events_by_cell(resolution, event_types or None)}
    cells = sorted(exposure)
    if not cells:
        return CellScreening(label, None, [], "no cell has enough exposure to screen")
    observed = [counts.get(c, 0) for c in cells]
    km = [exposure[c].vehicle_km for c in cells]
    try:
        spf = fit_spf(observed, km)
    except SpfError as exc:
        return CellScreening(label, None, [], str(exc))
    sites = [
        Site(h3.int_to_str(c), float(n), spf.predict(k), spf.overdispersion)
        for c, n, k in zip(cells, observed, km, strict=True)
    ]
    by_id = {h3.int_to_str(c): c for c in cells}
    out = []
    for s in screen(sites):
        cell = by_id[s.site.site_id]
        exp = exposure[cell]
        out.append(
            ScreenedCell(
                cell=s.site.site_id,
                event_type=label,
                observed=int(s.site.observed),
                vehicle_km=exp.vehicle_km,
                vehicles=exp.vehicles,
                predicted=s.site.predicted,
                expected=s.expected,
                excess=s.excess,
                rate_per_million_vkm=1e6 * s.site.observed / exp.vehicle_km,
                rank=s.rank,
            )
        )
    return CellScreening(label, spf, out)


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
    min_vehicle_km: float = 1.0,
    min_vehicles: int = 3,
) -> SegmentScreening:
    """Screen map-matched segments; the SPF has road class effects (HSM-style site types)."""
    label = "+".join(event_types) if event_types else "ALL"
    segments = {s.segment_id: s for s in store.road_segments()}
    if not segments:
        return SegmentScreening(label, None, [], "no road network: run `roadsense roads import`")
    km: dict[str, float] = {}
    who: dict[str, set[str]] = {}
    for fix in store.segment_fixes():
        km[fix.segment_id] = km.get(fix.segment_id, 0.0) + (fix.speed_mps or 0.0) * fix.step_s
        who.setdefault(fix.segment_id, set()).add(fix.vehicle_id)
    eligible = sorted(
        s
        for s, m in km.items()
        if s in segments and m / 1000.0 >= min_vehicle_km and len(who[s]) >= min_vehicles
    )
    if not eligible:
        return SegmentScreening(label, None, [], "no matched segment has enough exposure")
    counts: dict[str, int] = {}
    for e in store.placed_events(event_types or None):
        if e.matched and e.segment_id is not None:
            counts[e.segment_id] = counts.get(e.segment_id, 0) + 1
    observed = [counts.get(s, 0) for s in eligible]
    exposure = [km[s] / 1000.0 for s in eligible]
    classes = [segments[s].highway for s in eligible]
    try:
        spf = fit_spf(observed, exposure, classes)
    except SpfError as exc:
        return SegmentScreening(label, None, [], str(exc))
    sites = [
        Site(s, float(n), spf.predict(x, c), spf.overdispersion)
        for s, n, x, c in zip(eligible, observed, exposure, classes, strict=True)
    ]
    out = [
        ScreenedSegment(
            segment_id=r.site.site_id,
            name=segments[r.site.site_id].name,
            highway=segments[r.site.site_id].highway,
            event_type=label,
            observed=int(r.site.observed),
            vehicle_km=km[r.site.site_id] / 1000.0,
            vehicles=len(who[r.site.site_id]),
            predicted=r.site.predicted,
            expected=r.expected,
            excess=r.excess,
            rank=r.rank,
        )
        for r in screen(sites)
    ]
    return SegmentScreening(label, spf, out)


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
    min_vehicle_km: float = 1.0,
) -> JunctionScreening:
    """Screen junctions: warnings placed within ``radius_m`` of the node, against the
    vehicle-km on its approaches (the segments that meet there); 3-leg and 4+-leg
    junctions are separate site types of the SPF."""
    label = "+".join(event_types) if event_types else "ALL"
    nodes = store.road_junctions()
    if not nodes:
        return JunctionScreening(label, None, [], "no road network: run `roadsense roads import`")
    km: dict[str, float] = {}
    for fix in store.segment_fixes():
        km[fix.segment_id] = km.get(fix.segment_id, 0.0) + (fix.speed_mps or 0.0) * fix.step_s
    approach = {j.node_id: sum(km.get(s, 0.0) for s in j.segments) / 1000.0 for j in nodes}
    sites = [j for j in nodes if approach[j.node_id] >= min_vehicle_km]
    if not sites:
        return JunctionScreening(label, None, [], "no junction has enough exposure")
    frame = LocalFrame(sites[0].lon, sites[0].lat)
    jx, jy = frame.to_xy(np.array([j.lon for j in sites]), np.array([j.lat for j in sites]))
    counts = [0] * len(sites)
    for e in store.placed_events(event_types or None):
        lon, lat = (e.road_lon, e.road_lat) if e.matched else (e.lon, e.lat)
        if lon is None or lat is None:
            continue
        ex, ey = frame.to_xy(lon, lat)
        d = np.hypot(jx - ex, jy - ey)
        i = int(np.argmin(d))
        if d[i] <= radius_m:
            counts[i] += 1
    exposure = [approach[j.node_id] for j in sites]
    kinds = ["3-leg" if j.degree == 3 else "4+-leg" for j in sites]
    try:
        spf = fit_spf(counts, exposure, kinds)
    except SpfError as exc:
        return JunctionScreening(label, None, [], str(exc))
    by_id = {str(j.node_id): j for j in sites}
    ranked = screen(
        [
            Site(str(j.node_id), float(n), spf.predict(x, k), spf.overdispersion)
            for j, n, x, k in zip(sites, counts, exposure, kinds, strict=True)
        ]
    )
    return JunctionScreening(
        label,
        spf,
        [
            ScreenedJunction(
                node_id=by_id[r.site.site_id].node_id,
                lon=by_id[r.site.site_id].lon,
                lat=by_id[r.site.site_id].lat,
                legs=by_id[r.site.site_id].degree,
                event_type=label,
                observed=int(r.site.observed),
                approach_vehicle_km=approach[by_id[r.site.site_id].node_id],
                predicted=r.site.predicted,
                expected=r.expected,
                excess=r.excess,
                rank=r.rank,
            )
            for r in ranked
        ],
    )
