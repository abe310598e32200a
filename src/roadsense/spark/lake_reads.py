"""The lake's positions and events as Spark DataFrames.

Only the partitions entered in the lake's manifest are read (a partition being written
is not there yet, see :mod:`roadsense.lake.export`), with the columns the analyses need;
the fleet memberships are read whole.
H3 cells are unsigned 64-bit integers in Parquet, which Spark reads as decimals; bit 63
of an H3 index is always 0, so they are read as (signed) longs, the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from roadsense.lake import LakeError, Manifest
from roadsense.lake.export import load_manifest
from roadsense.lake.manifest import MANIFEST_NAME, partition_file, whole_file
from roadsense.lake.target import LakeTarget
from roadsense.spark.errors import SparkEngineError
from roadsense.store.day_rows_store import MATCH_TABLES, RAW_SCHEMAS, LakeTable

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

POSITION_COLUMNS = ("vehicle_id", "ts", "speed_mps", "h3_cell")
EVENT_COLUMNS = ("event_id", "vehicle_id", "ts", "type", "lat", "lon", "h3_cell")
MATCHED_POSITION_COLUMNS = ("vehicle_id", "ts", "matched", "segment_id", "speed_mps")
MATCHED_EVENT_COLUMNS = ("event_id", "matched", "segment_id", "road_lon", "road_lat")
_H3_COLUMN = "h3_cell"
"""Unsigned 64-bit in Parquet, read as Spark's long (the module docstring says why)."""


def _ddl(table: LakeTable, columns: tuple[str, ...]) -> str:
    """Spark's DDL of these columns of a lake table, from the lake's own schema
    (``RAW_SCHEMAS``): the schema of an empty table, as read."""
    import pyarrow as pa

    fields = {f.name: f.type for f in RAW_SCHEMAS[table]}

    def kind(column: str) -> str:
        t = fields[column]
        if column == _H3_COLUMN or pa.types.is_int64(t):
            return "long"
        if pa.types.is_timestamp(t):
            return "timestamp"
        if pa.types.is_floating(t):
            return "double"
        if pa.types.is_boolean(t):
            return "boolean"
        if pa.types.is_int32(t):
            return "int"
        if pa.types.is_string(t):
            return "string"
        raise TypeError(f"no Spark type for {table}.{column}: {t}")

    return ", ".join(f"{c} {kind(c)}" for c in columns)


@dataclass(frozen=True)
class LakeTables:
    """The tables an analysis scans."""

    positions: DataFrame
    """vehicle_id, ts, speed_mps, h3_cell (long)"""
    events: DataFrame
    """event_id, vehicle_id, ts, type, lat, lon, h3_cell (long, null without a position)"""
    matched_positions: DataFrame
    """vehicle_id, ts, matched, segment_id, speed_mps"""
    matched_events: DataFrame
    """event_id, matched, segment_id, road_lon, road_lat"""
    road_network: str
    """The digest of the road network the lake's matches were made on ("" for none)."""
    fleet_memberships: DataFrame | None = None
    """vehicle_id, fleet_id, valid_from, valid_to (null: open); None for a lake exported
    before the lake held them."""


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
        _table(spark, root, manifest, "matched_positions", MATCHED_POSITION_COLUMNS),
        _table(spark, root, manifest, "matched_events", MATCHED_EVENT_COLUMNS),
        matches_network(manifest),
        _whole(spark, root, manifest, "fleet_memberships"),
    )


def _whole(spark: SparkSession, root: str, manifest: Manifest, table: str) -> DataFrame | None:
    """A small table the lake holds whole, None when its manifest has no entry for it."""
    if table not in manifest.whole:
        return None
    return spark.read.parquet(f"{root}/{whole_file(table)}")


def matches_network(manifest: Manifest) -> str:
    """The one road network every matched partition was made on; "" when the lake holds
    no matches, and a name no network has when its partitions disagree (an export
    interrupted after a new road import: the next export rewrites them)."""
    networks = {
        p.derived_from for table in MATCH_TABLES for p in manifest.tables.get(table, {}).values()
    }
    if len(networks) > 1:
        return "several networks: " + ", ".join(sorted(networks))
    return networks.pop() if networks else ""


def _table(
    spark: SparkSession, root: str, manifest: Manifest, table: LakeTable, columns: tuple[str, ...]
) -> DataFrame:
    from pyspark.sql import functions as sf

    days = sorted(manifest.tables.get(table, {}))
    if not days:
        return spark.createDataFrame([], _ddl(table, columns))
    files = [f"{root}/{partition_file(table, day)}" for day in days]
    frame = spark.read.option("basePath", f"{root}/{table}").parquet(*files)
    return frame.select(
        *[sf.col(c).cast("long").alias(c) if c == _H3_COLUMN else sf.col(c) for c in columns]
    )
