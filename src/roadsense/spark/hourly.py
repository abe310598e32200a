"""The dashboard's hourly aggregates, computed by Spark from the lake.

The rows of :meth:`~roadsense.store.read_store.ReadStore.hourly_aggregates` (what the
server's cube is built from), from the same fixes and steps as the other figures of
:class:`~roadsense.spark.source.SparkSource` (:func:`~roadsense.spark.exposure.position_steps`,
each step over its vehicle's whole track) and with each fix and event counted for the fleet
that had its vehicle at its time (:func:`~roadsense.spark.fleets.with_fleet`):

- exposure per UTC hour, H3 cell and fleet (km, distinct vehicles);
- kilometres and positions per vehicle, hour and fleet;
- distinct vehicles per cell and fleet over every hour;
- events with a cell per hour, cell, fleet and type; every event per vehicle, hour, type
  and fleet.

What the lake does not hold is not here: the batches per fleet and the store's roll-up of
pruned positions (``position_rollup``: the lake holds raw rows only, and an export after a
prune removes the pruned rows from it). The store adds both
(:meth:`~roadsense.store.read_store.ReadStore.completed_hourly_aggregates`, small reads, no
scan of positions), as it does to its own scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roadsense.spark.cells import epoch_hour, parent_cell
from roadsense.spark.errors import SparkEngineError
from roadsense.spark.fleets import with_fleet
from roadsense.store.analytics_rows import (
    CellHourEvents,
    CellHourExposure,
    CellVehicles,
    HourlyAggregates,
    VehicleHourEvents,
    VehicleHourExposure,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def hourly_aggregates(
    steps: DataFrame,
    events: DataFrame,
    memberships: DataFrame | None,
    resolution: int,
) -> HourlyAggregates:
    """The hourly aggregates of ``steps`` (``position_steps``'s fixes) and ``events`` at
    ``resolution`` (no batches: the lake holds none)."""
    from pyspark.sql import functions as sf

    if memberships is None:
        raise SparkEngineError(
            "the lake holds no fleet memberships (it was exported by an older roadsense): "
            "run `roadsense lake export` again"
        )
    # per vehicle, hour, cell and fleet first (the store's inner grouping), then the rest
    fixes = with_fleet(steps, memberships).select(
        "vehicle_id",
        epoch_hour("ts").alias("h"),
        parent_cell("h3_cell", resolution).alias("c"),
        "fleet_id",
        "km",
    )
    q = (
        fixes.groupBy("vehicle_id", "h", "c", "fleet_id")
        .agg(sf.sum("km").alias("km"), sf.count(sf.lit(1)).alias("n"))
        .cache()
    )
    try:
        cells = [
            CellHourExposure(int(h), int(c), str(f), float(km), int(n))
            for h, c, f, km, n in q.groupBy("h", "c", "fleet_id")
            .agg(sf.sum("km"), sf.count(sf.lit(1)))
            .collect()
        ]
        vehicles = [
            VehicleHourExposure(str(v), int(h), float(km), int(n), str(f))
            for v, h, f, km, n in q.groupBy("vehicle_id", "h", "fleet_id")
            .agg(sf.sum("km"), sf.sum("n"))
            .collect()
        ]
        cell_vehicles = [
            CellVehicles(int(c), str(f), int(n))
            for c, f, n in q.groupBy("c", "fleet_id").agg(sf.countDistinct("vehicle_id")).collect()
        ]
    finally:
        q.unpersist()
    fleet_events = with_fleet(events, memberships).select(
        "vehicle_id",
        epoch_hour("ts").alias("h"),
        "h3_cell",
        "fleet_id",
        "type",
    )
    cell_events = [
        CellHourEvents(int(h), int(c), str(f), str(t), int(n))
        for h, c, f, t, n in fleet_events.where(sf.col("h3_cell").isNotNull())
        .groupBy("h", parent_cell("h3_cell", resolution).alias("c"), "fleet_id", "type")
        .count()
        .collect()
    ]
    vehicle_events = [
        VehicleHourEvents(str(v), int(h), str(t), int(n), str(f))
        for v, h, t, f, n in fleet_events.groupBy("vehicle_id", "h", "type", "fleet_id")
        .count()
        .collect()
    ]
    return HourlyAggregates(
        cells=cells,
        vehicles=vehicles,
        cell_events=cell_events,
        vehicle_events=vehicle_events,
        cell_vehicles=cell_vehicles,
    )
