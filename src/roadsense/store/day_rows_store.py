"""Rows one UTC day at a time, as Arrow: what the Parquet lake is written from.

The four tables of raw records (positions, events, sign sightings, lane samples) and the
two tables of map matches the analyses scan (matched positions and events) are read
whole, a day at a time and in bounded record batches, with the same Arrow schema from
both backends, so that what leaves the store for the lake does not depend on the backend.
Small tables (the fleet memberships) are read whole.
Matches are made against one road network: :meth:`DayRowsStore.lake_table_version` names
it (its digest), so that a lake's matches are rewritten when the network is replaced.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Literal, Protocol, get_args

import pyarrow as pa

RawTable = Literal["positions", "events", "sign_sightings", "lane_samples"]
RAW_TABLES: tuple[RawTable, ...] = get_args(RawTable)
MatchTable = Literal["matched_positions", "matched_events"]
MATCH_TABLES: tuple[MatchTable, ...] = get_args(MatchTable)
LakeTable = RawTable | MatchTable
LAKE_TABLES: tuple[LakeTable, ...] = RAW_TABLES + MATCH_TABLES
"""Every table the lake holds by UTC day: the raw records, then the map matches."""
WholeTable = Literal["fleet_memberships"]
WHOLE_TABLES: tuple[WholeTable, ...] = get_args(WholeTable)
"""Small tables the lake holds whole, replaced at each export: which fleet had which vehicle
when (``store.fleet_membership``), for the per-fleet figures Spark computes."""

_TS = pa.timestamp("us", tz="UTC")
_F = pa.float64()
_S = pa.string()

RAW_SCHEMAS: dict[LakeTable, pa.Schema] = {
    "positions": pa.schema(
        [
            pa.field("vehicle_id", _S, nullable=False),
            pa.field("ts", _TS, nullable=False),
            pa.field("lat", _F, nullable=False),
            pa.field("lon", _F, nullable=False),
            pa.field("speed_mps", _F),
            pa.field("heading_deg", _F),
            pa.field("hdop", _F),
            pa.field("h3_cell", pa.uint64(), nullable=False),
            pa.field("batch_id", _S, nullable=False),
        ]
    ),
    "events": pa.schema(
        [
            pa.field("event_id", _S, nullable=False),
            pa.field("vehicle_id", _S, nullable=False),
            pa.field("ts", _TS, nullable=False),
            pa.field("type", _S, nullable=False),
            pa.field("level", pa.int32(), nullable=False),
            pa.field("duration_s", _F, nullable=False),
            pa.field("lat", _F),
            pa.field("lon", _F),
            pa.field("h3_cell", pa.uint64()),
            pa.field("position_flag", _S, nullable=False),
            pa.field("speed_mps", _F),
            pa.field("ttc_s", _F),
            pa.field("headway_s", _F),
            pa.field("speed_limit_kmh", _F),
            pa.field("lateral_m", _F),
            pa.field("source", _S, nullable=False),
            pa.field("raw", pa.list_(_S)),
            pa.field("batch_id", _S, nullable=False),
        ]
    ),
    "sign_sightings": pa.schema(
        [
            pa.field("vehicle_id", _S, nullable=False),
            pa.field("ts", _TS, nullable=False),
            pa.field("lat", _F),
            pa.field("lon", _F),
            pa.field("sign_type", _S, nullable=False),
            pa.field("value", _F),
            pa.field("confidence", _F, nullable=False),
            pa.field("batch_id", _S, nullable=False),
        ]
    ),
    "lane_samples": pa.schema(
        [
            pa.field("vehicle_id", _S, nullable=False),
            pa.field("ts", _TS, nullable=False),
            pa.field("lat", _F),
            pa.field("lon", _F),
            pa.field("side", _S, nullable=False),
            pa.field("marking_type", _S, nullable=False),
            pa.field("quality", pa.int32(), nullable=False),
            pa.field("lateral_m", _F),
            pa.field("batch_id", _S, nullable=False),
        ]
    ),
    "matched_positions": pa.schema(
        [
            pa.field("vehicle_id", _S, nullable=False),
            pa.field("ts", _TS, nullable=False),
            pa.field("matched", pa.bool_(), nullable=False),
            pa.field("osm_way_id", pa.int64()),
            pa.field("segment_id", _S),
            pa.field("distance_m", _F),
            pa.field("quality", _F, nullable=False),
            pa.field("trip", pa.int32()),
            pa.field("speed_mps", _F),
        ]
    ),
    "matched_events": pa.schema(
        [
            pa.field("event_id", _S, nullable=False),
            pa.field("vehicle_id", _S, nullable=False),
            pa.field("ts", _TS, nullable=False),
            pa.field("matched", pa.bool_(), nullable=False),
            pa.field("osm_way_id", pa.int64()),
            pa.field("segment_id", _S),
            pa.field("road_lon", _F),
            pa.field("road_lat", _F),
        ]
    ),
}
"""The Arrow schema of each lake table's rows, the same from both backends (ids as text)."""

WHOLE_SCHEMAS: dict[WholeTable, pa.Schema] = {
    "fleet_memberships": pa.schema(
        [
            pa.field("vehicle_id", _S, nullable=False),
            pa.field("fleet_id", _S, nullable=False),
            pa.field("valid_from", _TS, nullable=False),
            pa.field("valid_to", _TS),
        ]
    ),
}
"""The Arrow schema of each whole table (``valid_to`` NULL: the open period)."""

DEFAULT_BATCH_ROWS = 65_536
"""Rows per record batch: what one read holds in memory at a time."""


class DayRowsStore(Protocol):
    """The lake's tables read a UTC day at a time (for the Parquet lake)."""

    def lake_table_version(self, table: LakeTable) -> str:
        """What a table's rows were derived from: the road network's digest for the match
        tables ("" without a network), "" for the raw records."""
        ...

    def raw_day_counts(self, table: LakeTable) -> dict[date, int]:
        """How many rows of ``table`` the store holds per UTC day (days with none left out)."""
        ...

    def raw_day_rows(
        self, table: LakeTable, day: date, batch_rows: int = DEFAULT_BATCH_ROWS
    ) -> Iterator[pa.RecordBatch]:
        """The rows of ``table`` on the UTC ``day``, ordered by vehicle and time, in record
        batches of at most ``batch_rows`` with the schema ``RAW_SCHEMAS[table]``."""
        ...

    def whole_table_rows(self, table: WholeTable) -> pa.Table:
        """Every row of the small ``table``, with the schema ``WHOLE_SCHEMAS[table]``."""
        ...
