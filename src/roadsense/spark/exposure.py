"""The exposure rule of :mod:`roadsense.store.exposure`, as Spark columns.

A fix stands for the time until the same vehicle's next fix (over its whole track, not
its day), capped at :data:`~roadsense.store.exposure.MAX_STEP_S`, and 0 for its last
fix; its distance is its speed (0 when unknown or under
:data:`~roadsense.store.exposure.MIN_MOVING_MPS`) times that time. The constants are the
store's; this module only writes the same arithmetic in Spark's column language, in the
same order (speed times step, then divided by 1000), so that each fix's km is the same
double as the store's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from roadsense.store.exposure import MAX_STEP_S, MIN_MOVING_MPS

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def position_steps(positions: DataFrame) -> DataFrame:
    """Every fix with its step in km: ``vehicle_id, h3_cell, ts, km``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as sf

    track = Window.partitionBy("vehicle_id").orderBy("ts")
    gap_s = (sf.unix_micros(sf.lead("ts").over(track)) - sf.unix_micros(sf.col("ts"))) / 1e6
    step_s = sf.least(sf.coalesce(gap_s, sf.lit(0.0)), sf.lit(MAX_STEP_S))
    speed = sf.when(sf.col("speed_mps") >= MIN_MOVING_MPS, sf.col("speed_mps")).otherwise(
        sf.lit(0.0)
    )
    return positions.select("vehicle_id", "h3_cell", "ts", (speed * step_s / 1000.0).alias("km"))
