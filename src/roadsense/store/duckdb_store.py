"""The embedded default store: one DuckDB file, one writer thread fed by a queue.

Uploads are grouped into one transaction per drain of the queue (group commit); an
upload is acknowledged only once its transaction committed. Readers use their own
cursors and never block the writer (DuckDB's MVCC).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from roadsense.schema import AdasEvent, Batch, DeviceStatus, LaneSample, Position, SignSighting
from roadsense.store.base import (
    CellEvents,
    CellExposure,
    Device,
    EventRow,
    IngestResult,
    StoreError,
    Totals,
)
from roadsense.store.h3cells import fine_cell, parent_sql
from roadsense.store.migrations import latest_version, migration_scripts

log = logging.getLogger(__name__)

_MAX_GROUP = 64
"""The most uploads committed in one transaction."""


class _Job:
    __slots__ = ("batch", "future")

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.future: Future[IngestResult] = Future()


class DuckDBStore:
    """A :class:`~roadsense.store.base.Store` in one DuckDB file."""

    def __init__(self, path: Path | str, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self.read_only = read_only
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
        self._cursor_lock = threading.Lock()
        self._queue: queue.Queue[_Job | None] = queue.Queue()
        self._closed = False
        if not read_only:
            self._migrate()
        self._writer = threading.Thread(target=self._write_loop, name="duckdb-writer", daemon=True)
        if not read_only:
            self._writer.start()

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
        for version, script in migration_scripts("duckdb"):
            if version <= current:
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
        row = (
            self._cursor()
            .execute("SELECT coalesce(max(version), 0) FROM schema_migrations")
            .fetchone()
        )
        return int(row[0]) if row else 0

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        with self._cursor_lock:
            return self._con.cursor()

    # -- writes ------------------------------------------------------------------------

    def ingest(self, batch: Batch) -> IngestResult:
        """Queue the batch for the writer and wait until it is committed."""
        return self.submit(batch).result()

    def submit(self, batch: Batch) -> Future[IngestResult]:
        """Queue the batch for the writer; the future resolves once it is committed."""
        if self._closed or self.read_only:
            raise StoreError("the store is closed or read-only")
        job = _Job(batch)
        self._queue.put(job)
        return job.future

    def queue_depth(self) -> int:
        """Uploads waiting for the writer."""
        return self._queue.qsize()

    def _write_loop(self) -> None:
        con = self._con.cursor()
        while True:
            job = self._queue.get()
            if job is None:
                return
            group = [job]
            stop = False
            while len(group) < _MAX_GROUP:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                group.append(nxt)
            self._commit_group(con, group)
            if stop:
                return

    def _commit_group(self, con: duckdb.DuckDBPyConnection, group: list[_Job]) -> None:
        try:
            con.execute("BEGIN")
            results = self._write(con, [job.batch for job in group])
            con.execute("COMMIT")
        except Exception:
            log.exception("group commit of %d uploads failed; writing them one by one", len(group))
            con.execute("ROLLBACK")
            if len(group) == 1:
                group[0].future.set_exception(StoreError("the upload could not be stored"))
                return
            for job in group:
                self._commit_group(con, [job])
            return
        for job, result in zip(group, results, strict=True):
            job.future.set_result(result)

    def _write(self, con: duckdb.DuckDBPyConnection, batches: list[Batch]) -> list[IngestResult]:
        ids = [str(b.batch_id) for b in batches]
        placeholders = ", ".join("?" for _ in ids)
        known = {
            str(row[0])
            for row in con.execute(
                f"SELECT batch_id FROM batches WHERE batch_id IN ({placeholders})", ids
            ).fetchall()
        }
        results: list[IngestResult] = []
        fresh: list[Batch] = []
        for batch in batches:
            key = str(batch.batch_id)
            if key in known:
                results.append(IngestResult(batch.batch_id, "duplicate"))
                continue
            known.add(key)
            fresh.append(batch)
            results.append(IngestResult(batch.batch_id, "stored"))
        if not fresh:
            return results
        counts = _insert_records(con, fresh)
        now = datetime.now(UTC)
        con.executemany(
            "INSERT INTO batches VALUES (?, ?, ?, ?, ?)",
            [[str(b.batch_id), b.device_id, b.schema_version, now, len(b.items)] for b in fresh],
        )
        return [IngestResult(r.batch_id, r.status, counts.get(r.batch_id, {})) for r in results]

    # -- devices -----------------------------------------------------------------------

    def add_device(self, device_id: str, vehicle_id: str, token_hash: str) -> Device:
        con = self._cursor()
        if con.execute("SELECT 1 FROM devices WHERE device_id = ?", [device_id]).fetchone():
            raise StoreError(f"device {device_id!r} is already provisioned")
        created = datetime.now(UTC)
        con.execute(
            "INSERT INTO devices VALUES (?, ?, ?, ?, NULL)",
            [device_id, vehicle_id, token_hash, created],
        )
        return Device(device_id, vehicle_id, created)

    def device_by_token_hash(self, token_hash: str) -> Device | None:
        row = (
            self._cursor()
            .execute(
                "SELECT device_id, vehicle_id, created_at, revoked_at FROM devices "
                "WHERE token_hash = ? AND revoked_at IS NULL",
                [token_hash],
            )
            .fetchone()
        )
        return Device(*row) if row else None

    def list_devices(self) -> list[Device]:
        rows = (
            self._cursor()
            .execute(
                "SELECT device_id, vehicle_id, created_at, revoked_at FROM devices "
                "ORDER BY device_id"
            )
            .fetchall()
        )
        return [Device(*row) for row in rows]

    def revoke_device(self, device_id: str) -> bool:
        con = self._cursor()
        row = con.execute(
            "UPDATE devices SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL "
            "RETURNING device_id",
            [datetime.now(UTC), device_id],
        ).fetchone()
        return row is not None

    # -- reads -------------------------------------------------------------------------

    def totals(self) -> Totals:
        con = self._cursor()
        vehicles, positions = _one(
            con, "SELECT count(DISTINCT vehicle_id), count(*) FROM positions"
        )
        by_type = dict(
            con.execute("SELECT type, count(*) FROM events GROUP BY type ORDER BY type").fetchall()
        )
        (vkm,) = _one(con, f"SELECT coalesce(sum(km), 0) FROM ({_step_km_sql(5.0)})")
        (batches,) = _one(con, "SELECT count(*) FROM batches")
        return Totals(
            vehicles=int(vehicles),
            positions=int(positions),
            events=int(sum(by_type.values())),
            events_by_type={str(k): int(v) for k, v in by_type.items()},
            vehicle_km=float(vkm),
            batches=int(batches),
        )

    def exposure_by_cell(self, resolution: int, max_gap_s: float = 5.0) -> list[CellExposure]:
        cell = parent_sql("h3_cell", resolution)
        rows = (
            self._cursor()
            .execute(
                f"SELECT {cell} AS c, sum(km), count(DISTINCT vehicle_id) "
                f"FROM ({_step_km_sql(max_gap_s)}) GROUP BY c"
            )
            .fetchall()
        )
        return [CellExposure(int(c), float(km), int(n)) for c, km, n in rows]

    def events_by_cell(
        self, resolution: int, event_types: Sequence[str] | None = None
    ) -> list[CellEvents]:
        cell = parent_sql("h3_cell", resolution)
        where, params = _type_filter(event_types)
        rows = (
            self._cursor()
            .execute(
                f"SELECT {cell} AS c, count(*), count(DISTINCT vehicle_id) FROM events "
                f"WHERE h3_cell IS NOT NULL {where} GROUP BY c",
                params,
            )
            .fetchall()
        )
        return [CellEvents(int(c), int(n), int(v)) for c, n, v in rows]

    def events(self, event_types: Sequence[str] | None = None, limit: int = 5000) -> list[EventRow]:
        where, params = _type_filter(event_types)
        rows = (
            self._cursor()
            .execute(
                "SELECT event_id, vehicle_id, ts, type, level, lat, lon, speed_mps, ttc_s, "
                f"headway_s FROM events WHERE lat IS NOT NULL {where} "
                "ORDER BY ts DESC, event_id LIMIT ?",
                [*params, limit],
            )
            .fetchall()
        )
        return [EventRow(*row) for row in rows]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._writer.is_alive():
            self._queue.put(None)
            self._writer.join()
        self._con.close()

    def __enter__(self) -> DuckDBStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    row = con.execute(sql).fetchone()
    if row is None:  # pragma: no cover - aggregates always return a row
        raise StoreError(f"no result from {sql}")
    return tuple(row)


def _step_km_sql(max_gap_s: float) -> str:
    """Per-fix distance: speed times the time to the vehicle's next fix, gaps capped."""
    return (
        "SELECT vehicle_id, h3_cell, coalesce(speed_mps, 0) * least(coalesce(epoch("
        "lead(ts) OVER (PARTITION BY vehicle_id ORDER BY ts) - ts), 0), "
        f"{float(max_gap_s)}) / 1000.0 AS km FROM positions"
    )


def _type_filter(event_types: Sequence[str] | None) -> tuple[str, list[object]]:
    if not event_types:
        return "", []
    return f"AND type IN ({', '.join('?' for _ in event_types)})", list(event_types)


def _insert_records(
    con: duckdb.DuckDBPyConnection, batches: list[Batch]
) -> dict[uuid.UUID, dict[str, int]]:
    """Insert the items of fresh batches; returns the stored counts per batch."""
    pos: dict[str, list[Any]] = {k: [] for k in _POSITION_COLUMNS}
    events: dict[str, list[Any]] = {k: [] for k in _EVENT_COLUMNS}
    signs: list[list[Any]] = []
    lanes: list[list[Any]] = []
    statuses: list[list[Any]] = []
    counts: dict[uuid.UUID, dict[str, int]] = {}
    event_batch: dict[str, uuid.UUID] = {}
    for batch in batches:
        bid = str(batch.batch_id)
        tally = counts.setdefault(batch.batch_id, {})
        for item in batch.items:
            if isinstance(item, Position):
                _append(
                    pos,
                    item.vehicle_id,
                    item.time,
                    item.lat,
                    item.lon,
                    item.speed_mps,
                    item.heading_deg,
                    item.hdop,
                    fine_cell(item.lat, item.lon),
                    bid,
                )
                tally["position"] = tally.get("position", 0) + 1
            elif isinstance(item, AdasEvent):
                key = str(item.event_id)
                if key in event_batch:
                    continue
                event_batch[key] = batch.batch_id
                cell = (
                    fine_cell(item.lat, item.lon)
                    if item.lat is not None and item.lon is not None
                    else None
                )
                _append(
                    events,
                    key,
                    item.vehicle_id,
                    item.time,
                    item.type.value,
                    item.level,
                    item.duration_s,
                    item.lat,
                    item.lon,
                    cell,
                    item.position_flag,
                    item.speed_mps,
                    item.ttc_s,
                    item.headway_s,
                    item.speed_limit_kmh,
                    item.lateral_m,
                    item.source.value,
                    item.raw,
                    bid,
                )
            elif isinstance(item, SignSighting):
                signs.append(
                    [
                        item.vehicle_id,
                        item.time,
                        item.lat,
                        item.lon,
                        item.sign_type,
                        item.value,
                        item.confidence,
                        bid,
                    ]
                )
                tally["sign"] = tally.get("sign", 0) + 1
            elif isinstance(item, LaneSample):
                lanes.append(
                    [
                        item.vehicle_id,
                        item.time,
                        item.lat,
                        item.lon,
                        item.side,
                        item.marking_type,
                        item.quality,
                        item.lateral_m,
                        bid,
                    ]
                )
                tally["lane"] = tally.get("lane", 0) + 1
            elif isinstance(item, DeviceStatus):
                statuses.append(
                    [
                        item.vehicle_id,
                        item.time,
                        item.failsafe,
                        item.tamper,
                        item.adas_silent,
                        item.error_codes,
                        item.uptime_s,
                        json.dumps(item.counters),
                        bid,
                    ]
                )
                tally["status"] = tally.get("status", 0) + 1
    if pos["vehicle_id"]:
        table = pa.table(_arrow_columns(pos, _POSITION_TYPES))
        con.register("incoming_positions", table)
        try:
            con.execute(
                "INSERT INTO positions SELECT vehicle_id, ts, lat, lon, speed_mps, heading_deg, "
                "hdop, h3_cell, batch_id::UUID FROM incoming_positions"
            )
        finally:
            con.unregister("incoming_positions")
    if events["event_id"]:
        table = pa.table(_arrow_columns(events, _EVENT_TYPES))
        con.register("incoming_events", table)
        try:
            stored = con.execute(
                "INSERT OR IGNORE INTO events SELECT event_id::UUID, vehicle_id, ts, type, level, "
                "duration_s, lat, lon, h3_cell, position_flag, speed_mps, ttc_s, headway_s, "
                "speed_limit_kmh, lateral_m, source, raw, batch_id::UUID FROM incoming_events "
                "RETURNING event_id"
            ).fetchall()
        finally:
            con.unregister("incoming_events")
        for (event_id,) in stored:
            tally = counts[event_batch[str(event_id)]]
            tally["event"] = tally.get("event", 0) + 1
    if signs:
        con.executemany("INSERT INTO sign_sightings VALUES (?, ?, ?, ?, ?, ?, ?, ?::UUID)", signs)
    if lanes:
        con.executemany("INSERT INTO lane_samples VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::UUID)", lanes)
    if statuses:
        con.executemany(
            "INSERT INTO device_status VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::UUID)", statuses
        )
    return counts


def _append(columns: dict[str, list[Any]], *values: Any) -> None:
    for column, value in zip(columns.values(), values, strict=True):
        column.append(value)


def _arrow_columns(
    columns: dict[str, list[Any]], types: dict[str, pa.DataType]
) -> dict[str, pa.Array]:
    return {name: pa.array(values, type=types[name]) for name, values in columns.items()}


_TS = pa.timestamp("us", tz="UTC")
_POSITION_TYPES: dict[str, pa.DataType] = {
    "vehicle_id": pa.string(),
    "ts": _TS,
    "lat": pa.float64(),
    "lon": pa.float64(),
    "speed_mps": pa.float64(),
    "heading_deg": pa.float64(),
    "hdop": pa.float64(),
    "h3_cell": pa.uint64(),
    "batch_id": pa.string(),
}
_POSITION_COLUMNS = list(_POSITION_TYPES)
_EVENT_TYPES: dict[str, pa.DataType] = {
    "event_id": pa.string(),
    "vehicle_id": pa.string(),
    "ts": _TS,
    "type": pa.string(),
    "level": pa.int32(),
    "duration_s": pa.float64(),
    "lat": pa.float64(),
    "lon": pa.float64(),
    "h3_cell": pa.uint64(),
    "position_flag": pa.string(),
    "speed_mps": pa.float64(),
    "ttc_s": pa.float64(),
    "headway_s": pa.float64(),
    "speed_limit_kmh": pa.float64(),
    "lateral_m": pa.float64(),
    "source": pa.string(),
    "raw": pa.list_(pa.string()),
    "batch_id": pa.string(),
}
_EVENT_COLUMNS = list(_EVENT_TYPES)
