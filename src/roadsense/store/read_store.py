"""Reads and aggregates: totals, exposure and events by H3 cell, period and vehicle.

The period rows (:class:`CellPeriod`, :class:`VehicleHour` ...) live in
:mod:`roadsense.store.analytics_rows`; the rows only these reads give are here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from roadsense.store.analytics_rows import (
    DEFAULT_TZ,
    CellPeriod,
    CellPeriodEvents,
    EventPoint,
    EventWindow,
    HourlyAggregates,
    Period,
    QualityCounts,
    VehicleHour,
    VehiclePeriod,
)


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
class Totals:
    """Headline counts of what the store holds."""

    vehicles: int
    positions: int
    events: int
    events_by_type: dict[str, int]
    vehicle_km: float
    batches: int


class ReadStore(Protocol):
    """What the store holds, counted: the reads behind hotspots, panels and reports."""

    def totals(self) -> Totals:
        """Headline counts (vehicle-km includes what retention rolled up)."""
        ...

    def exposure_by_cell(self, resolution: int) -> list[CellExposure]:
        """Vehicle-km per H3 cell (the exposure rule), roll-up of pruned positions included."""
        ...

    def events_by_cell(
        self, resolution: int, event_types: Sequence[str] | None = None
    ) -> list[CellEvents]:
        """Event counts per H3 cell for the given types (all types when None)."""
        ...

    def event_points(self, window: EventWindow, limit: int) -> list[EventPoint]:
        """The newest ``limit`` events with a position in ``window``, newest first."""
        ...

    def hourly_aggregates(self, resolution: int) -> HourlyAggregates:
        """Exposure (roll-up included) and events per UTC hour, per cell and per vehicle."""
        ...

    def completed_hourly_aggregates(
        self, raw: HourlyAggregates, resolution: int
    ) -> HourlyAggregates:
        """``raw`` (the hourly aggregates of raw rows, from Spark say) with the roll-up of
        pruned positions and the batches per fleet, which only the store holds."""
        ...

    def batches_by_fleet(self) -> dict[str, int]:
        """Batches stored per fleet id (by the fleet of the device's vehicle then)."""
        ...

    def quality_counts(
        self, since: datetime, until: datetime, gap_min_s: float, gap_max_s: float
    ) -> QualityCounts:
        """GPS gaps, failsafe, silent and tampered units in [since, until)."""
        ...

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
