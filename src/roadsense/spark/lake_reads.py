"""The lake's positions and events as Spark DataFrames.

Only the partitions entered in the lake's manifest are read (a partition being written
is not there yet, see :mod:`roadsense.lake.export`), with the columns the analyses need.
H3 cells are unsigned 64-bit integers in Parquet, which Spark reads as decimals; bit 63
of an H3 index is always 0, so they are read as (signed) longs, the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from roadsense.lake import LakeError, Manifest
from roadsense.lake.export import load_manifest
from roadsense.lake.manifest import MANIFEST_NAME, partition_file
from roadsense.lake.target import LakeTarget
from roadsense.spark.errors import SparkEngineError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

POSITION_COLUMNS = ("vehicle_id", "ts", "speed_mps", "h3_cell")
EVENT_COLUMNS = ("vehicle_id", "ts", "type", "h3_cell")


@dataclass(frozen=True)
class LakeTables:
    """The raw tables an analysis scans."""

    positions: DataFrame
    """vehicle_id, ts, speed_mps, h3_cell (long)"""
    events: DataFrame
    """vehicle_id, ts, type, h3_cell (long, null without a position)"""


def open_lake(lake: str) -> tuple[str, Manifest]:
    """The lake's root as a URI Spark reads, and its manifest; an error line without one."""
    try:
        target = LakeTarget.open(lake, create=False)
        if target.read_text(MANIFEST_NAME) is None:
            raise SparkEngineError(
                f"no roadsense lake at {lake}: write it with `roadsense lake export --to {lake}`"
            )
        manifest = load_manifest(target)
    except LakeError as exc:
        raise SparkEngineError(str(exc)) from exc
    root = lake.rstrip("/") if "://" in lake else Path(target.root).as_uri()
    return root, manifest


def lake_tables(spark: SparkSession, lake: str) -> LakeTables:
    """Positions and events of the lake at ``lake`` (a folder or a URL Spark reads)."""
    root, manifest = open_lake(lake)
    return LakeTables(
        _table(spark, root, manifest, "positions", POSITION_COLUMNS),
        _table(spark, root, manifest, "events", EVENT_COLUMNS),
    )


def _table(
    spark: SparkSession, root: str, manifest: Manifest, table: str, columns: tuple[str, ...]
) -> DataFrame:
    from pyspark.sql import functions as sf
    from pyspark.sql import types as st

    days = sorted(manifest.tables.get(table, {}))
    if not days:
        kinds = {
            "vehicle_id": st.StringType(),
            "ts": st.TimestampType(),
            "speed_mps": st.DoubleType(),
            "h3_cell": st.LongType(),
            "type": st.StringType(),
        }
        schema = st.StructType([st.StructField(c, kinds[c]) for c in columns])
        return spark.createDataFrame([], schema)
    files = [f"{root}/{partition_file(table, day)}" for day in days]
    frame = spark.read.option("basePath", f"{root}/{table}").parquet(*files)
    return frame.select(
        *[sf.col(c).cast("long").alias(c) if c == "h3_cell" else sf.col(c) for c in columns]
    )
