"""What the analyses keep besides the fleet's data: crashes, driver shifts, analysis runs
and the hourly aggregates a run computed for the dashboard.

Its rows live in :mod:`roadsense.store.analytics_rows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

from roadsense.store.analytics_rows import (
    AnalysisRun,
    CrashRecord,
    DriverShift,
    HourlyAggregates,
    StoredAggregates,
)


class AnalysisStore(Protocol):
    """Police crashes, who drove when, and the record of analysis runs."""

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

    def save_hourly_aggregates(
        self, run_id: str, resolution: int, aggregates: HourlyAggregates
    ) -> int:
        """Keep the hourly aggregates the analysis run ``run_id`` computed at
        ``resolution`` (what :meth:`~roadsense.store.read_store.ReadStore.hourly_aggregates`
        gives, computed elsewhere: on Spark over the lake), replacing those kept before at
        that resolution; the rows kept."""
        ...

    def stored_hourly_aggregates(self, resolution: int) -> StoredAggregates | None:
        """The hourly aggregates kept at ``resolution`` (the latest run's), None without."""
        ...
