"""Gather one month's figures for the report: headline, hotspots, evaluation, speeds, signs.

Everything is read through the store's interface and the analytics; vehicles and drivers
never appear by identity (the report is for the city, not for fleets).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import h3

from roadsense.analytics import assets, speeds
from roadsense.analytics.hotspots import cell_rows
from roadsense.analytics.ranking import rank_sites
from roadsense.city import RankingThresholds, city_settings
from roadsense.reports.period import Month
from roadsense.reports.quality import DataQuality, data_quality
from roadsense.roads.places import PlaceNamer
from roadsense.store import Store
from roadsense.store.analytics_rows import Period
from roadsense.store.roads_rows import Segment

TOP_HOTSPOTS = 10
"""Hotspots the report describes one by one (every ranked cell is on its map)."""
SPEED_MIN_VEHICLES = 5


@dataclass(frozen=True)
class Headline:
    """The month in four numbers, with the month before for comparison."""

    vehicles: int
    vehicle_km: float
    events: int
    events_by_type: dict[str, int]
    prev_vehicle_km: float
    prev_events: int

    @property
    def per_100km(self) -> float | None:
        """Warnings per 100 vehicle-km this month."""
        return None if self.vehicle_km <= 0 else 100.0 * self.events / self.vehicle_km

    @property
    def prev_per_100km(self) -> float | None:
        """Warnings per 100 vehicle-km the month before."""
        return (
            None if self.prev_vehicle_km <= 0 else 100.0 * self.prev_events / self.prev_vehicle_km
        )


@dataclass(frozen=True)
class HotspotRow:
    """One screened H3 cell, with the evidence behind its place."""

    rank: int
    cell: str
    lat: float
    lon: float
    observed: int
    vehicle_km: float
    vehicles: int
    by_type: dict[str, int]
    predicted: float | None
    expected: float | None
    excess: float | None
    road: str | None = None

    @property
    def per_1000_vkm(self) -> float:
        """Observed warnings per 1,000 vehicle-km."""
        return 1000.0 * self.observed / self.vehicle_km if self.vehicle_km > 0 else math.nan


@dataclass(frozen=True)
class RatioRow:
    """One warning type's rate ratio, live vs silent, with its interval."""

    event_type: str
    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    vehicles: int


@dataclass(frozen=True)
class Evaluation:
    """The latest recorded roll-out evaluation."""

    run_id: str
    started_at: datetime
    parameters: dict[str, Any]
    ratios: list[RatioRow]


@dataclass(frozen=True)
class SpeedChange:
    """A segment's mean speed this month against the month before."""

    segment_id: str
    road: str
    before_kmh: float
    after_kmh: float

    @property
    def change_kmh(self) -> float:
        """After minus before."""
        return self.after_kmh - self.before_kmh


@dataclass(frozen=True)
class MismatchRow:
    """A speed-limit sign read by the cameras that differs from the map."""

    road: str
    osm_way_id: int
    sign_kmh: float
    map_kmh: float
    map_source: str
    vehicles: int
    confidence: float
    lat: float
    lon: float


@dataclass
class MonthlyReport:
    """Everything the report shows."""

    month: Month
    generated_at: datetime
    headline: Headline
    weekly: list[tuple[date, dict[str, float]]]
    """Warnings per 100 vehicle-km per local week, by type."""
    hotspots: list[HotspotRow]
    cells: list[HotspotRow]
    """Every screened cell (for the map)."""
    screening_note: str
    evaluation: Evaluation | None
    speed_changes: list[SpeedChange]
    speeds_note: str
    mismatches: list[MismatchRow]
    quality: DataQuality
    segments: list[Segment] = field(default_factory=list)
    roads: list[list[tuple[float, float]]] = field(default_factory=list)
    """Road lines (lon, lat) for the map: the store's segments, else the given extract."""


def _km_per_period(
    store: Store, period: Period, since: datetime, until: datetime, tz: str
) -> dict[date, float]:
    """Vehicle-km per local period, the retention roll-up of pruned positions included."""
    km: dict[date, float] = defaultdict(float)
    for e in store.cell_period_exposure(0, period, since, until, tz):
        km[e.period] += e.vehicle_km
    return km


def _headline(store: Store, month: Month) -> Headline:
    rows = store.vehicle_periods("month", month.previous().start, month.end, month.tz)
    km = _km_per_period(store, "month", month.previous().start, month.end, month.tz)
    now = [r for r in rows if r.period >= month.first_day]
    before = [r for r in rows if r.period < month.first_day]
    by_type: dict[str, int] = defaultdict(int)
    for r in now:
        for k, n in r.events.items():
            by_type[k] += n
    return Headline(
        vehicles=len({r.vehicle_id for r in now if r.vehicle_km > 0 or r.events}),
        vehicle_km=sum(k for p, k in km.items() if p >= month.first_day),
        events=sum(by_type.values()),
        events_by_type=dict(sorted(by_type.items())),
        prev_vehicle_km=sum(k for p, k in km.items() if p < month.first_day),
        prev_events=sum(sum(r.events.values()) for r in before),
    )


def _weekly(store: Store, month: Month) -> list[tuple[date, dict[str, float]]]:
    km = _km_per_period(store, "week", month.start, month.end, month.tz)
    counts: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in store.vehicle_periods("week", month.start, month.end, month.tz):
        for k, n in r.events.items():
            counts[r.period][k] += n
    return [
        (week, {k: 100.0 * n / km[week] for k, n in sorted(counts[week].items())})
        for week in sorted(km)
        if km[week] > 0
    ]


def _screened(
    store: Store, month: Month, resolution: int, thresholds: RankingThresholds
) -> tuple[list[HotspotRow], str]:
    """The month's cells, ranked by the one hotspot ranking (ranked cells only)."""
    exposure: dict[int, tuple[float, int]] = {}
    for e in store.cell_period_exposure(resolution, "month", month.start, month.end, month.tz):
        had_km, had_vehicles = exposure.get(e.cell, (0.0, 0))
        exposure[e.cell] = (had_km + e.vehicle_km, max(had_vehicles, e.vehicles))
    by_type: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in store.cell_period_events(resolution, "month", month.start, month.end, month.tz):
        by_type[c.cell][c.event_type] += c.events
    rows = cell_rows(
        ((c, km, v) for c, (km, v) in exposure.items()),
        {c: sum(n.values()) for c, n in by_type.items()},
    )
    ranking = rank_sites(rows, thresholds)
    out = []
    for s in ranking.ranked:
        lat, lon = h3.cell_to_latlng(s.site_id)
        out.append(
            HotspotRow(
                rank=s.rank or 0,
                cell=s.site_id,
                lat=lat,
                lon=lon,
                observed=s.observed,
                vehicle_km=s.vehicle_km,
                vehicles=s.vehicles,
                by_type=dict(sorted(by_type[h3.str_to_int(s.site_id)].items())),
                predicted=s.predicted,
                expected=s.expected,
                excess=s.excess,
            )
        )
    return out, _sentence(ranking.note)


def _sentence(note: str) -> str:
    """A note of the ranking as a sentence of the report."""
    return note[:1].upper() + note[1:] + "." if note else note


def _evaluation(store: Store) -> Evaluation | None:
    for run in store.analysis_runs(limit=200):
        if run.kind != "rollout":
            continue
        ratios = [
            RatioRow(
                event_type=str(r["event_type"]),
                rate_ratio=float(r["rate_ratio"]),
                ci_low=float(r["ci_low"]),
                ci_high=float(r["ci_high"]),
                p_value=float(r["p_value"]),
                vehicles=int(r["vehicles"]),
            )
            for r in run.results.get("rate_ratios", [])
        ]
        return Evaluation(run.run_id, run.started_at, run.parameters, ratios)
    return None


def _mean_speeds(store: Store, month: Month) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    samples: dict[str, int] = defaultdict(int)
    for s in speeds.segment_speeds(store, SPEED_MIN_VEHICLES, month.tz, month.start, month.end):
        total[s.segment_id] += s.mean_kmh * s.samples
        samples[s.segment_id] += s.samples
    return {seg: total[seg] / samples[seg] for seg in total}


def _speed_changes(
    store: Store, month: Month, segments: list[Segment]
) -> tuple[list[SpeedChange], str]:
    if not segments:
        return [], "No road network in the store (`roadsense roads import`): no segment speeds."
    after = _mean_speeds(store, month)
    before = _mean_speeds(store, month.previous())
    names = {s.segment_id: s.name or s.highway for s in segments}
    both = sorted(set(after) & set(before))
    changes = [SpeedChange(seg, names.get(seg, seg), before[seg], after[seg]) for seg in both]
    changes.sort(key=lambda c: (-abs(c.change_kmh), c.segment_id))
    note = (
        f"{len(after)} segments with speeds from at least {SPEED_MIN_VEHICLES} vehicles this "
        f"month, {len(both)} of them also in {month.previous().label}."
    )
    return changes, note


def _mismatches(store: Store, segments: list[Segment]) -> list[MismatchRow]:
    if not segments:
        return []
    found = assets.sign_mismatches(assets.sign_inventory(store), segments)
    return [
        MismatchRow(
            road=m.road_name or f"way {m.osm_way_id}",
            osm_way_id=m.osm_way_id,
            sign_kmh=m.sign.value,
            map_kmh=m.map_limit_kmh,
            map_source=m.map_limit_source,
            vehicles=m.sign.vehicles,
            confidence=m.sign.confidence,
            lat=m.sign.lat,
            lon=m.sign.lon,
        )
        for m in sorted(found, key=lambda m: (-m.sign.vehicles, m.sign.sign_id))
    ]


def build_report(
    store: Store,
    month: Month,
    roads: list[list[tuple[float, float]]] | None = None,
    thresholds: RankingThresholds | None = None,
    resolution: int | None = None,
) -> MonthlyReport:
    """The month's report from ``store``; ``roads`` are drawn when the store has no network.

    Hotspots are ranked with ``thresholds`` at H3 ``resolution`` (the city's settings when
    not given).
    """
    city = city_settings()
    segments = store.road_segments()
    cells, note = _screened(
        store,
        month,
        resolution or city.hotspot_resolution,
        thresholds or city.ranking_thresholds,
    )
    places = PlaceNamer(segments, store.road_junctions()) if segments else None
    top = [
        replace(h, road=places.point(h.lon, h.lat) if places else None)
        for h in cells[:TOP_HOTSPOTS]
    ]
    changes, speeds_note = _speed_changes(store, month, segments)
    return MonthlyReport(
        month=month,
        generated_at=datetime.now(UTC),
        headline=_headline(store, month),
        weekly=_weekly(store, month),
        hotspots=top,
        cells=cells,
        screening_note=note,
        evaluation=_evaluation(store),
        speed_changes=changes,
        speeds_note=speeds_note,
        mismatches=_mismatches(store, segments),
        quality=data_quality(store, month),
        segments=segments,
        roads=[list(s.coords) for s in segments] if segments else list(roads or []),
    )
