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
    from pyspark.sql import Column, DataFrame


def step_seconds() -> Column:
    """The seconds a fix stands for: the gap to the same vehicle's next fix in the frame
    (over its whole track), capped, 0 for its last."""
    from pyspark.sql import Window
    from pyspark.sql import functions as sf

    track = Window.partitionBy("vehicle_id").orderBy("ts")
    gap_s = (sf.unix_micros(sf.lead("ts").over(track)) - sf.unix_micros(sf.col("ts"))) / 1e6
    return sf.least(sf.coalesce(gap_s, sf.lit(0.0)), sf.lit(MAX_STEP_S))


def position_steps(positions: DataFrame) -> DataFrame:
    """Every fix with its step in km: ``vehicle_id, h3_cell, ts, km``."""
    from pyspark.sql import functions as sf

    speed = sf.when(sf.col("speed_mps") >= MIN_MOVING_MPS, sf.col("speed_mps")).otherwise(
        sf.lit(0.0)
    )
    return positions.select(
        "vehicle_id", "h3_cell", "ts", (speed * step_seconds() / 1000.0).alias("km")
    )


def segment_steps(matched: DataFrame) -> DataFrame:
    """Every fix matched onto a segment with the metres it stands for: ``vehicle_id,
    segment_id, metres``. As the store's ``segment_fixes``: the step runs to the vehicle's
    next fix on a segment (the unmatched ones are left out first), and the distance is
    the matched speed (0 when unknown) times it, in metres, as
    :func:`roadsense.analytics.road_counts.segment_exposure` sums it."""
    from pyspark.sql import functions as sf

    on_road = matched.where(sf.col("matched") & sf.col("segment_id").isNotNull())
    speed = sf.coalesce(sf.col("speed_mps"), sf.lit(0.0))
    return on_road.select("vehicle_id", "segment_id", (speed * step_seconds()).alias("metres"))
