"""Lake rows per UTC day as Arrow (:class:`~roadsense.store.day_rows_store.DayRowsStore`),
written once for both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pyarrow as pa

from roadsense.store.day_rows_store import (
    DEFAULT_BATCH_ROWS,
    LAKE_TABLES,
    MATCH_TABLES,
    RAW_SCHEMAS,
    WHOLE_SCHEMAS,
    WHOLE_TABLES,
    LakeTable,
    WholeTable,
)
from roadsense.store.errors import StoreError
from roadsense.store.sql import SqlBackend

_AS_TEXT = {"batch_id", "event_id"}
"""UUID columns, read as text (the backends' drivers give UUIDs differently)."""


def _table(self: SqlBackend, table: str) -> LakeTable:
    if table not in LAKE_TABLES:
        raise StoreError(f"no lake table {table!r}; choose one of {', '.join(LAKE_TABLES)}")
    if self._fleet_scope is not None:
        raise StoreError("raw rows are read from the whole store, not a fleet's view of it")
    return table


def _select(table: LakeTable) -> str:
    columns = [
        f"CAST({name} AS VARCHAR) AS {name}" if name in _AS_TEXT else name
        for name in RAW_SCHEMAS[table].names
    ]
    return f"SELECT {', '.join(columns)} FROM {table}"


class DayRowsMixin:
    """``lake_table_version``, ``raw_day_counts`` and ``raw_day_rows`` for both SQL backends."""

    def lake_table_version(self: SqlBackend, table: LakeTable) -> str:
        """The road network's digest for the match tables, "" otherwise."""
        if _table(self, table) not in MATCH_TABLES:
            return ""
        with self._read() as r:
            rows = r.fetch("SELECT digest FROM road_network")
        return str(rows[0][0]) if rows else ""

    def raw_day_counts(self: SqlBackend, table: LakeTable) -> dict[date, int]:
        """Rows of ``table`` per UTC day (both backends' sessions run in UTC)."""
        name = _table(self, table)
        with self._read() as r:
            rows = r.fetch(
                f"SELECT CAST(ts AS DATE) AS d, count(*) FROM {name} GROUP BY d ORDER BY d"
            )
        return {_as_date(d): int(n) for d, n in rows}

    def raw_day_rows(
        self: SqlBackend, table: LakeTable, day: date, batch_rows: int = DEFAULT_BATCH_ROWS
    ) -> Iterator[pa.RecordBatch]:
        """The rows of ``table`` on the UTC ``day`` in bounded Arrow record batches."""
        name = _table(self, table)
        start = datetime.combine(day, time(), tzinfo=UTC)
        sql = f"{_select(name)} WHERE ts >= ? AND ts < ? ORDER BY vehicle_id, ts"
        with self._read() as r:
            yield from r.arrow_batches(
                sql, [start, start + timedelta(days=1)], RAW_SCHEMAS[name], batch_rows
            )

    def whole_table_rows(self: SqlBackend, table: WholeTable) -> pa.Table:
        """Every row of a small table, ordered, as one Arrow table (through Python rows:
        the table is small, and an empty one is a table too)."""
        if table not in WHOLE_TABLES:
            raise StoreError(f"no whole lake table {table!r}; choose one of {WHOLE_TABLES}")
        if self._fleet_scope is not None:
            raise StoreError("raw rows are read from the whole store, not a fleet's view of it")
        schema = WHOLE_SCHEMAS[table]
        sql = f"SELECT {', '.join(schema.names)} FROM {table} ORDER BY vehicle_id, valid_from"
        with self._read() as r:
            rows = r.fetch(sql)
        return pa.Table.from_pylist(
            [dict(zip(schema.names, row, strict=True)) for row in rows], schema
        )


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
