"""Where ``roadsense analyze`` gets its aggregated rows: the store, or another engine.

The model fits (the SPF, empirical Bayes ranking, Getis-Ord, trends, scores) run on a
few aggregated tables: exposure per H3 cell, events per cell and type, both per local
period, each vehicle's kilometres and warnings per UTC hour, and the driving and warnings
per road segment and near each junction (:mod:`roadsense.analytics.road_counts`), and the
speeds per segment and hour of the week (:mod:`roadsense.analytics.speeds`). An
:class:`AnalysisSource` gives exactly those rows; :class:`StoreSource` reads them from the
store (its SQL, the exposure rule of :mod:`roadsense.store.exposure`), and
``roadsense.spark`` computes the same rows with Apache Spark from the Parquet lake. The
fits then run unchanged on either, so the engines can only differ in the sums' rounding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from roadsense.analytics.hotspots import cell_rows
from roadsense.analytics.ranking import SiteRow
from roadsense.analytics.road_counts import (
    RoadCounts,
    SegmentExposure,
    StoreRoadCounts,
)
from roadsense.analytics.speeds import SpeedCells, speed_cells
from roadsense.schema import SAFETY_TYPES
from roadsense.store import Junction, Store, Totals
from roadsense.store.analytics_rows import (
    CellPeriod,
    CellPeriodEvents,
    Period,
    VehicleHour,
)
from roadsense.store.read_store import CellExposure


class AnalysisSource(RoadCounts, Protocol):
    """The aggregated rows the safety analyses fit their models on."""

    @property
    def engine(self) -> str:
        """The engine's name as ``roadsense analyze --engine`` spells it."""
        ...

    @property
    def road_network(self) -> str:
        """The digest of the road network its map matches were made on ("" for none):
        segments and junctions are screened only when it is the store's network."""
        ...

    def totals(self) -> Totals:
        """Headline counts of the raw rows read."""
        ...

    def exposure_by_cell(self, resolution: int) -> list[CellExposure]:
        """Vehicle-km (the exposure rule) and distinct vehicles per H3 cell."""
        ...

    def cell_event_counts(self, resolution: int, event_types: Sequence[str]) -> dict[int, int]:
        """Events of ``event_types`` (with a position) per H3 cell."""
        ...

    def cell_period_exposure(self, resolution: int, period: Period, tz: str) -> list[CellPeriod]:
        """Vehicle-km and distinct vehicles per H3 cell and local period."""
        ...

    def cell_period_events(
        self, resolution: int, period: Period, tz: str
    ) -> list[CellPeriodEvents]:
        """Events per H3 cell, local period and type."""
        ...

    def vehicle_hours(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[VehicleHour]:
        """Each vehicle's kilometres and warnings by type per UTC hour in [since, until)."""
        ...

    def speed_cells(self, tz: str, limits: Mapping[str, float | None]) -> SpeedCells:
        """Speeds per matched segment and hour of the week in ``tz``, fixes over the
        segment's speed limit in ``limits`` counted."""
        ...


class StoreSource:
    """The store's own reads (the embedded engine: DuckDB or PostgreSQL)."""

    engine = "duckdb"

    def __init__(self, store: Store, engine: str | None = None) -> None:
        self._store = store
        self._roads = StoreRoadCounts(store)
        dialect = getattr(store, "dialect", None)
        self.engine = engine or (dialect.name if dialect is not None else "duckdb")

    @property
    def road_network(self) -> str:
        info = self._store.road_network_info()
        return "" if info is None else info.digest

    def segment_exposure(self) -> list[SegmentExposure]:
        return self._roads.segment_exposure()

    def segment_event_counts(self, event_types: Sequence[str]) -> dict[str, int]:
        return self._roads.segment_event_counts(event_types)

    def junction_event_counts(
        self, junctions: Sequence[Junction], radius_m: float, event_types: Sequence[str]
    ) -> list[int]:
        return self._roads.junction_event_counts(junctions, radius_m, event_types)

    def totals(self) -> Totals:
        return self._store.totals()

    def exposure_by_cell(self, resolution: int) -> list[CellExposure]:
        return self._store.exposure_by_cell(resolution)

    def cell_event_counts(self, resolution: int, event_types: Sequence[str]) -> dict[int, int]:
        return {c.cell: c.events for c in self._store.events_by_cell(resolution, event_types)}

    def cell_period_exposure(self, resolution: int, period: Period, tz: str) -> list[CellPeriod]:
        return self._store.cell_period_exposure(resolution, period, tz=tz)

    def cell_period_events(
        self, resolution: int, period: Period, tz: str
    ) -> list[CellPeriodEvents]:
        return self._store.cell_period_events(resolution, period, tz=tz)

    def vehicle_hours(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[VehicleHour]:
        return self._store.vehicle_hours(since, until)

    def speed_cells(self, tz: str, limits: Mapping[str, float | None]) -> SpeedCells:
        return speed_cells(self._store.segment_fixes(), tz, limits)


def source_cell_rows(
    source: AnalysisSource,
    resolution: int,
    event_types: Sequence[str] = (),
    exposure: Sequence[CellExposure] | None = None,
) -> list[SiteRow]:
    """Sites of the ranking from a source (as ``store_cell_rows`` does from the store);
    no ``event_types``: every safety type (:data:`~roadsense.schema.SAFETY_TYPES`).
    ``exposure``: the source's :meth:`~AnalysisSource.exposure_by_cell` at ``resolution``
    when the caller has read it already (it is the same for every event type)."""
    counts = source.cell_event_counts(resolution, list(event_types or SAFETY_TYPES))
    cells = source.exposure_by_cell(resolution) if exposure is None else exposure
    return cell_rows(((e.cell, e.vehicle_km, e.vehicles) for e in cells), counts)
