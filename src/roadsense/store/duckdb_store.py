"""The embedded default store: one DuckDB file, one writer thread fed by a bounded queue.

Uploads are grouped into one transaction per drain of the queue (group commit, see
:mod:`roadsense.store.writer`); an upload is acknowledged only once its transaction
committed. Readers use their own cursors and never block the writer (DuckDB's MVCC).
The registry, the reads and retention are shared with PostgreSQL (``sql_*.py``).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import pyarrow as pa

from roadsense.schema import AdasEvent, Batch
from roadsense.store.day_rows_store import RAW_SCHEMAS
from roadsense.store.device_seen import SeenDevices
from roadsense.store.errors import StoreError
from roadsense.store.event_claims import CONTENT_COLUMNS, claim_events
from roadsense.store.ingest_store import IngestResult, group_results
from roadsense.store.migrations import latest_version, migration_scripts
from roadsense.store.rows import (
    EVENT_COLUMNS,
    LANE_COLUMNS,
    POSITION_COLUMNS,
    SIGN_COLUMNS,
    STATUS_COLUMNS,
    BatchRows,
    flatten,
)
from roadsense.store.sql import DUCKDB, Row, placeholders
from roadsense.store.sql_analytics import AnalyticsMixin
from roadsense.store.sql_day_rows import DayRowsMixin
from roadsense.store.sql_reads import ReadsMixin
from roadsense.store.sql_registry import RegistryMixin
from roadsense.store.sql_retention import RetentionMixin
from roadsense.store.sql_roads import RoadsMixin
from roadsense.store.sql_stored_aggregates import StoredAggregatesMixin
from roadsense.store.writer import GroupWriter

log = logging.getLogger(__name__)

DEFAULT_QUEUE_CAPACITY = 1024
"""Uploads the write queue holds before new ones are refused (429)."""
_MAX_GROUP = 512
"""The most uploads committed in one transaction."""
_LINGER_S = 0.1
"""How long the writer waits for more uploads to commit with one under load (see
:class:`~roadsense.store.writer.GroupWriter`)."""


class _Cursor:
    """A :class:`~roadsense.store.sql.Runner` on a DuckDB cursor."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        return [tuple(row) for row in self.con.execute(sql, list(params)).fetchall()]

    def run(self, sql: str, params: Sequence[object] = ()) -> None:
        self.con.execute(sql, list(params))

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Through columns of Python objects that DuckDB scans (DuckDB binds thousands of
        ``VALUES`` parameters slowly: the matches of one vehicle-hour took 0.1 s that way;
        and building Arrow arrays from Python values makes pyarrow import pandas, 0.3-0.5 s
        for a command that needs none); DuckDB casts each column to the table's type."""
        if not rows:
            return
        frame = {}
        for name, values in zip(columns, zip(*rows, strict=True), strict=True):
            column = np.empty(len(values), dtype=object)
            column[:] = [str(v) if isinstance(v, uuid.UUID) else v for v in values]
            frame[name] = column
        view = f"incoming_{table}"
        self.con.register(view, frame)
        try:
            names = ", ".join(columns)
            self.con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {view}")
        finally:
            self.con.unregister(view)

    def arrow_batches(
        self, sql: str, params: Sequence[object], schema: pa.Schema, rows: int
    ) -> Iterator[pa.RecordBatch]:
        reader = self.con.sql(sql, params=list(params)).to_arrow_reader(rows)
        for chunk in reader:
            if chunk.num_rows:
                yield chunk.cast(schema)


class DuckDBStore(
    RegistryMixin,
    ReadsMixin,
    RetentionMixin,
    RoadsMixin,
    AnalyticsMixin,
    StoredAggregatesMixin,
    DayRowsMixin,
):
    """A :class:`~roadsense.store.base.Store` in one DuckDB file."""

    backend: Literal["duckdb", "postgresql"] = "duckdb"
    dialect = DUCKDB

    def __init__(
        self,
        path: Path | str,
        *,
        read_only: bool = False,
        queue_capacity: int = DEFAULT_QUEUE_CAPACITY,
    ) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.read_only = read_only
        self._fleet_scope: str | None = None
        if read_only and not self.path.exists():
            raise StoreError(f"no store at {self.path}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreError(
                f"cannot open the store {self.path}: {exc}. Is a roadsense server using it? "
                "Stop it, or use its API."
            ) from exc
        except duckdb.Error as exc:
            raise StoreError(f"{self.path} is not a readable DuckDB store: {exc}") from exc
        self._con.execute("SET TimeZone = 'UTC'")
        self._cursor_lock = threading.Lock()
        self._closed = False
        self._writer: GroupWriter | None = None
        self._seen = SeenDevices()
        if not read_only:
            self._migrate()
            self._writer_con = self._con.cursor()
            self._writer = GroupWriter(
                "duckdb-writer",
                self._commit,
                capacity=queue_capacity,
                max_group=_MAX_GROUP,
                linger_s=_LINGER_S,
            )

    # -- schema ------------------------------------------------------------------------

    def _migrate(self) -> None:
        con = self._con
        con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
        )
        current = self.schema_version()
        newest = latest_version("duckdb")
        if current > newest:
            raise StoreError(
                f"the store {self.path} has schema version {current}, newer than this "
                f"roadsense understands ({newest}); upgrade roadsense"
            )
        applied = {
            int(v) for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()
        }
        for version, script in migration_scripts("duckdb"):
            if version in applied:
                continue
            log.info("migrating %s to schema version %d", self.path, version)
            con.execute("BEGIN")
            try:
                con.execute(script)
                con.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?)", [version, datetime.now(UTC)]
                )
                con.execute("COMMIT")
            except duckdb.Error:
                con.execute("ROLLBACK")
                raise

    def schema_version(self) -> int:
        """The newest migration applied to this store."""
        row = (
            self._cursor()
            .execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
            .fetchone()
        )
        return int(row[0]) if row else 0

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        with self._cursor_lock:
            return self._con.cursor()

    @contextmanager
    def _read(self) -> Iterator[_Cursor]:
        yield _Cursor(self._cursor())

    @contextmanager
    def _tx(self) -> Iterator[_Cursor]:
        if self.read_only or self._fleet_scope is not None:
            raise StoreError("the store is read-only")
        con = self._cursor()
        con.execute("BEGIN")
        try:
            yield _Cursor(con)
        except BaseException as exc:
            con.execute("ROLLBACK")
            if isinstance(exc, duckdb.ConstraintException | duckdb.TransactionException):
                raise StoreError(f"conflicting change, nothing was stored: {exc}") from exc
            raise
        con.execute("COMMIT")

    def ping(self) -> None:
        """Raise StoreError unless the store answers a query now."""
        try:
            self._cursor().execute("SELECT 1").fetchall()
        except duckdb.Error as exc:
            raise StoreError(f"the store does not answer: {exc}") from exc

    def scoped(self, fleet_id: str) -> DuckDBStore:
        """A read-only view whose reads see only the vehicles of one fleet."""
        view = copy.copy(self)
        view._fleet_scope = fleet_id
        return view

    # -- writes ------------------------------------------------------------------------

    def ingest(self, batch: Batch) -> IngestResult:
        """Queue the batch for the writer and wait until it is committed."""
        return self.submit(batch).result()

    def submit(self, batch: Batch) -> Future[IngestResult]:
        """Queue the batch for the writer; the future resolves once it is committed."""
        if self._closed or self._writer is None or self._fleet_scope is not None:
            raise StoreError("the store is closed or read-only")
        return self._writer.submit(batch)

    def submit_async(self, batch: Batch) -> asyncio.Future[IngestResult]:
        """:meth:`submit` from a running event loop: an asyncio future."""
        if self._closed or self._writer is None or self._fleet_scope is not None:
            raise StoreError("the store is closed or read-only")
        return self._writer.submit_async(batch)

    def queue_depth(self) -> int:
        """Uploads waiting for the writer."""
        return self._writer.depth() if self._writer else 0

    def queue_capacity(self) -> int:
        """The most uploads the write queue holds."""
        return self._writer.capacity if self._writer else 0

    def _commit(self, batches: list[Batch]) -> list[IngestResult]:
        try:
            return self._commit_once(batches, optimistic=True)
        except _EventSeenBeforeError:
            return self._commit_once(batches, optimistic=False)

    def _commit_once(self, batches: list[Batch], *, optimistic: bool) -> list[IngestResult]:
        con = self._writer_con
        con.execute("BEGIN")
        try:
            results = self._write(con, batches, optimistic=optimistic)
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")
        return results

    def _write(
        self, con: duckdb.DuckDBPyConnection, batches: list[Batch], *, optimistic: bool
    ) -> list[IngestResult]:
        """Store the new ones of ``batches`` in the open transaction.

        Event ids are claimed (:func:`~roadsense.store.event_claims.claim_events`) by
        reading the stored content of every id first, except when ``optimistic``: then,
        if no id repeats within the group, the events are inserted straight away, and only
        if one of them was already stored (the insert skipped it) is
        :class:`_EventSeenBeforeError` raised, the transaction rolled back and the group written
        again with the full claim. A fleet's new events rarely repeat, so this saves a
        query per commit.
        """
        now = datetime.now(UTC)
        unique: dict[Any, Batch] = {}
        for b in batches:
            unique.setdefault(b.batch_id, b)
        claimed = {
            uuid.UUID(str(row[0]))
            for row in _insert_arrow(
                con,
                "batches",
                ("batch_id", "device_id", "schema_version", "received_at", "items"),
                _BATCH_TYPES,
                [
                    (b.batch_id, b.device_id, b.schema_version, now, len(b.items))
                    for b in unique.values()
                ],
                verb="INSERT OR IGNORE",
                returning="batch_id",
            )
        }
        new = [b for bid, b in unique.items() if bid in claimed]
        conflicts: dict[uuid.UUID, list[uuid.UUID]] = {}
        if optimistic and _event_ids_unique(new):
            fresh = new
        else:
            optimistic = False
            fresh, conflicts = claim_events(new, partial(_stored_events, con))
        if conflicts:  # a refused batch leaves no trace: its id may come again, fixed
            con.execute(
                "DELETE FROM batches WHERE batch_id IN (SELECT unnest(?::UUID[]))",
                [[str(i) for i in conflicts]],
            )
            claimed -= conflicts.keys()
        rows = flatten(fresh) if fresh else BatchRows()
        if fresh and _insert_rows(con, rows) < len(rows.events) and optimistic:
            raise _EventSeenBeforeError
        seen = self._seen.note((b.device_id for b in fresh), now, loaded=len(batches) > 1)
        if seen:
            _write_seen(con, seen)
        return group_results(batches, claimed, conflicts, rows.counts)

    def close(self) -> None:
        """Finish pending writes and release the file (a scoped view closes nothing)."""
        if self._closed or self._fleet_scope is not None:
            return
        self._closed = True
        if self._writer is not None:
            self._writer.close()
            seen = self._seen.drain()
            if seen:
                with self._tx() as cur:
                    _write_seen(cur.con, seen)
        self._con.close()

    def __enter__(self) -> DuckDBStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _write_seen(con: duckdb.DuckDBPyConnection, seen: list[tuple[str, datetime]]) -> None:
    """Upsert when devices were last heard from (see :mod:`roadsense.store.device_seen`)."""
    _insert_arrow(
        con,
        "device_seen",
        ("device_id", "last_seen_at"),
        _SEEN_TYPES,
        seen,
        tail="ON CONFLICT (device_id) DO UPDATE SET last_seen_at = "
        "greatest(device_seen.last_seen_at, excluded.last_seen_at)",
    )


def _stored_events(con: duckdb.DuckDBPyConnection, ids: list[uuid.UUID]) -> list[Row]:
    """The content of those of the events ``ids`` the store holds (see event_claims)."""
    return [
        tuple(r)
        for r in con.execute(
            f"SELECT {', '.join(CONTENT_COLUMNS)} FROM events "
            "WHERE event_id IN (SELECT unnest(?::UUID[]))",
            [[str(i) for i in ids]],
        ).fetchall()
    ]


class _EventSeenBeforeError(Exception):
    """An optimistic commit met an event id the store already held (see ``_write``)."""


def _event_ids_unique(batches: list[Batch]) -> bool:
    ids = [item.event_id for b in batches for item in b.items if isinstance(item, AdasEvent)]
    return len(ids) == len(set(ids))


def _insert_rows(con: duckdb.DuckDBPyConnection, rows: BatchRows) -> int:
    """Insert flattened rows: positions and events through Arrow, the rest row by row.

    Returns how many of the events were new (an id already stored is skipped)."""
    stored_events = 0
    if rows.positions:
        _insert_arrow(con, "positions", POSITION_COLUMNS, _POSITION_TYPES, rows.positions)
    if rows.events:
        stored = _insert_arrow(
            con,
            "events",
            EVENT_COLUMNS,
            _EVENT_TYPES,
            rows.events,
            verb="INSERT OR IGNORE",
            returning="event_id",
        )
        rows.count_stored_events([event_id for (event_id,) in stored])
        stored_events = len(stored)
    for table, columns, data in (
        ("sign_sightings", SIGN_COLUMNS, rows.signs),
        ("lane_samples", LANE_COLUMNS, rows.lanes),
        ("device_status", STATUS_COLUMNS, rows.statuses),
    ):
        if data:
            con.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders(len(columns))})",
                [
                    [str(v) if c == "batch_id" else v for c, v in zip(columns, r, strict=True)]
                    for r in data
                ],
            )
    return stored_events


def _insert_arrow(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: tuple[str, ...],
    types: dict[str, pa.DataType],
    data: list[tuple[Any, ...]],
    *,
    verb: str = "INSERT",
    returning: str | None = None,
    tail: str = "",
) -> list[Row]:
    arrays = {}
    for name, values in zip(columns, zip(*data, strict=True), strict=True):
        if name == "batch_id":  # the same few ids on many rows: each made text once
            text = {v: str(v) for v in set(values)}
            values = tuple(text[v] for v in values)
        elif name == "event_id":
            values = tuple(str(v) for v in values)
        arrays[name] = pa.array(values, type=types[name])
    view = f"incoming_{table}"
    con.register(view, pa.table(arrays))
    select = ", ".join(f"{c}::UUID" if c in ("batch_id", "event_id") else c for c in columns)
    sql = f"{verb} INTO {table} ({', '.join(columns)}) SELECT {select} FROM {view} {tail}"
    if returning:
        sql += f" RETURNING {returning}"
    try:
        cur = con.execute(sql)
        return [tuple(r) for r in cur.fetchall()] if returning else []
    finally:
        con.unregister(view)


_TS = pa.timestamp("us", tz="UTC")
_POSITION_TYPES: dict[str, pa.DataType] = {f.name: f.type for f in RAW_SCHEMAS["positions"]}
_BATCH_TYPES: dict[str, pa.DataType] = {
    "batch_id": pa.string(),
    "device_id": pa.string(),
    "schema_version": pa.int32(),
    "received_at": _TS,
    "items": pa.int32(),
}
_SEEN_TYPES: dict[str, pa.DataType] = {"device_id": pa.string(), "last_seen_at": _TS}
_EVENT_TYPES: dict[str, pa.DataType] = {f.name: f.type for f in RAW_SCHEMAS["events"]}
