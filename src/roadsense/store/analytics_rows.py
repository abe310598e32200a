"""Rows the safety analytics read and keep (shared by the store interface and backends)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, NamedTuple

from roadsense.city import DEFAULT_TIME_ZONE

Period = Literal["day", "week", "month", "quarter"]
PERIODS: tuple[Period, ...] = ("day", "week", "month", "quarter")
DEFAULT_TZ = DEFAULT_TIME_ZONE
"""Periods are local to the city (its setting is ``roadsense.city.CitySettings.time_zone``)."""


@dataclass(frozen=True)
class CellPeriod:
    """Exposure in one cell and period."""

    cell: int
    period: date
    vehicle_km: float
    vehicles: int


@dataclass(frozen=True)
class CellPeriodEvents:
    """Events of one type in one cell and period."""

    cell: int
    period: date
    event_type: str
    events: int
    vehicles: int


@dataclass(frozen=True)
class VehiclePeriod:
    """One vehicle's kilometres and warnings in one period."""

    vehicle_id: str
    period: date
    vehicle_km: float
    events: dict[str, int]


@dataclass(frozen=True)
class VehicleHour:
    """One vehicle's kilometres and warnings in one UTC hour."""

    vehicle_id: str
    hour: datetime
    vehicle_km: float
    events: dict[str, int]


@dataclass(frozen=True)
class CrashRecord:
    """A police-reported crash as stored."""

    crash_id: str
    time: datetime
    lat: float
    lon: float
    severity: str
    crash_type: str | None
    source: str


@dataclass(frozen=True)
class DriverShift:
    """A driver at the wheel of a vehicle from ``starts_at`` to ``ends_at``."""

    driver_id: str
    vehicle_id: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class AnalysisRun:
    """When an analysis ran, on what, and what it found."""

    run_id: str
    started_at: datetime
    finished_at: datetime
    kind: str
    parameters: dict[str, Any]
    data: dict[str, Any]
    results: dict[str, Any]


class CellVehicles(NamedTuple):
    """Distinct vehicles of one fleet in one H3 cell over everything the store holds."""

    cell: int
    fleet_id: str
    vehicles: int
    """Distinct vehicles of the raw positions; at least the roll-up's largest hourly count."""


class CellHourExposure(NamedTuple):
    """Exposure of one fleet in one H3 cell and UTC hour (raw positions and roll-up)."""

    hour: int
    """UTC hours since the epoch."""
    cell: int
    fleet_id: str
    """'' for vehicles of no fleet."""
    vehicle_km: float
    vehicles: int
    """Distinct vehicles; for rolled-up hours the largest count of a fine cell (a lower bound)."""


class VehicleHourExposure(NamedTuple):
    """One vehicle's kilometres and positions held in one UTC hour (raw positions only)."""

    vehicle_id: str
    hour: int
    """UTC hours since the epoch."""
    vehicle_km: float
    positions: int
    fleet_id: str = ""
    """The fleet that had the vehicle at these fixes ('' for none): a vehicle moved within
    an hour has one row per fleet."""


class CellHourEvents(NamedTuple):
    """Events of one type, fleet, H3 cell and UTC hour (events with a position)."""

    hour: int
    cell: int
    fleet_id: str
    event_type: str
    events: int


class VehicleHourEvents(NamedTuple):
    """One vehicle's events of one type in one UTC hour (with a position or not)."""

    vehicle_id: str
    hour: int
    event_type: str
    events: int
    fleet_id: str = ""
    """The fleet that had the vehicle at these events ('' for none)."""


@dataclass(frozen=True)
class HourlyAggregates:
    """Exposure and events by UTC hour: what the dashboard's filters are answered from.

    Rows are tuples (``NamedTuple``) because a month of a city's fleet gives millions.
    """

    cells: list[CellHourExposure]
    vehicles: list[VehicleHourExposure]
    cell_events: list[CellHourEvents]
    vehicle_events: list[VehicleHourEvents]
    batches: dict[str, int] = field(default_factory=dict)
    """Batches stored per fleet id ('' for devices of no fleet's vehicle)."""
    cell_vehicles: list[CellVehicles] = field(default_factory=list)
    """Distinct vehicles per cell and fleet over all hours (what the unfiltered ranking
    counts, as :meth:`~roadsense.store.read_store.ReadStore.exposure_by_cell` does)."""


DASHBOARD_RESOLUTION = 10
"""The H3 resolution of the dashboard's cube: the hourly aggregates an analysis stores for
it (:meth:`~roadsense.store.analysis_store.AnalysisStore.save_hourly_aggregates`) are
computed at this resolution."""


@dataclass(frozen=True)
class StoredAggregates:
    """Hourly aggregates an analysis run computed and the store kept."""

    run_id: str
    """The analysis run (``analysis_runs``) that computed them."""
    resolution: int
    aggregates: HourlyAggregates


@dataclass(frozen=True)
class EventWindow:
    """Which events a read returns: a time range, types and local hours of the day."""

    since: datetime | None = None
    until: datetime | None = None
    types: tuple[str, ...] = ()
    """Event types; empty for every type."""
    hour_from: int = 0
    hour_to: int = 24
    """Local hours of the day, [from, to); from > to wraps past midnight."""
    utc_offset_h: int = 0
    """The local zone's whole-hour offset from UTC (the hours of the day are read in it)."""


class EventPoint(NamedTuple):
    """An event with a position, as the map draws it (plain values, cheap to serialise)."""

    event_id: str
    vehicle_id: str
    epoch_s: float
    """Seconds since the epoch (UTC)."""
    type: str
    level: int
    lat: float
    lon: float
    speed_mps: float | None
    ttc_s: float | None
    headway_s: float | None


@dataclass(frozen=True)
class QualityCounts:
    """Data-quality counts of a time range: GPS gaps, failsafe, silent and tampered units."""

    gps_gaps: int
    gps_gap_s: float
    gps_gap_vehicles: int
    failsafe_status_vehicles: int
    """Vehicles whose device status reported failsafe."""
    failsafe_status_reports: int
    adas_silent_vehicles: int
    tamper_vehicles: int
    failsafe_events: int
    """FAILSAFE events, and the vehicles that sent them."""
    failsafe_event_vehicles: int
