""":class:`SparkSource`: the aggregated rows of an analysis, computed by Spark from the lake.

Each method is one grouped Spark query whose small result comes back to the driver as
the store's row types, so that :func:`roadsense.analytics.analyze.analyze` fits its
models on them as it does on the store's. The fixes with their exposure steps (the one
window over each vehicle's track) are computed once and cached for every query.

The lake holds raw rows only: what the store's retention rolled up and pruned
(``position_rollup``) is neither in the lake nor in these figures (see docs/usage.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from roadsense.spark.cells import epoch_hour, local_period, parent_cell
from roadsense.spark.exposure import position_steps
from roadsense.spark.lake_reads import LakeTables
from roadsense.store import Totals
from roadsense.store.analytics_rows import CellPeriod, CellPeriodEvents, Period, VehicleHour
from roadsense.store.read_store import CellExposure

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


class SparkSource:
    """An :class:`~roadsense.analytics.analysis_source.AnalysisSource` over the lake."""

    engine = "spark"
    screens_roads = False
    """The lake holds no map matches yet: segments and junctions stay with the store."""

    def __init__(self, tables: LakeTables) -> None:
        self._events = tables.events
        self._steps: DataFrame = position_steps(tables.positions).cache()
        self._cell_types: dict[int, dict[tuple[int, str], int]] = {}

    def close(self) -> None:
        """Drop the cached steps."""
        self._steps.unpersist()

    def totals(self) -> Totals:
        """Vehicles, fixes, vehicle-km and events by type of the lake's raw rows (batches:
        0, the lake keeps no table of them)."""
        from pyspark.sql import functions as sf

        row = self._steps.agg(
            sf.countDistinct("vehicle_id"),
            sf.count(sf.lit(1)),
            sf.coalesce(sf.sum("km"), sf.lit(0.0)),
        ).collect()[0]
        by_type = {str(t): int(n) for t, n in self._events.groupBy("type").count().collect()}
        return Totals(
            vehicles=int(row[0]),
            positions=int(row[1]),
            events=sum(by_type.values()),
            events_by_type=dict(sorted(by_type.items())),
            vehicle_km=float(row[2]),
            batches=0,
        )

    def exposure_by_cell(self, resolution: int) -> list[CellExposure]:
        """Vehicle-km and distinct vehicles per H3 cell."""
        from pyspark.sql import functions as sf

        rows = (
            self._steps.groupBy(parent_cell("h3_cell", resolution).alias("c"))
            .agg(sf.sum("km"), sf.countDistinct("vehicle_id"))
            .collect()
        )
        return [CellExposure(int(c), float(km), int(n)) for c, km, n in rows]

    def cell_event_counts(self, resolution: int, event_types: Sequence[str]) -> dict[int, int]:
        """Events of ``event_types`` per H3 cell (one Spark query per resolution, for
        every type; the types are summed here)."""
        if resolution not in self._cell_types:
            rows = (
                self._events.where("h3_cell IS NOT NULL")
                .groupBy(parent_cell("h3_cell", resolution).alias("c"), "type")
                .count()
                .collect()
            )
            self._cell_types[resolution] = {(int(c), str(t)): int(n) for c, t, n in rows}
        wanted = set(event_types)
        counts: dict[int, int] = {}
        for (cell, kind), n in self._cell_types[resolution].items():
            if kind in wanted:
                counts[cell] = counts.get(cell, 0) + n
        return counts

    def cell_period_exposure(self, resolution: int, period: Period, tz: str) -> list[CellPeriod]:
        """Vehicle-km and distinct vehicles per H3 cell and local period."""
        from pyspark.sql import functions as sf

        rows = (
            self._steps.groupBy(
                parent_cell("h3_cell", resolution).alias("c"),
                local_period("ts", period, tz).alias("p"),
            )
            .agg(sf.sum("km"), sf.countDistinct("vehicle_id"))
            .collect()
        )
        out = [CellPeriod(int(c), p, float(km), int(n)) for c, p, km, n in rows]
        return sorted(out, key=lambda x: (x.period, x.cell))

    def cell_period_events(
        self, resolution: int, period: Period, tz: str
    ) -> list[CellPeriodEvents]:
        """Events per H3 cell, local period and type."""
        from pyspark.sql import functions as sf

        rows = (
            self._events.where("h3_cell IS NOT NULL")
            .groupBy(
                parent_cell("h3_cell", resolution).alias("c"),
                local_period("ts", period, tz).alias("p"),
                "type",
            )
            .agg(sf.count(sf.lit(1)), sf.countDistinct("vehicle_id"))
            .collect()
        )
        out = [CellPeriodEvents(int(c), p, str(t), int(n), int(v)) for c, p, t, n, v in rows]
        return sorted(out, key=lambda x: (x.period, x.cell, x.event_type))

    def vehicle_hours(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[VehicleHour]:
        """Each vehicle's kilometres and warnings by type per UTC hour in [since, until);
        a vehicle that warned in an hour without fixes there is kept, with 0 km."""
        from pyspark.sql import functions as sf

        steps, events = self._steps, self._events
        if since is not None:
            steps = steps.where(sf.col("ts") >= sf.lit(since))
            events = events.where(sf.col("ts") >= sf.lit(since))
        if until is not None:
            steps = steps.where(sf.col("ts") < sf.lit(until))
            events = events.where(sf.col("ts") < sf.lit(until))
        km_rows = (
            steps.groupBy("vehicle_id", epoch_hour("ts").alias("h")).agg(sf.sum("km")).collect()
        )
        ev_rows = events.groupBy("vehicle_id", epoch_hour("ts").alias("h"), "type").count()
        panel: dict[tuple[str, int], tuple[float, dict[str, int]]] = {}
        for v, h, km in km_rows:
            panel[(str(v), int(h))] = (float(km), {})
        for v, h, kind, n in ev_rows.collect():
            panel.setdefault((str(v), int(h)), (0.0, {}))[1][str(kind)] = int(n)
        rows = [
            VehicleHour(v, datetime.fromtimestamp(h * 3600, UTC), km, ev)
            for (v, h), (km, ev) in panel.items()
        ]
        return sorted(rows, key=lambda x: (x.vehicle_id, x.hour))
