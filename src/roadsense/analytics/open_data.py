"""Open data: aggregates per place and period, with disclosure control.

Taxi traces reveal where passengers live. What is published is therefore only counts per
place (H3 cell or road segment) and period, never an id or a trajectory, and nothing for a
place and period seen by fewer than ``min_vehicles`` distinct vehicles (default 5): a
place only one or two taxis visit (a home street at night) could otherwise be traced back.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import h3

from roadsense.store import RoadStore

DEFAULT_MIN_VEHICLES = 5

FORBIDDEN_COLUMNS = frozenset(
    {
        "vehicle_id",
        "device_id",
        "driver_id",
        "vehicle",
        "driver",
        "event_id",
        "batch_id",
        "lat",
        "lon",
        "ts",
        "time",
    }
)
"""Columns that must never appear in an export (ids and raw positions/times)."""


@dataclass(frozen=True)
class PlacePeriod:
    """What the fleet saw in one place over one period (before suppression)."""

    place: str
    """An H3 cell (hex string) or a road segment id."""
    period: str
    """ISO date of the period's start (day, week or month)."""
    vehicles: int
    """Distinct vehicles that drove there in the period."""
    vehicle_km: float
    events: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Disclosure:
    """What was published and what was held back."""

    published: list[PlacePeriod]
    suppressed: int
    min_vehicles: int


def suppress(rows: Sequence[PlacePeriod], min_vehicles: int = DEFAULT_MIN_VEHICLES) -> Disclosure:
    """Keep only places and periods seen by at least ``min_vehicles`` distinct vehicles."""
    if min_vehicles < 2:
        raise ValueError("min_vehicles below 2 would publish single vehicles' movements")
    kept = [r for r in rows if r.vehicles >= min_vehicles]
    return Disclosure(kept, len(rows) - len(kept), min_vehicles)


def _record(row: PlacePeriod, event_types: Sequence[str]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "place": row.place,
        "period": row.period,
        "vehicles": row.vehicles,
        "vehicle_km": round(row.vehicle_km, 2),
    }
    for kind in event_types:
        record[f"events_{kind.lower()}"] = row.events.get(kind, 0)
    total = sum(row.events.get(k, 0) for k in event_types)
    record["events_total"] = total
    record["events_per_1000_vkm"] = (
        round(1000.0 * total / row.vehicle_km, 2) if row.vehicle_km > 0 else None
    )
    if FORBIDDEN_COLUMNS & set(record):
        raise RuntimeError("an export would carry an id or a position")
    return record


def _geometry(place: str, lines: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
    if lines is not None and place in lines:
        return {"type": "LineString", "coordinates": [list(c) for c in lines[place]]}
    if not h3.is_valid_cell(place):
        return None
    ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(place)]
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def write_exports(
    disclosure: Disclosure,
    out_dir: Path,
    event_types: Sequence[str],
    name: str = "cells",
    lines: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write ``<name>.csv``, ``<name>.geojson`` and ``<name>.parquet`` (GeoParquet).

    Places are H3 cells, or road segments whose (lon, lat) polylines ``lines`` gives.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    records = [_record(r, event_types) for r in disclosure.published]
    columns = [
        "place",
        "period",
        "vehicles",
        "vehicle_km",
        *[f"events_{k.lower()}" for k in event_types],
        "events_total",
        "events_per_1000_vkm",
    ]
    csv_path = out_dir / f"{name}.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(records)
    geojson_path = out_dir / f"{name}.geojson"
    features = [
        {"type": "Feature", "geometry": _geometry(r["place"], lines), "properties": r}
        for r in records
    ]
    geojson_path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": features,
                "roadsense": {
                    "min_vehicles": disclosure.min_vehicles,
                    "suppressed_place_periods": disclosure.suppressed,
                },
            }
        ),
        encoding="utf-8",
    )
    parquet_path = out_dir / f"{name}.parquet"
    _write_geoparquet(records, columns, parquet_path, lines)
    return [csv_path, geojson_path, parquet_path]


def _write_geoparquet(
    records: list[dict[str, Any]],
    columns: list[str],
    path: Path,
    lines: Mapping[str, Any] | None = None,
) -> None:
    import geopandas as gpd
    from shapely.geometry import shape

    geometries = [shape(g) if (g := _geometry(r["place"], lines)) else None for r in records]
    frame = gpd.GeoDataFrame(
        {c: [r[c] for r in records] for c in columns}, geometry=geometries, crs="EPSG:4326"
    )
    frame.to_parquet(path)


def period_start(moment: datetime, period: str, tz: ZoneInfo) -> date:
    """The local day, Monday, first of the month or quarter that ``moment`` falls in."""
    local = moment.astimezone(tz).date()
    if period == "day":
        return local
    if period == "week":
        return local - timedelta(days=local.weekday())
    if period == "month":
        return local.replace(day=1)
    if period == "quarter":
        return local.replace(month=3 * ((local.month - 1) // 3) + 1, day=1)
    raise ValueError(f"unknown period {period!r}")


def segment_place_periods(store: RoadStore, period: str, tz: str) -> list[PlacePeriod]:
    """Per map-matched road segment and local period: vehicles, vehicle-km, events."""
    zone = ZoneInfo(tz)
    km: dict[tuple[str, date], float] = defaultdict(float)
    who: dict[tuple[str, date], set[str]] = defaultdict(set)
    for fix in store.segment_fixes():
        key = (fix.segment_id, period_start(fix.ts, period, zone))
        km[key] += (fix.speed_mps or 0.0) * fix.step_s / 1000.0
        who[key].add(fix.vehicle_id)
    events: dict[tuple[str, date], dict[str, int]] = defaultdict(dict)
    for e in store.placed_events():
        if e.matched and e.segment_id is not None:
            key = (e.segment_id, period_start(e.ts, period, zone))
            events[key][e.type] = events[key].get(e.type, 0) + 1
    return [
        PlacePeriod(seg, p.isoformat(), len(who[(seg, p)]), km[(seg, p)], events.get((seg, p), {}))
        for seg, p in sorted(km)
    ]
