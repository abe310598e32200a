"""Raw rows one UTC day at a time, as Arrow: what the Parquet lake is written from.

The four tables of raw records (positions, events, sign sightings, lane samples) are read
whole, a day at a time and in bounded record batches, with the same Arrow schema from
both backends, so that what leaves the store for the lake does not depend on the backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Literal, Protocol, get_args

import pyarrow as pa

RawTable = Literal["positions", "events", "sign_sightings", "lane_samples"]
RAW_TABLES: tuple[RawTable, ...] = get_args(RawTable)

_TS = pa.timestamp("us", tz="UTC")
_F = pa.float64()
_S = pa.string()

RAW_SCHEMAS: dict[RawTable, pa.Schema] = {
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
}
"""The Arrow schema of each raw table's rows, the same from both backends (ids as text)."""

DEFAULT_BATCH_ROWS = 65_536
"""Rows per record batch: what one read holds in memory at a time."""


class DayRowsStore(Protocol):
    """The raw tables read a UTC day at a time (for the Parquet lake)."""

    def raw_day_counts(self, table: RawTable) -> dict[date, int]:
        """How many rows of ``table`` the store holds per UTC day (days with none left out)."""
        ...

    def raw_day_rows(
        self, table: RawTable, day: date, batch_rows: int = DEFAULT_BATCH_ROWS
    ) -> Iterator[pa.RecordBatch]:
        """The rows of ``table`` on the UTC ``day``, ordered by vehicle and time, in record
        batches of at most ``batch_rows`` with the schema ``RAW_SCHEMAS[table]``."""
        ...
