"""The membership rule of :mod:`roadsense.store.fleet_membership`, as a Spark join.

A record belongs to the fleet that had its vehicle at the record's time: the membership
period with ``valid_from <= ts`` and ``ts < valid_to`` (or ``valid_to`` null, the open
period); '' when no period holds it. A vehicle's first period begins at
:data:`~roadsense.store.fleet_membership.EARLIEST` in the store, and the lake keeps it so,
so records from before the vehicle was registered belong to its first fleet. Periods never
overlap, so a record matches one period at most. Every per-fleet figure of the Spark
engine is joined here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

NO_FLEET = ""
"""The fleet id of a record whose vehicle was in no fleet then (the store's too)."""


def with_fleet(records: DataFrame, memberships: DataFrame) -> DataFrame:
    """``records`` (with ``vehicle_id`` and ``ts``) and a column ``fleet_id``: the fleet
    that had the vehicle at the record's time, '' for none."""
    from pyspark.sql import functions as sf

    periods = memberships.select(
        sf.col("vehicle_id").alias("_m_vehicle"),
        sf.col("fleet_id").alias("_m_fleet"),
        sf.col("valid_from").alias("_m_from"),
        sf.col("valid_to").alias("_m_to"),
    )
    held = (
        (sf.col("_m_vehicle") == sf.col("vehicle_id"))
        & (sf.col("_m_from") <= sf.col("ts"))
        & (sf.col("_m_to").isNull() | (sf.col("ts") < sf.col("_m_to")))
    )
    joined = records.join(sf.broadcast(periods), held, "left")
    return joined.withColumn("fleet_id", sf.coalesce(sf.col("_m_fleet"), sf.lit(NO_FLEET))).drop(
        "_m_vehicle", "_m_fleet", "_m_from", "_m_to"
    )
