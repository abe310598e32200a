"""Near-miss hotspots: events per 1,000 vehicle-km in H3 cells, ranked.

A cell is ranked only when it has enough exposure (``min_vehicle_km``) and enough
distinct vehicles (``min_vehicles``), so that a handful of kilometres cannot make a
cell look dangerous by chance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any

import h3

from roadsense.store import Store

DEFAULT_RESOLUTION = 10
"""H3 resolution of hotspot cells (edge about 66 m, a city block)."""
DEFAULT_MIN_VEHICLE_KM = 1.0
DEFAULT_MIN_VEHICLES = 3


@dataclass(frozen=True)
class CellRate:
    """Events and exposure in one H3 cell."""

    cell: str
    events: int
    vehicle_km: float
    vehicles: int
    eligible: bool
    rate_per_1000_vkm: float | None
    rank: int | None = None

    @property
    def centre(self) -> tuple[float, float]:
        """(lat, lon) of the cell's centre."""
        lat, lon = h3.cell_to_latlng(self.cell)
        return float(lat), float(lon)


@dataclass(frozen=True)
class HotspotParams:
    """How hotspots are computed."""

    resolution: int = DEFAULT_RESOLUTION
    event_types: tuple[str, ...] = ()
    """Event types counted; empty means every type."""
    min_vehicle_km: float = DEFAULT_MIN_VEHICLE_KM
    min_vehicles: int = DEFAULT_MIN_VEHICLES


def cell_rates(store: Store, params: HotspotParams) -> list[CellRate]:
    """Every cell with exposure or events, ranked by rate (eligible cells first)."""
    exposure = {e.cell: e for e in store.exposure_by_cell(params.resolution)}
    events = {
        c.cell: c for c in store.events_by_cell(params.resolution, params.event_types or None)
    }
    cells: list[CellRate] = []
    for cell in exposure.keys() | events.keys():
        exp = exposure.get(cell)
        vkm = exp.vehicle_km if exp else 0.0
        vehicles = exp.vehicles if exp else 0
        count = events[cell].events if cell in events else 0
        eligible = vkm >= params.min_vehicle_km and vehicles >= params.min_vehicles
        cells.append(
            CellRate(
                cell=h3.int_to_str(cell),
                events=count,
                vehicle_km=vkm,
                vehicles=vehicles,
                eligible=eligible,
                rate_per_1000_vkm=1000.0 * count / vkm if eligible else None,
            )
        )
    ranked = sorted(
        (c for c in cells if c.eligible),
        key=lambda c: (-(c.rate_per_1000_vkm or 0.0), -c.events, c.cell),
    )
    out = [replace(c, rank=i + 1) for i, c in enumerate(ranked)]
    out.extend(sorted((c for c in cells if not c.eligible), key=lambda c: c.cell))
    return out


def top_hotspots(store: Store, params: HotspotParams, limit: int = 10) -> list[CellRate]:
    """The ``limit`` eligible cells with the highest event rate."""
    return [c for c in cell_rates(store, params) if c.rank is not None][:limit]


def cells_along(coords: Sequence[tuple[float, float]], resolution: int) -> set[str]:
    """H3 cells touched by a polyline of (lon, lat) points, sampled every few metres."""
    cells: set[str] = set()
    for (lon1, lat1), (lon2, lat2) in pairwise(coords):
        length_m = h3.great_circle_distance((lat1, lon1), (lat2, lon2), unit="m")
        steps = max(1, int(length_m / 5.0))
        for i in range(steps + 1):
            f = i / steps
            cells.add(
                h3.latlng_to_cell(lat1 + f * (lat2 - lat1), lon1 + f * (lon2 - lon1), resolution)
            )
    if len(coords) == 1:
        lon, lat = coords[0]
        cells.add(h3.latlng_to_cell(lat, lon, resolution))
    return cells


def hotspots_geojson(cells: Sequence[CellRate]) -> dict[str, Any]:
    """Cells as GeoJSON polygons for the map."""
    features = []
    for c in cells:
        ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(c.cell)]
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "cell": c.cell,
                    "events": c.events,
                    "vehicle_km": round(c.vehicle_km, 3),
                    "vehicles": c.vehicles,
                    "rate_per_1000_vkm": None
                    if c.rate_per_1000_vkm is None
                    else round(c.rate_per_1000_vkm, 2),
                    "rank": c.rank,
                    "eligible": c.eligible,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
