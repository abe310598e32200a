"""The production store: PostgreSQL with PostGIS, for several server processes at once.

Each process has one writer connection fed by a bounded queue (group commit, as for
DuckDB) and a small pool for reads and the registry. Records go in with ``COPY``;
batch ids and event ids are unique keys, so two processes given the same batch or event
store it once (``ON CONFLICT DO NOTHING``). Commits are synchronous (PostgreSQL's
default), so an acknowledged upload survives a crash of the server or the database.
"""

from __future__ import annotations

import asyncio
import copy
import io
import logging
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
from psycopg_pool import ConnectionPool, PoolTimeout

from roadsense.schema import Batch
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
from roadsense.store.sql import POSTGRESQL, Row, values_insert
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
_MAX_GROUP = 512
_LINGER_S = 0.02
"""How long the writer waits for more uploads to commit with one under load (see
:class:`~roadsense.store.writer.GroupWriter`)."""
_MIGRATION_LOCK = 0x726F6164  # pg_advisory_lock key: one process migrates at a time


class _Conn:
    """A :class:`~roadsense.store.sql.Runner` on a psycopg connection (``?`` placeholders)."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        cur = self.conn.execute(sql.replace("?", "%s"), list(params) or None)
        return [tuple(r) for r in cur.fetchall()]

    def run(self, sql: str, params: Sequence[object] = ()) -> None:
        self.conn.execute(sql.replace("?", "%s"), list(params) or None)

    def insert(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        values_insert(self, table, columns, rows)

    def arrow_batches(
        self, sql: str, params: Sequence[object], schema: pa.Schema, rows: int
    ) -> Iterator[pa.RecordBatch]:
        """Streamed as CSV by ``COPY`` and parsed by Arrow (about ten times faster than
        rows through the driver); through a server-side cursor where a column is a list."""
        if any(pa.types.is_list(f.type) for f in schema):
            yield from self._fetched_batches(sql, params, schema, rows)
            return
        query = psycopg.ClientCursor(self.conn).mogrify(sql.replace("?", "%s"), list(params))
        with self.conn.cursor() as cur, cur.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)") as copy:
            reader = pacsv.open_csv(
                _CopyStream(iter(copy)),
                read_options=pacsv.ReadOptions(
                    column_names=schema.names, block_size=max(rows * 128, 1 << 16)
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=schema,
                    null_values=[""],  # COPY's NULL; an empty text is quoted ("")
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=False,
                    true_values=["t"],  # how COPY writes a boolean
                    false_values=["f"],
                ),
            )
            for chunk in reader:
                if chunk.num_rows:
                    yield chunk.cast(schema)

    def _fetched_batches(
        self, sql: str, params: Sequence[object], schema: pa.Schema, rows: int
    ) -> Iterator[pa.RecordBatch]:
        name = f"arrow_{uuid.uuid4().hex}"
        with self.conn.transaction(), self.conn.cursor(name=name) as cur:
            cur.execute(sql.replace("?", "%s"), list(params) or None)
            while chunk := cur.fetchmany(rows):
                columns = zip(*chunk, strict=True)
                yield pa.RecordBatch.from_arrays(
                    [
                        pa.array(values, type=field.type)
                        for values, field in zip(columns, schema, strict=True)
                    ],
                    schema=schema,
                )


class _CopyStream(io.RawIOBase):
    """The chunks of a ``COPY ... TO STDOUT`` (about a row each) as a readable file whose
    reads return whole blocks, for Arrow's CSV reader."""

    def __init__(self, chunks: Iterator[Any]) -> None:
        self._chunks = chunks
        self._left = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        parts, have = [self._left], len(self._left)
        while not self._done and (size is None or size < 0 or have < size):
            chunk = next(self._chunks, None)
            if chunk is None:
                self._done = True
            else:
                parts.append(bytes(chunk))
                have += len(parts[-1])
        data = b"".join(parts)
        if size is None or size < 0:
            self._left = b""
            return data
        self._left = data[size:]
        return data[:size]

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.execute("SET TIME ZONE 'UTC'")
    conn.commit()


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unparsable URL)"
    host, port, db = info.get("host", ""), info.get("port", ""), info.get("dbname", "")
    user = info.get("user", "")
    return f"postgresql://{user}{'@' if user else ''}{host}{':' if port else ''}{port}/{db}"


class PostgresStore(
    RegistryMixin,
    ReadsMixin,
    RetentionMixin,
    RoadsMixin,
    AnalyticsMixin,
    StoredAggregatesMixin,
    DayRowsMixin,
):
    """A :class:`~roadsense.store.base.Store` in a PostgreSQL database with PostGIS."""

    backend: Literal["duckdb", "postgresql"] = "postgresql"
    dialect = POSTGRESQL

    def __init__(
        self,
        url: str,
        *,
        queue_capacity: int = DEFAULT_QUEUE_CAPACITY,
        pool_size: int = 8,
        connect_timeout_s: float = 10.0,
    ) -> None:
        self.url = url
        self.location = redact(url)
        self._fleet_scope: str | None = None
        self._closed = False
        try:
            self._wconn = self._connect(connect_timeout_s)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to {self.location}: {exc}") from exc
        self._migrate(self._wconn)
        self._connect_timeout_s = connect_timeout_s
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            configure=_configure,
            timeout=connect_timeout_s,
            open=True,
            name="roadsense-reads",
        )
        self._staging_ready = False
        self._seen = SeenDevices()
        self._writer = GroupWriter(
            "postgres-writer",
            self._commit,
            capacity=queue_capacity,
            max_group=_MAX_GROUP,
            linger_s=_LINGER_S,
        )

    def _connect(self, timeout_s: float) -> psycopg.Connection[Any]:
        conn = psycopg.connect(self.url, connect_timeout=max(1, int(timeout_s)))
        _configure(conn)
        return conn

    # -- schema ------------------------------------------------------------------------

    def _migrate(self, conn: psycopg.Connection[Any]) -> None:
        newest = latest_version("postgresql")
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [_MIGRATION_LOCK])
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations "
                "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
            )
            applied = {int(v) for (v,) in conn.execute("SELECT version FROM schema_migrations")}
            current = max(applied, default=0)
            if current > newest:
                raise StoreError(
                    f"the store {self.location} has schema version {current}, newer than "
                    f"this roadsense understands ({newest}); upgrade roadsense"
                )
            for version, script in migration_scripts("postgresql"):
                if version in applied:
                    continue
                log.info("migrating %s to schema version %d", self.location, version)
                try:
                    conn.execute(script)
                except psycopg.Error as exc:
                    raise StoreError(
                        f"migration {version} of {self.location} failed: {exc}"
                    ) from exc
                conn.execute(
                    "INSERT INTO schema_migrations VALUES (%s, %s)", [version, datetime.now(UTC)]
                )

    def schema_version(self) -> int:
        """The newest migration applied to this store."""
        with self._read() as r:
            return int(r.fetch("SELECT coalesce(max(version), 0) FROM schema_migrations")[0][0])

    @contextmanager
    def _read(self) -> Iterator[_Conn]:
        try:
            with self._pool.connection() as conn:
                yield _Conn(conn)
        except psycopg.DataError as exc:
            raise StoreError(f"the store cannot take that value: {exc}") from exc
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreError(f"the store {self.location} does not answer: {exc}") from exc

    @contextmanager
    def _tx(self) -> Iterator[_Conn]:
        if self._fleet_scope is not None:
            raise StoreError("a fleet's view of the store is read-only")
        try:
            with self._pool.connection() as conn, conn.transaction():
                yield _Conn(conn)
        except psycopg.IntegrityError as exc:
            raise StoreError(f"conflicting change, nothing was stored: {exc}") from exc
        except psycopg.DataError as exc:
            raise StoreError(f"the store cannot take that value: {exc}") from exc
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreError(f"the store {self.location} does not answer: {exc}") from exc

    def ping(self) -> None:
        """Raise StoreError unless the database answers a query now."""
        with self._read() as r:
            r.fetch("SELECT 1")

    def scoped(self, fleet_id: str) -> PostgresStore:
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
        if self._closed or self._fleet_scope is not None:
            raise StoreError("the store is closed or read-only")
        return self._writer.submit(batch)

    def submit_async(self, batch: Batch) -> asyncio.Future[IngestResult]:
        """:meth:`submit` from a running event loop: an asyncio future."""
        if self._closed or self._fleet_scope is not None:
            raise StoreError("the store is closed or read-only")
        return self._writer.submit_async(batch)

    def queue_depth(self) -> int:
        """Uploads waiting for this process's writer."""
        return self._writer.depth()

    def queue_capacity(self) -> int:
        """The most uploads this process's write queue holds."""
        return self._writer.capacity

    def _writer_conn(self) -> psycopg.Connection[Any]:
        if self._wconn.closed or self._wconn.broken:
            log.warning("writer connection to %s lost; reconnecting", self.location)
            self._wconn = self._connect(self._connect_timeout_s)
            self._staging_ready = False
        if not self._staging_ready:
            cols = ", ".join(EVENT_COLUMNS)
            self._wconn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS incoming_events ON COMMIT DELETE ROWS AS "
                f"SELECT {cols} FROM events WITH NO DATA"
            )
            self._wconn.commit()
            self._staging_ready = True
        return self._wconn

    def _commit(self, batches: list[Batch]) -> list[IngestResult]:
        try:
            conn = self._writer_conn()
            with conn.transaction():
                return self._write(conn, batches)
        except psycopg.OperationalError:
            self._staging_ready = False
            raise

    def _write(self, conn: psycopg.Connection[Any], batches: list[Batch]) -> list[IngestResult]:
        now = datetime.now(UTC)
        unique: dict[Any, Batch] = {}
        for b in batches:
            unique.setdefault(b.batch_id, b)
        claimed = {
            row[0]
            for row in conn.execute(
                "INSERT INTO batches SELECT * FROM unnest(%s::uuid[], %s::text[], %s::int[], "
                "%s::timestamptz[], %s::int[]) ON CONFLICT (batch_id) DO NOTHING "
                "RETURNING batch_id",
                [
                    list(unique),
                    [b.device_id for b in unique.values()],
                    [b.schema_version for b in unique.values()],
                    [now] * len(unique),
                    [len(b.items) for b in unique.values()],
                ],
            ).fetchall()
        }
        fresh, conflicts = claim_events(
            [b for bid, b in unique.items() if bid in claimed], partial(_stored_events, conn)
        )
        if conflicts:  # a refused batch leaves no trace: its id may come again, fixed
            conn.execute("DELETE FROM batches WHERE batch_id = ANY(%s)", [list(conflicts)])
            claimed -= conflicts.keys()
        rows = flatten(fresh) if fresh else BatchRows()
        if fresh:
            _copy_rows(conn, rows)
        seen = self._seen.note((b.device_id for b in fresh), now, loaded=len(batches) > 1)
        if seen:
            _write_seen(conn, seen)
        return group_results(batches, claimed, conflicts, rows.counts)

    def close(self) -> None:
        """Finish pending writes and close the connections (a scoped view closes nothing)."""
        if self._closed or self._fleet_scope is not None:
            return
        self._closed = True
        self._writer.close()
        seen = self._seen.drain()
        if seen:
            conn = self._writer_conn()
            with conn.transaction():
                _write_seen(conn, seen)
        self._pool.close()
        self._wconn.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _write_seen(conn: psycopg.Connection[Any], seen: list[tuple[str, datetime]]) -> None:
    """Upsert when devices were last heard from (see :mod:`roadsense.store.device_seen`)."""
    conn.execute(
        "INSERT INTO device_seen SELECT * FROM unnest(%s::text[], %s::timestamptz[]) "
        "ON CONFLICT (device_id) DO UPDATE SET last_seen_at = "
        "greatest(device_seen.last_seen_at, excluded.last_seen_at)",
        [[d for d, _ in seen], [t for _, t in seen]],
    )


def _stored_events(conn: psycopg.Connection[Any], ids: list[uuid.UUID]) -> list[tuple[Any, ...]]:
    """The content of those of the events ``ids`` the store holds (see event_claims)."""
    return conn.execute(
        f"SELECT {', '.join(CONTENT_COLUMNS)} FROM events WHERE event_id = ANY(%s)", [ids]
    ).fetchall()


def _copy_rows(conn: psycopg.Connection[Any], rows: BatchRows) -> None:
    """COPY flattened rows in; events through a staging table so known ids are skipped."""
    with conn.cursor() as cur:
        for table, columns, data in (
            ("positions", POSITION_COLUMNS, rows.positions),
            ("incoming_events", EVENT_COLUMNS, rows.events),
            ("sign_sightings", SIGN_COLUMNS, rows.signs),
            ("lane_samples", LANE_COLUMNS, rows.lanes),
            ("device_status", STATUS_COLUMNS, rows.statuses),
        ):
            if not data:
                continue
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy_in:
                for row in data:
                    copy_in.write_row(row)
        if rows.events:
            cols = ", ".join(EVENT_COLUMNS)
            stored = cur.execute(
                f"INSERT INTO events ({cols}) SELECT {cols} FROM incoming_events "
                "ON CONFLICT (event_id) DO NOTHING RETURNING event_id"
            ).fetchall()
            rows.count_stored_events([event_id for (event_id,) in stored])
