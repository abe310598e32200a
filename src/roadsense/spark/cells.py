"""H3 parents and local periods as Spark columns (the store's rules, in Spark's terms)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from roadsense.store.analytics_rows import PERIODS
from roadsense.store.h3cells import parent_masks

if TYPE_CHECKING:
    from pyspark.sql import Column


def parent_cell(column: str, resolution: int) -> Column:
    """The parent at ``resolution`` of the fine H3 cells (longs) in ``column``: the bit
    arithmetic of :func:`roadsense.store.h3cells.parent_masks`."""
    from pyspark.sql import functions as sf

    keep, set_bits = parent_masks(resolution)
    return sf.col(column).bitwiseAND(sf.lit(keep)).bitwiseOR(sf.lit(set_bits))


def local_period(column: str, period: str, tz: str) -> Column:
    """The local calendar ``period`` (day, week from Monday, month, quarter) of a UTC
    timestamp column, as a date: what the store's ``date_trunc(p, ts AT TIME ZONE tz)``
    gives."""
    from pyspark.sql import functions as sf

    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    return sf.to_date(sf.date_trunc(period, sf.from_utc_timestamp(sf.col(column), tz)))


def epoch_hour(column: str) -> Column:
    """Hours since the epoch of a UTC timestamp column (its UTC hour)."""
    from pyspark.sql import functions as sf

    return sf.floor(sf.unix_seconds(sf.col(column)) / 3600).cast("long")
