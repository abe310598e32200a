"""What the dashboard reads: summary, roads, hotspot cells and events.

Every endpoint needs a person's credential (API key or session) and reads through its
:class:`~roadsense.server.scope.FleetScope`: a fleet operator's figures, hotspots and
events are those of its own fleet's vehicles only; vehicles appear only as pseudonyms.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from roadsense.analytics.hotspots import (
    HotspotParams,
    hotspot_figures,
    hotspots_geojson,
    rank_cells,
)
from roadsense.roads.osm_roads import roads_geojson
from roadsense.schema import EventType
from roadsense.server.auth import pseudonym
from roadsense.server.errors import ApiError
from roadsense.server.scope import ReadScope
from roadsense.server.state import AppState, get_state

router = APIRouter(prefix="/v1", tags=["dashboard"])

EventTypeParam = Annotated[
    str, Query(description="An event type (FCW, HMW ...) or ALL", examples=["ALL", "FCW"])
]


class Summary(BaseModel):
    """Headline figures."""

    vehicles: int
    positions: int
    events: int
    events_by_type: dict[str, int]
    vehicle_km: float
    batches: int
    event_types: list[str]


class Hotspot(BaseModel):
    """One ranked cell (docs/hotspots.md: the one hotspot ranking)."""

    rank: int
    cell: str
    lat: float
    lon: float
    events: int
    vehicle_km: float
    vehicles: int
    rate_per_1000_vkm: float
    expected: float | None
    """Empirical Bayes expected count; null when ranked by rate (no SPF could be fitted)."""
    excess: float | None
    """Expected minus the SPF's prediction; null when ranked by rate."""


def _types(event_type: str) -> tuple[str, ...]:
    if event_type.upper() == "ALL":
        return ()
    try:
        return (EventType(event_type.upper()).value,)
    except ValueError:
        raise ApiError(
            400,
            f"unknown event type {event_type!r}",
            details=[{"allowed": ["ALL", *[t.value for t in EventType]]}],
        ) from None


def _params(state: AppState, event_type: str, resolution: int | None) -> HotspotParams:
    return HotspotParams(
        resolution=resolution or state.settings.hotspot_resolution,
        event_types=_types(event_type),
        min_vehicle_km=state.settings.ranking_thresholds.min_vehicle_km,
        min_vehicles=state.settings.ranking_thresholds.min_vehicles,
    )


@router.get("/summary", response_model=Summary, summary="Headline figures of the store")
def summary(request: Request, scope: ReadScope) -> Summary:
    """Vehicles, positions, events by type and vehicle-km."""
    totals = scope.store(get_state(request).store).totals()
    return Summary(
        vehicles=totals.vehicles,
        positions=totals.positions,
        events=totals.events,
        events_by_type=totals.events_by_type,
        vehicle_km=round(totals.vehicle_km, 3),
        batches=totals.batches,
        event_types=sorted(totals.events_by_type),
    )


@router.get("/hotspots", response_model=list[Hotspot], summary="Top cells by the hotspot ranking")
def hotspots(
    request: Request,
    scope: ReadScope,
    event_type: EventTypeParam = "ALL",
    resolution: Annotated[int | None, Query(ge=5, le=12)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> list[Hotspot]:
    """Cells with enough exposure, ranked by empirical Bayes excess (by events per 1,000
    vehicle-km when no SPF can be fitted; ``expected`` and ``excess`` are then null)."""
    state = get_state(request)
    ranking = rank_cells(scope.store(state.store), _params(state, event_type, resolution))
    return [Hotspot(**hotspot_figures(c)) for c in ranking.top(limit)]


@router.get("/map/hotspots", summary="Hotspot cells as GeoJSON polygons")
def map_hotspots(
    request: Request,
    scope: ReadScope,
    event_type: EventTypeParam = "ALL",
    resolution: Annotated[int | None, Query(ge=5, le=12)] = None,
) -> dict[str, Any]:
    """Every cell with exposure or events, with its figures and rank."""
    state = get_state(request)
    params = _params(state, event_type, resolution)
    return hotspots_geojson(rank_cells(scope.store(state.store), params))


@router.get("/map/events", summary="Events as GeoJSON points")
def map_events(
    request: Request,
    scope: ReadScope,
    event_type: EventTypeParam = "ALL",
    limit: Annotated[int, Query(ge=1, le=50_000)] = 5000,
) -> dict[str, Any]:
    """The newest events with a position; vehicles appear only as pseudonyms."""
    state = get_state(request)
    key = state.settings.pseudonym_key
    rows = scope.store(state.store).events(_types(event_type) or None, limit=limit)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                "properties": {
                    "event_id": str(row.event_id),
                    "type": row.type,
                    "time": row.time.isoformat(),
                    "level": row.level,
                    "speed_kmh": None if row.speed_mps is None else round(row.speed_mps * 3.6, 1),
                    "ttc_s": row.ttc_s,
                    "headway_s": row.headway_s,
                    "vehicle": pseudonym(key, row.vehicle_id),
                },
            }
            for row in rows
        ],
    }


@router.get("/map/roads", summary="The drivable OSM roads as GeoJSON lines")
def map_roads(request: Request, scope: ReadScope) -> dict[str, Any]:
    """The roads of the configured OSM extract."""
    return roads_geojson(get_state(request).roads_path)
