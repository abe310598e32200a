"""The repository interface every storage backend implements."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from roadsense.errors import RoadsenseError
from roadsense.schema import Batch
from roadsense.store.analytics_rows import (
    DEFAULT_TZ,
    AnalysisRun,
    CellPeriod,
    CellPeriodEvents,
    CrashRecord,
    DriverShift,
    Period,
    VehicleHour,
    VehiclePeriod,
)
from roadsense.store.roads_rows import (
    FixMatch,
    JunctionRecord,
    MatchInputs,
    MatchWindow,
    NetworkInfo,
    PlacedEvent,
    PlacedLane,
    PlacedRecord,
    PlacedSign,
    SegmentFix,
    SegmentRecord,
)

FINE_H3_RESOLUTION = 12
"""Resolution of the H3 cell the store keeps with every position and event (about 9 m)."""


class StoreError(RoadsenseError, RuntimeError):
    """The store cannot do what was asked (bad location, locked file, newer schema ...)."""


class StoreBusy(StoreError):  # noqa: N818 - a state, like queue.Full
    """The write queue is full: the upload was not taken; try again after ``retry_after_s``."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


Role = Literal["admin", "analyst", "fleet_operator"]
"""What a person (or a script acting for one) may do; devices are a role of their own."""
ROLES: tuple[Role, ...] = ("admin", "analyst", "fleet_operator")


@dataclass(frozen=True)
class IngestResult:
    """What happened to one uploaded batch."""

    batch_id: uuid.UUID
    status: Literal["stored", "duplicate"]
    counts: dict[str, int] = field(default_factory=dict)
    """Records stored, by kind; events already stored under the same id are not counted."""


@dataclass(frozen=True)
class Device:
    """A provisioned gateway."""

    device_id: str
    vehicle_id: str
    created_at: datetime
    revoked_at: datetime | None = None
    fleet_id: str | None = None
    """The fleet of the device's vehicle, if the vehicle is registered with one."""


@dataclass(frozen=True)
class Fleet:
    """A taxi company (or any operator of vehicles)."""

    fleet_id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Vehicle:
    """A registered vehicle; ``fleet_id`` is None for a vehicle no fleet has claimed."""

    vehicle_id: str
    fleet_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class Driver:
    """A driver of a fleet (personal data: shown to analysts only as a pseudonym)."""

    driver_id: str
    fleet_id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Principal:
    """Who a person's credential (API key, user or session) stands for."""

    name: str
    """The API key's id or the username."""
    role: Role
    fleet_id: str | None = None
    """The fleet a fleet operator may see; None for the other roles."""
    kind: Literal["key", "user"] = "key"
    """Whether ``name`` is an API key id or a username."""


@dataclass(frozen=True)
class ApiKey:
    """An API key as listed (its secret is never stored, only its hash)."""

    key_id: str
    role: Role
    fleet_id: str | None
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class User:
    """A person who signs in with a username and password (scrypt-hashed)."""

    username: str
    role: Role
    fleet_id: str | None
    created_at: datetime
    disabled_at: datetime | None = None


@dataclass(frozen=True)
class PruneResult:
    """What one retention run did."""

    cutoff: datetime
    positions_deleted: int
    rollup_rows: int
    """Hourly exposure-and-speed rows written (or added to) for the pruned positions."""
    sessions_deleted: int = 0


@dataclass(frozen=True)
class CellExposure:
    """Exposure in one H3 cell."""

    cell: int
    vehicle_km: float
    vehicles: int


@dataclass(frozen=True)
class CellEvents:
    """Event count in one H3 cell."""

    cell: int
    events: int
    vehicles: int


@dataclass(frozen=True)
class EventRow:
    """An event as the dashboard shows it."""

    event_id: uuid.UUID
    vehicle_id: str
    time: datetime
    type: str
    level: int
    lat: float
    lon: float
    speed_mps: float | None
    ttc_s: float | None
    headway_s: float | None


@dataclass(frozen=True)
class Totals:
    """Headline counts of what the store holds."""

    vehicles: int
    positions: int
    events: int
    events_by_type: dict[str, int]
    vehicle_km: float
    batches: int


class Store(Protocol):
    """Storage behind a narrow interface: DuckDB and PostgreSQL, one test suite."""

    location: str
    backend: Literal["duckdb", "postgresql"]

    def schema_version(self) -> int:
        """The version of the store's own schema."""
        ...

    def ingest(self, batch: Batch) -> IngestResult:
        """Store a validated batch durably, once; a repeated batch id is a duplicate."""
        ...

    def submit(self, batch: Batch) -> Future[IngestResult]:
        """Queue a batch for storing; the future resolves once it is durable."""
        ...

    def queue_depth(self) -> int:
        """Uploads waiting to be written."""
        ...

    def queue_capacity(self) -> int:
        """The most uploads the write queue holds before :class:`StoreBusy` is raised."""
        ...

    def ping(self) -> None:
        """Raise :class:`StoreError` unless the store answers a query now."""
        ...

    def scoped(self, fleet_id: str) -> Store:
        """A read-only view whose reads see only the vehicles of one fleet."""
        ...

    def add_device(self, device_id: str, vehicle_id: str, token_hash: str) -> Device:
        """Provision a device; the token is stored only as its hash."""
        ...

    def device_by_token_hash(self, token_hash: str) -> Device | None:
        """The active device holding this token, if any."""
        ...

    def active_devices(self) -> list[tuple[str, Device]]:
        """(token hash, device) of every active device."""
        ...

    def list_devices(self) -> list[Device]:
        """Every provisioned device."""
        ...

    def revoke_device(self, device_id: str) -> bool:
        """Revoke a device; False when there is no such active device."""
        ...

    def device_last_seen(self) -> dict[str, datetime]:
        """When each device last uploaded a stored batch."""
        ...

    # -- registry ----------------------------------------------------------------------

    def add_fleet(self, fleet_id: str, name: str) -> Fleet:
        """Register a fleet."""
        ...

    def list_fleets(self) -> list[Fleet]:
        """Every fleet."""
        ...

    def add_vehicle(self, vehicle_id: str, fleet_id: str | None) -> Vehicle:
        """Register a vehicle (or move a registered one to another fleet)."""
        ...

    def list_vehicles(self, fleet_id: str | None = None) -> list[Vehicle]:
        """Registered vehicles, of one fleet when given."""
        ...

    def add_driver(self, driver_id: str, fleet_id: str, name: str) -> Driver:
        """Register a driver with a fleet."""
        ...

    def list_drivers(self, fleet_id: str | None = None) -> list[Driver]:
        """Registered drivers, of one fleet when given."""
        ...

    def add_api_key(
        self, key_id: str, key_hash: str, role: Role, fleet_id: str | None = None
    ) -> ApiKey:
        """Issue an API key (stored as its hash)."""
        ...

    def list_api_keys(self) -> list[ApiKey]:
        """Every API key, without secrets."""
        ...

    def revoke_api_key(self, key_id: str) -> bool:
        """Revoke an API key; False when there is no such active key."""
        ...

    def principal_by_key_hash(self, key_hash: str) -> Principal | None:
        """Whom an active API key stands for."""
        ...

    def add_user(
        self, username: str, password_hash: str, role: Role, fleet_id: str | None = None
    ) -> User:
        """Create a user who signs in with a password (the hash is a scrypt string)."""
        ...

    def user_password_hash(self, username: str) -> tuple[str, Principal] | None:
        """The stored password hash of an enabled user, and whom the user stands for."""
        ...

    def add_session(self, token_hash: str, principal: Principal, expires_at: datetime) -> None:
        """Remember a signed-in session (the cookie's token is stored as its hash)."""
        ...

    def principal_by_session_hash(self, token_hash: str, now: datetime) -> Principal | None:
        """Whom an unexpired session stands for."""
        ...

    def delete_session(self, token_hash: str) -> None:
        """Sign a session out."""
        ...

    # -- retention ---------------------------------------------------------------------

    def prune(self, cutoff: datetime, max_gap_s: float = 5.0) -> PruneResult:
        """Delete raw positions before ``cutoff``, keeping their hourly aggregates per cell."""
        ...

    def totals(self) -> Totals:
        """Headline counts (vehicle-km includes what retention rolled up)."""
        ...

    def exposure_by_cell(self, resolution: int, max_gap_s: float = 5.0) -> list[CellExposure]:
        """Vehicle-km per H3 cell: each fix's speed times the time to the next fix."""
        ...

    def events_by_cell(
        self, resolution: int, event_types: Sequence[str] | None = None
    ) -> list[CellEvents]:
        """Event counts per H3 cell for the given types (all types when None)."""
        ...

    def events(self, event_types: Sequence[str] | None = None, limit: int = 5000) -> list[EventRow]:
        """The most recent events with a position, newest first."""
        ...

    # -- roads: the network and map matching (store/sql_roads.py) ----------------------

    def replace_road_network(
        self,
        info: NetworkInfo,
        segments: Sequence[SegmentRecord],
        junctions: Sequence[JunctionRecord],
    ) -> None:
        """Store a road network in place of the old one (dropping the old matches)."""
        ...

    def road_network_info(self) -> NetworkInfo | None:
        """Which road network the store holds, if any."""
        ...

    def road_segments(self) -> list[SegmentRecord]:
        """Every road segment."""
        ...

    def pending_match_windows(self, limit: int = 10_000) -> list[MatchWindow]:
        """Per vehicle, the time span of its records in batches not matched yet."""
        ...

    def match_inputs(self, vehicle_id: str, start: datetime, end: datetime) -> MatchInputs:
        """A vehicle's positions, events, signs and lane samples in a time span."""
        ...

    def save_matches(
        self,
        vehicle_id: str,
        start: datetime,
        end: datetime,
        fixes: Sequence[FixMatch],
        events: Sequence[PlacedRecord],
        signs: Sequence[PlacedRecord],
        lanes: Sequence[PlacedRecord],
        batch_ids: Sequence[uuid.UUID],
    ) -> None:
        """Replace a vehicle's matches in [start, end] and mark the batches matched."""
        ...

    def segment_fixes(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        max_gap_s: float = 5.0,
    ) -> list[SegmentFix]:
        """Matched fixes on a segment with the time each stands for."""
        ...

    def placed_signs(self, sign_type: str = "speed_limit") -> list[PlacedSign]:
        """Sign sightings of one type with the segment the vehicle was on."""
        ...

    def placed_lanes(self) -> list[PlacedLane]:
        """Lane samples with the segment the vehicle was on."""
        ...

    def placed_events(self, event_types: Sequence[str] | None = None) -> list[PlacedEvent]:
        """Events with their place on the road; unmatched ones included."""
        ...

    # -- safety analytics (sql_analytics.py) --------------------------------------------

    def cell_period_exposure(
        self,
        resolution: int,
        period: Period = "month",
        since: datetime | None = None,
        until: datetime | None = None,
        tz: str = DEFAULT_TZ,
    ) -> list[CellPeriod]:
        """Vehicle-km and distinct vehicles per H3 cell and local period."""
        ...

    def cell_period_events(
        self,
        resolution: int,
        period: Period = "month",
        since: datetime | None = None,
        until: datetime | None = None,
        tz: str = DEFAULT_TZ,
    ) -> list[CellPeriodEvents]:
        """Events per H3 cell, local period and type."""
        ...

    def vehicle_periods(
        self,
        period: Period = "week",
        since: datetime | None = None,
        until: datetime | None = None,
        tz: str = DEFAULT_TZ,
    ) -> list[VehiclePeriod]:
        """Each vehicle's kilometres and warnings by type per local period."""
        ...

    def vehicle_hours(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[VehicleHour]:
        """Each vehicle's kilometres and warnings by type per UTC hour."""
        ...

    def add_crashes(self, crashes: Iterable[CrashRecord]) -> int:
        """Store police crashes, once per crash id."""
        ...

    def crashes_by_cell(
        self,
        resolution: int,
        since: datetime | None = None,
        until: datetime | None = None,
        severities: Sequence[str] | None = None,
    ) -> dict[int, int]:
        """Crash counts per H3 cell."""
        ...

    def crashes(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[CrashRecord]:
        """Stored crashes, oldest first."""
        ...

    def crash_count(self) -> int:
        """Crashes stored."""
        ...

    def add_driver_shifts(self, shifts: Iterable[DriverShift]) -> int:
        """Store which driver drove which vehicle when."""
        ...

    def driver_shifts(self) -> list[DriverShift]:
        """Every stored shift."""
        ...

    def record_analysis_run(
        self,
        kind: str,
        started_at: datetime,
        parameters: dict[str, Any],
        data: dict[str, Any],
        results: dict[str, Any],
    ) -> AnalysisRun:
        """Keep when an analysis ran, on what data, and what it found."""
        ...

    def analysis_runs(self, limit: int = 20) -> list[AnalysisRun]:
        """The latest analysis runs, newest first."""
        ...

    def close(self) -> None:
        """Finish pending writes and release the store."""
        ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...
