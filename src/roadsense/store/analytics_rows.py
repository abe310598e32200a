"""Rows the safety analytics read and keep (shared by the store interface and backends)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

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
