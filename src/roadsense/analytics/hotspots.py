"""Near-miss hotspots: H3 cells ranked by the one hotspot ranking.

Cells are the sites of :func:`roadsense.analytics.ranking.rank_sites`: their events and
their exposure (vehicle-km and distinct vehicles) become :class:`SiteRow`\\ s
(:func:`cell_rows`), wherever they were read (the store for ``roadsense screen --store``
and ``/v1/panels/hotspots`` at another resolution than the cube's, the dashboard's cube,
the month of the report). Figures are written out once (:func:`hotspot_figures`,
:func:`hotspots_geojson`), so the CLI, the API, the dashboard and the report show the same
numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import h3

from roadsense.analytics.ranking import RankedSite, Ranking, SiteRow, rank_sites
from roadsense.city import (
    DEFAULT_HOTSPOT_RESOLUTION,
    DEFAULT_MIN_VEHICLE_KM,
    DEFAULT_MIN_VEHICLES,
    RankingThresholds,
)
from roadsense.schema import SAFETY_TYPES
from roadsense.store import ReadStore

if TYPE_CHECKING:
    from roadsense.roads.places import PlaceNamer


@dataclass(frozen=True)
class HotspotParams:
    """Which cells are ranked, and what a cell needs to be ranked."""

    resolution: int = DEFAULT_HOTSPOT_RESOLUTION
    event_types: tuple[str, ...] = ()
    """Event types counted; empty means every type."""
    min_vehicle_km: float = DEFAULT_MIN_VEHICLE_KM
    min_vehicles: int = DEFAULT_MIN_VEHICLES

    @property
    def thresholds(self) -> RankingThresholds:
        """The ranking's thresholds."""
        return RankingThresholds(self.min_vehicle_km, self.min_vehicles)


def cell_rows(
    exposure: Iterable[tuple[int, float, int]], counts: Mapping[int, int]
) -> list[SiteRow]:
    """Sites of the ranking from (cell, vehicle-km, vehicles) and events per cell.

    Cells are H3 indexes as integers; every cell with exposure or events is a site (a
    cell with events and no exposure is listed, never ranked).
    """
    rows: dict[int, SiteRow] = {}
    for cell, km, vehicles in exposure:
        c = int(cell)
        rows[c] = SiteRow(h3.int_to_str(c), int(counts.get(c, 0)), float(km), int(vehicles))
    for cell, n in counts.items():
        if int(cell) not in rows:
            rows[int(cell)] = SiteRow(h3.int_to_str(int(cell)), int(n), 0.0, 0)
    return list(rows.values())


def store_cell_rows(
    store: ReadStore, resolution: int, event_types: Sequence[str] = ()
) -> list[SiteRow]:
    """Sites of the ranking from everything the store holds (the retention roll-up too);
    no ``event_types``: every safety type (:data:`~roadsense.schema.SAFETY_TYPES`)."""
    types = list(event_types or SAFETY_TYPES)
    counts = {c.cell: c.events for c in store.events_by_cell(resolution, types)}
    exposure = ((e.cell, e.vehicle_km, e.vehicles) for e in store.exposure_by_cell(resolution))
    return cell_rows(exposure, counts)


def rank_cells(store: ReadStore, params: HotspotParams) -> Ranking:
    """Every cell of the store with exposure or events, ranked (ranked cells first)."""
    rows = store_cell_rows(store, params.resolution, params.event_types)
    return rank_sites(rows, params.thresholds)


def top_hotspots(store: ReadStore, params: HotspotParams, limit: int = 10) -> list[RankedSite]:
    """The ``limit`` best-ranked cells."""
    return rank_cells(store, params).top(limit)


def centre(cell: str) -> tuple[float, float]:
    """(lat, lon) of an H3 cell's centre."""
    lat, lon = h3.cell_to_latlng(cell)
    return float(lat), float(lon)


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def hotspot_figures(site: RankedSite, places: PlaceNamer | None = None) -> dict[str, Any]:
    """A cell's figures as every view shows them (rounded once, here); ``place`` names it
    by its streets when the store has a road network (``places``), else it is null."""
    lat, lon = centre(site.site_id)
    return {
        "rank": site.rank,
        "cell": site.site_id,
        "place": places.point(lon, lat) if places is not None else None,
        "lat": lat,
        "lon": lon,
        "events": site.observed,
        "vehicle_km": round(site.vehicle_km, 3),
        "vehicles": site.vehicles,
        "eligible": site.eligible,
        "rate_per_1000_vkm": _rounded(site.rate_per_1000_vkm, 2),
        "expected": _rounded(site.expected, 2),
        "excess": _rounded(site.excess, 2),
    }


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


def hotspots_geojson(ranking: Ranking, places: PlaceNamer | None = None) -> dict[str, Any]:
    """Every cell of a ranking as a GeoJSON polygon with its figures, for the map.

    ``ranking`` says how the ranks were made: ``"excess"`` (empirical Bayes) or ``"rate"``
    (no SPF could be fitted; ``expected`` and ``excess`` are then null).
    """
    features = []
    for site in ranking.sites:
        ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(site.site_id)]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                "properties": hotspot_figures(site, places),
            }
        )
    return {
        "type": "FeatureCollection",
        "ranking": ranking.method,
        "note": ranking.note,
        "features": features,
    }
