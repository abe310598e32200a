"""Reading the registry: fleets, vehicles, drivers and a fleet's events, by role.

Admins see everything as stored. Analysts see everything with drivers (and vehicles in
event lists) pseudonymized. A fleet operator sees only its own fleet, as stored.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from roadsense.server.auth import pseudonym
from roadsense.server.scope import ReadScope
from roadsense.server.state import get_state
from roadsense.store import Driver, Principal
from roadsense.store.analytics_rows import EventWindow

router = APIRouter(prefix="/v1", tags=["registry"])

FleetId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


class FleetOut(BaseModel):
    """A fleet."""

    fleet_id: str
    name: str
    created_at: datetime


class VehicleOut(BaseModel):
    """A registered vehicle."""

    vehicle_id: str
    fleet_id: str | None


class DriverOut(BaseModel):
    """A driver; for analysts ``driver_id`` is a pseudonym and ``name`` is withheld."""

    driver_id: str
    fleet_id: str
    name: str | None
    pseudonymized: bool


class FleetEvent(BaseModel):
    """An event of one of the fleet's vehicles."""

    event_id: str
    vehicle: str
    time: datetime
    type: str
    level: int
    lat: float
    lon: float
    speed_mps: float | None
    ttc_s: float | None
    headway_s: float | None


def _driver_out(driver: Driver, who: Principal, key: str) -> DriverOut:
    if who.role == "analyst":
        return DriverOut(
            driver_id=pseudonym(key, driver.driver_id, "drv-"),
            fleet_id=driver.fleet_id,
            name=None,
            pseudonymized=True,
        )
    return DriverOut(
        driver_id=driver.driver_id, fleet_id=driver.fleet_id, name=driver.name, pseudonymized=False
    )


@router.get("/fleets", response_model=list[FleetOut], summary="Fleets you may see")
async def fleets(request: Request, scope: ReadScope) -> list[FleetOut]:
    """Every fleet; a fleet operator sees only its own."""
    rows = await run_in_threadpool(get_state(request).store.list_fleets)
    return [
        FleetOut(fleet_id=f.fleet_id, name=f.name, created_at=f.created_at)
        for f in rows
        if scope.may_see(f.fleet_id)
    ]


@router.get(
    "/fleets/{fleet_id}/vehicles", response_model=list[VehicleOut], summary="A fleet's vehicles"
)
async def fleet_vehicles(fleet_id: FleetId, request: Request, scope: ReadScope) -> list[VehicleOut]:
    """The vehicles registered with a fleet."""
    scope.require(fleet_id)
    rows = await run_in_threadpool(get_state(request).store.list_vehicles, fleet_id)
    return [VehicleOut(vehicle_id=v.vehicle_id, fleet_id=v.fleet_id) for v in rows]


@router.get(
    "/fleets/{fleet_id}/drivers", response_model=list[DriverOut], summary="A fleet's drivers"
)
async def fleet_drivers(fleet_id: FleetId, request: Request, scope: ReadScope) -> list[DriverOut]:
    """The drivers of a fleet (pseudonymized for analysts)."""
    scope.require(fleet_id)
    state = get_state(request)
    rows = await run_in_threadpool(state.store.list_drivers, fleet_id)
    return [_driver_out(d, scope.who, state.settings.pseudonym_key) for d in rows]


@router.get("/drivers", response_model=list[DriverOut], summary="Drivers you may see")
async def drivers(request: Request, scope: ReadScope) -> list[DriverOut]:
    """Every driver (pseudonymized for analysts); a fleet operator sees its own."""
    state = get_state(request)
    rows = await run_in_threadpool(state.store.list_drivers, scope.fleet())
    return [_driver_out(d, scope.who, state.settings.pseudonym_key) for d in rows]


@router.get(
    "/fleets/{fleet_id}/events", response_model=list[FleetEvent], summary="A fleet's events"
)
async def fleet_events(
    fleet_id: FleetId,
    request: Request,
    scope: ReadScope,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[FleetEvent]:
    """The newest events of the fleet's vehicles (vehicles pseudonymized for analysts)."""
    scope.require(fleet_id)
    who = scope.who
    state = get_state(request)
    rows = await run_in_threadpool(
        scope.store(state.store, fleet_id).event_points, EventWindow(), limit
    )
    key = state.settings.pseudonym_key
    return [
        FleetEvent(
            event_id=r.event_id,
            vehicle=pseudonym(key, r.vehicle_id) if who.role == "analyst" else r.vehicle_id,
            time=datetime.fromtimestamp(r.epoch_s, UTC),
            type=r.type,
            level=r.level,
            lat=r.lat,
            lon=r.lon,
            speed_mps=r.speed_mps,
            ttc_s=r.ttc_s,
            headway_s=r.headway_s,
        )
        for r in rows
    ]
