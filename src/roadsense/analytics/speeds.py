"""Traffic products per road segment: exposure by hour, speeds by hour of the week.

Both are built from the matched fixes (``RoadStore.segment_fixes``): each fix stands for the
time to the vehicle's next fix (the store's exposure rule). Anything published keeps only
cells with at least ``min_vehicles`` distinct vehicles (privacy; default 5).

- Exposure: vehicle-km (speed times time) and vehicle-hours per segment and UTC hour.
- Speeds per segment and hour of the week (0 = Monday 00-01 in ``tz``): mean, median and
  85th percentile of the fixes' speeds, samples, vehicles; the segment's free-flow speed
  (85th percentile over all its fixes, every hour); a congestion index (free-flow speed
  over mean speed: 1 is free flow, 2 takes twice as long); and the share of time over the
  segment's speed limit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from roadsense.store import RoadStore
from roadsense.store.roads_rows import Segment

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


def segment_speeds(
    store: RoadStore,
    min_vehicles: int = DEFAULT_MIN_VEHICLES,
    tz: str = "UTC",
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[SegmentSpeed]:
    """Speed statistics per segment and hour of the week (cells below k suppressed)."""
    zone = ZoneInfo(tz)
    limits = {s.segment_id: s.speed_limit_kmh for s in store.road_segments()}
    speeds: dict[tuple[str, int], list[float]] = defaultdict(list)
    who: dict[tuple[str, int], set[str]] = defaultdict(set)
    per_segment: dict[str, list[float]] = defaultdict(list)
    for fix in store.segment_fixes(start, end):
        if fix.speed_mps is None:
            continue
        kmh = fix.speed_mps * 3.6
        key = (fix.segment_id, hour_of_week(fix.ts, zone))
        speeds[key].append(kmh)
        who[key].add(fix.vehicle_id)
        per_segment[fix.segment_id].append(kmh)
    free_flow = {seg: float(np.percentile(v, 85)) for seg, v in per_segment.items()}
    out: list[SegmentSpeed] = []
    for (seg, how), values in sorted(speeds.items()):
        if len(who[(seg, how)]) < min_vehicles:
            continue
        arr = np.asarray(values)
        mean = float(arr.mean())
        limit = limits.get(seg)
        out.append(
            SegmentSpeed(
                segment_id=seg,
                hour_of_week=how,
                mean_kmh=round(mean, 2),
                median_kmh=round(float(np.median(arr)), 2),
                p85_kmh=round(float(np.percentile(arr, 85)), 2),
                samples=len(values),
                vehicles=len(who[(seg, how)]),
                free_flow_kmh=round(free_flow[seg], 2),
                congestion_index=round(free_flow[seg] / max(mean, 1.0), 3),
                share_over_limit=round(float((arr > limit).mean()), 4) if limit else 0.0,
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
