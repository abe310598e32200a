"""The road and traffic data products: segments, exposure, speeds, signs, lanes, potholes.

City-wide products, for analysts and admins. Every answer is GeoJSON; aggregates keep
only cells with at least ``min_vehicles`` distinct vehicles (never below 5 for the traffic
products, 2 for assets seen by several vehicles).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from roadsense.analytics import assets, speeds
from roadsense.server.errors import ApiError
from roadsense.server.query_params import TimeZoneParam
from roadsense.server.scope import CityScope
from roadsense.server.state import get_state
from roadsense.store import RoadStore
from roadsense.store.roads_rows import Segment

router = APIRouter(prefix="/v1/roads", tags=["roads"])

TrafficK = Annotated[int, Query(ge=5, le=1000, description="Least distinct vehicles per cell")]
AssetK = Annotated[int, Query(ge=2, le=1000, description="Least distinct vehicles per asset")]


def _store(request: Request) -> RoadStore:
    return get_state(request).store


def _segments(store: RoadStore) -> list[Segment]:
    segments = store.road_segments()
    if not segments:
        raise ApiError(
            409, "no road network in the store: run `roadsense roads import CITY.osm.pbf`"
        )
    return segments


@router.get("/segments", summary="Road segments (GeoJSON lines)")
def road_segments(request: Request, scope: CityScope) -> dict[str, Any]:
    """Every segment with its OSM way, class, lanes, one-way and speed limit."""
    return speeds.segments_geojson(_segments(_store(request)))


@router.get("/exposure", summary="Vehicle-km and vehicle-hours per segment and hour")
def road_exposure(
    request: Request, scope: CityScope, min_vehicles: TrafficK = speeds.DEFAULT_MIN_VEHICLES
) -> dict[str, Any]:
    """One feature per segment and UTC hour."""
    store = _store(request)
    segs = _segments(store)
    return speeds.exposure_geojson(speeds.segment_exposure(store, min_vehicles), segs)


@router.get("/speeds", summary="Traffic speeds per segment and hour of the week")
def road_speeds(
    request: Request,
    scope: CityScope,
    min_vehicles: TrafficK = speeds.DEFAULT_MIN_VEHICLES,
    tz: TimeZoneParam = None,
) -> dict[str, Any]:
    """Mean, median, 85th percentile, free-flow speed, congestion index, share over limit."""
    tz = tz or get_state(request).settings.time_zone
    store = _store(request)
    segs = _segments(store)
    try:
        rows = speeds.segment_speeds(store, min_vehicles, tz)
    except (KeyError, ValueError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ApiError(400, f"unknown time zone {tz!r}") from exc
    return speeds.speeds_geojson(rows, segs)


@router.get("/signs", summary="Speed-limit sign inventory (GeoJSON points)")
def road_signs(request: Request, scope: CityScope, min_vehicles: AssetK = 2) -> dict[str, Any]:
    """Signs clustered from the cameras' sightings, with a confidence from vehicles."""
    return assets.signs_geojson(assets.sign_inventory(_store(request), min_vehicles))


@router.get("/sign-mismatches", summary="Where the signs read differ from the map")
def road_sign_mismatches(
    request: Request, scope: CityScope, min_vehicles: AssetK = 2
) -> dict[str, Any]:
    """Each sign whose value differs from its segment's limit in the map."""
    store = _store(request)
    signs = assets.sign_inventory(store, min_vehicles)
    return assets.mismatches_geojson(assets.sign_mismatches(signs, _segments(store)))


@router.get("/lanes", summary="Lane-marking quality per segment")
def road_lanes(
    request: Request, scope: CityScope, min_vehicles: TrafficK = speeds.DEFAULT_MIN_VEHICLES
) -> dict[str, Any]:
    """Mean quality and share of worn samples per segment."""
    store = _store(request)
    return assets.lanes_geojson(assets.lane_quality(store, min_vehicles), _segments(store))


@router.get("/potholes", summary="Potholes seen by several vehicles")
def road_potholes(request: Request, scope: CityScope, min_vehicles: AssetK = 2) -> dict[str, Any]:
    """POTHOLE events clustered, with the distinct vehicles that reported each."""
    return assets.potholes_geojson(assets.potholes(_store(request), min_vehicles))
