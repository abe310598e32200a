""":class:`SparkSource`: the aggregated rows of an analysis, computed by Spark from the lake.

Each method is one grouped Spark query whose small result comes back to the driver as
the store's row types, so that :func:`roadsense.analytics.analyze.analyze` fits its
models on them as it does on the store's. The fixes with their exposure steps (the one
window over each vehicle's track) are computed once and cached for every query.

Segments and junctions are screened from the lake's map matches (the store's, exported
with them) against the store's road network, when the matches are of that network.

The lake holds raw rows (and the fleet memberships) only: what the store's retention rolled
up and pruned (``position_rollup``) is neither in the lake nor in these figures (see
docs/usage.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from roadsense.analytics.road_counts import SegmentExposure, count_near_junctions, event_point
from roadsense.analytics.speeds import SpeedCell, SpeedCells
from roadsense.spark.cells import epoch_hour, local_period, parent_cell
from roadsense.spark.exposure import position_steps, segment_steps
from roadsense.spark.hourly import hourly_aggregates
from roadsense.spark.lake_reads import LakeTables
from roadsense.store import Junction, Totals
from roadsense.store.analytics_rows import (
    CellPeriod,
    CellPeriodEvents,
    HourlyAggregates,
    Period,
    VehicleHour,
)
from roadsense.store.read_store import CellExposure

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, Row


class SparkSource:
    """An :class:`~roadsense.analytics.analysis_source.AnalysisSource` over the lake."""

    engine = "spark"

    def __init__(self, tables: LakeTables) -> None:
        self._events = tables.events
        self._matched_events = tables.matched_events
        self._matched_positions = tables.matched_positions
        self.road_network = tables.road_network
        self._memberships = tables.fleet_memberships
        self._steps: DataFrame = position_steps(tables.positions).cache()
        self._cell_types: dict[int, dict[tuple[int, str], int]] = {}
        self._segments: list[SegmentExposure] | None = None

    def close(self) -> None:
        """Drop the cached steps."""
        self._steps.unpersist()

    def hourly_aggregates(self, resolution: int) -> HourlyAggregates:
        """The dashboard's hourly aggregates (``Store.hourly_aggregates``) of the lake's raw
        rows, each fix and event for the fleet that had its vehicle then (see
        :mod:`roadsense.spark.hourly`; ``Store.completed_hourly_aggregates`` adds the rest)."""
        return hourly_aggregates(self._steps, self._events, self._memberships, resolution)

    def segment_exposure(self) -> list[SegmentExposure]:
        """Metres and distinct vehicles per segment, from the lake's matched fixes."""
        from pyspark.sql import functions as sf

        if self._segments is None:
            rows = (
                segment_steps(self._matched_positions)
                .groupBy("segment_id")
                .agg(sf.sum("metres"), sf.countDistinct("vehicle_id"))
                .collect()
            )
            self._segments = [SegmentExposure(str(s), float(m), int(n)) for s, m, n in rows]
        return self._segments

    def segment_event_counts(self, event_types: Sequence[str]) -> dict[str, int]:
        """Events of ``event_types`` matched onto each segment."""
        from pyspark.sql import functions as sf

        on_road = self._matched_events.where(
            sf.col("matched") & sf.col("segment_id").isNotNull()
        ).select("event_id", "segment_id")
        rows = (
            self._typed_events(event_types)
            .select("event_id")
            .join(on_road, "event_id")
            .groupBy("segment_id")
            .count()
            .collect()
        )
        return {str(s): int(n) for s, n in rows}

    def junction_event_counts(
        self, junctions: Sequence[Junction], radius_m: float, event_types: Sequence[str]
    ) -> list[int]:
        """Events of ``event_types`` near each junction, counted on the executors by the
        embedded engine's own function over each partition's events, then summed."""
        from pyspark.sql import functions as sf

        placed = self._typed_events(event_types).join(
            self._matched_events.select("event_id", "matched", "road_lon", "road_lat"),
            "event_id",
            "left",
        )
        points = placed.select(
            sf.coalesce(sf.col("matched"), sf.lit(False)), "lon", "lat", "road_lon", "road_lat"
        )
        sites = list(junctions)
        zero = [0] * len(sites)
        return points.rdd.mapPartitions(partial(_near, sites, radius_m)).fold(zero, _add)

    def speed_cells(self, tz: str, limits: Mapping[str, float | None]) -> SpeedCells:
        """Speeds per segment and local hour of the week: Spark's exact ``percentile``
        (linear between the nearest ranks, as numpy's default), fixes over the limit."""
        from pyspark.sql import functions as sf

        fixes = self._matched_positions.where(
            sf.col("matched") & sf.col("segment_id").isNotNull() & sf.col("speed_mps").isNotNull()
        )
        local = sf.from_utc_timestamp(sf.col("ts"), tz)
        kmh = fixes.select(
            "segment_id",
            "vehicle_id",
            (sf.col("speed_mps") * 3.6).alias("kmh"),
            (((sf.dayofweek(local) + 5) % 7) * 24 + sf.hour(local)).alias("how"),
        )
        known = [(seg, float(limit)) for seg, limit in limits.items() if limit]
        limit_rows = self._events.sparkSession.createDataFrame(
            known, "segment_id string, limit_kmh double"
        )
        over = sf.when(sf.col("kmh") > sf.col("limit_kmh"), 1).otherwise(0)
        rows = (
            kmh.join(sf.broadcast(limit_rows), "segment_id", "left")
            .groupBy("segment_id", "how")
            .agg(
                sf.avg("kmh"),
                sf.percentile("kmh", sf.lit(0.5)),
                sf.percentile("kmh", sf.lit(0.85)),
                sf.count(sf.lit(1)),
                sf.countDistinct("vehicle_id"),
                sf.sum(over),
            )
            .collect()
        )
        free = kmh.groupBy("segment_id").agg(sf.percentile("kmh", sf.lit(0.85))).collect()
        return SpeedCells(
            [
                SpeedCell(str(s), int(h), float(m), float(p50), float(p85), int(n), int(v), int(o))
                for s, h, m, p50, p85, n, v, o in rows
            ],
            {str(s): float(p) for s, p in free},
        )

    def _typed_events(self, event_types: Sequence[str]) -> DataFrame:
        from pyspark.sql import functions as sf

        return self._events.where(sf.col("type").isin(list(event_types)))

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


def _near(sites: list[Junction], radius_m: float, rows: Iterable[Row]) -> Iterator[list[int]]:
    """One partition's counts near each junction (run on an executor)."""
    points = (event_point(bool(m), lon, lat, rlon, rlat) for m, lon, lat, rlon, rlat in rows)
    yield count_near_junctions((p for p in points if p is not None), sites, radius_m)


def _add(a: list[int], b: list[int]) -> list[int]:
    return [x + y for x, y in zip(a, b, strict=True)]
