"""Traffic products per road segment: exposure by hour, speeds by hour of the week.

Both are built from the matched fixes (``RoadStore.segment_fixes``): each fix stands for the
time to the vehicle's next fix (the store's exposure rule). Anything published keeps only
cells with at least ``min_vehicles`` distinct vehicles (privacy; default 5).

- Exposure: vehicle-km (speed times time) and vehicle-hours per segment and UTC hour.
- Speeds per segment and hour of the week (0 = Monday 00-01 in ``tz``): mean, median and
  85th percentile of the fixes' speeds (exact, :data:`PERCENTILE_METHOD`), samples,
  vehicles; the segment's free-flow speed (85th percentile over all its fixes, every
  hour); a congestion index (free-flow speed over mean speed: 1 is free flow, 2 takes
  twice as long); and the share of time over the segment's speed limit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np

from roadsense.store import RoadStore
from roadsense.store.roads_rows import Segment, SegmentFix

DEFAULT_MIN_VEHICLES = 5
"""Published cells need at least this many distinct vehicles."""


@dataclass(frozen=True)
class SegmentExposure:
    """Exposure on one segment in one hour."""

    segment_id: str
    hour: datetime
    vehicle_km: float
    vehicle_hours: float
    vehicles: int


@dataclass(frozen=True)
class SegmentSpeed:
    """Speeds on one segment in one hour of the week."""

    segment_id: str
    hour_of_week: int
    mean_kmh: float
    median_kmh: float
    p85_kmh: float
    samples: int
    vehicles: int
    free_flow_kmh: float
    congestion_index: float
    share_over_limit: float
    speed_limit_kmh: float | None


def segment_exposure(
    store: RoadStore,
    min_vehicles: int = DEFAULT_MIN_VEHICLES,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[SegmentExposure]:
    """Vehicle-km and vehicle-hours per segment and hour (cells below k suppressed)."""
    km: dict[tuple[str, datetime], float] = defaultdict(float)
    hours: dict[tuple[str, datetime], float] = defaultdict(float)
    who: dict[tuple[str, datetime], set[str]] = defaultdict(set)
    for fix in store.segment_fixes(start, end):
        hour = fix.ts.replace(minute=0, second=0, microsecond=0)
        key = (fix.segment_id, hour)
        km[key] += (fix.speed_mps or 0.0) * fix.step_s / 1000.0
        hours[key] += fix.step_s / 3600.0
        who[key].add(fix.vehicle_id)
    return [
        SegmentExposure(
            seg,
            hour,
            round(km[(seg, hour)], 4),
            round(hours[(seg, hour)], 5),
            len(who[(seg, hour)]),
        )
        for seg, hour in sorted(km)
        if len(who[(seg, hour)]) >= min_vehicles
    ]


def hour_of_week(moment: datetime, tz: ZoneInfo) -> int:
    """0 (Monday 00:00-01:00) to 167 in the time zone ``tz``."""
    local = moment.astimezone(tz)
    return local.weekday() * 24 + local.hour


@dataclass(frozen=True)
class SpeedCell:
    """The speeds of one segment in one hour of the week, before suppression."""

    segment_id: str
    hour_of_week: int
    mean_kmh: float
    median_kmh: float
    p85_kmh: float
    samples: int
    vehicles: int
    over_limit: int
    """Fixes faster than the segment's speed limit."""


@dataclass(frozen=True)
class SpeedCells:
    """Every segment's speeds by hour of the week, and its free-flow speed."""

    cells: list[SpeedCell]
    free_flow_kmh: dict[str, float]
    """The 85th percentile of each segment's fixes over every hour."""


PERCENTILE_METHOD: Final = "linear"
"""Percentiles are exact, interpolated linearly between the two nearest ranks (numpy's
default; Spark's ``percentile`` computes the same), over every fix with a speed."""


def speed_cells(
    fixes: Iterable[SegmentFix], tz: str, limits: Mapping[str, float | None]
) -> SpeedCells:
    """:class:`SpeedCells` of matched fixes, hours of the week in ``tz``."""
    zone = ZoneInfo(tz)
    speeds: dict[tuple[str, int], list[float]] = defaultdict(list)
    who: dict[tuple[str, int], set[str]] = defaultdict(set)
    per_segment: dict[str, list[float]] = defaultdict(list)
    for fix in fixes:
        if fix.speed_mps is None:
            continue
        kmh = fix.speed_mps * 3.6
        key = (fix.segment_id, hour_of_week(fix.ts, zone))
        speeds[key].append(kmh)
        who[key].add(fix.vehicle_id)
        per_segment[fix.segment_id].append(kmh)
    cells = []
    for (seg, how), values in speeds.items():
        arr = np.asarray(values)
        limit = limits.get(seg)
        cells.append(
            SpeedCell(
                seg,
                how,
                float(arr.mean()),
                float(np.percentile(arr, 50, method=PERCENTILE_METHOD)),
                float(np.percentile(arr, 85, method=PERCENTILE_METHOD)),
                len(values),
                len(who[(seg, how)]),
                int((arr > limit).sum()) if limit else 0,
            )
        )
    free_flow = {
        seg: float(np.percentile(v, 85, method=PERCENTILE_METHOD)) for seg, v in per_segment.items()
    }
    return SpeedCells(cells, free_flow)


def segment_speeds(
    store: RoadStore,
    min_vehicles: int = DEFAULT_MIN_VEHICLES,
    tz: str = "UTC",
    start: datetime | None = None,
    end: datetime | None = None,
    cells: SpeedCells | None = None,
) -> list[SegmentSpeed]:
    """Speed statistics per segment and hour of the week (cells below k suppressed),
    from the store's matched fixes, or from ``cells`` another engine computed."""
    limits = {s.segment_id: s.speed_limit_kmh for s in store.road_segments()}
    if cells is None:
        cells = speed_cells(store.segment_fixes(start, end), tz, limits)
    out: list[SegmentSpeed] = []
    for c in sorted(cells.cells, key=lambda c: (c.segment_id, c.hour_of_week)):
        if c.vehicles < min_vehicles:
            continue
        free_flow = cells.free_flow_kmh[c.segment_id]
        limit = limits.get(c.segment_id)
        out.append(
            SegmentSpeed(
                segment_id=c.segment_id,
                hour_of_week=c.hour_of_week,
                mean_kmh=round(c.mean_kmh, 2),
                median_kmh=round(c.median_kmh, 2),
                p85_kmh=round(c.p85_kmh, 2),
                samples=c.samples,
                vehicles=c.vehicles,
                free_flow_kmh=round(free_flow, 2),
                congestion_index=round(free_flow / max(c.mean_kmh, 1.0), 3),
                share_over_limit=round(c.over_limit / c.samples, 4) if limit else 0.0,
                speed_limit_kmh=limit,
            )
        )
    return out


def _lines(segments: list[Segment]) -> dict[str, dict[str, Any]]:
    return {
        s.segment_id: {"type": "LineString", "coordinates": [list(c) for c in s.coords]}
        for s in segments
    }


def exposure_geojson(rows: list[SegmentExposure], segments: list[Segment]) -> dict[str, Any]:
    """Exposure rows as GeoJSON lines (one feature per segment and hour)."""
    lines = _lines(segments)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": lines.get(r.segment_id),
                "properties": {**asdict(r), "hour": r.hour.isoformat()},
            }
            for r in rows
        ],
    }


def speeds_geojson(rows: list[SegmentSpeed], segments: list[Segment]) -> dict[str, Any]:
    """Speed rows as GeoJSON lines (one feature per segment and hour of the week)."""
    lines = _lines(segments)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": lines.get(r.segment_id), "properties": asdict(r)}
            for r in rows
        ],
    }


def segments_geojson(segments: list[Segment]) -> dict[str, Any]:
    """The road segments as GeoJSON lines with their attributes."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in s.coords]},
                "properties": {k: v for k, v in asdict(s).items() if k != "coords"},
            }
            for s in segments
        ],
    }
