"""The gateway's durable outbox: records wait in SQLite until the server acknowledged them.

Life of a record: :meth:`Outbox.add` stores its JSON (one transaction per call). When the
uploader asks for work, :meth:`Outbox.next_batch` either re-offers the oldest batch formed
earlier and not yet acknowledged (same batch id, same items, so a retry re-sends the
identical batch and the server can de-duplicate it) or forms a new batch atomically from
records not yet in any batch: events (``AdasEvent``, ``DeviceStatus``) first, then positions
and the other records, each group in arrival order. :meth:`Outbox.mark_sent` deletes a batch
once the server acknowledged it; :meth:`Outbox.set_aside` moves a batch the server rejected
as invalid into a dead-letter table, so it never blocks the queue.

Durability: WAL journal, ``synchronous=FULL``, every change in one transaction. A crash while
forming a batch leaves the records unbatched; a crash between the server's ack and
:meth:`Outbox.mark_sent` re-sends the same batch id, which the server answers "duplicate".

A full outbox (the ``max_bytes`` limit reached, or SQLite's "database or disk is full"):
:meth:`Outbox.add` makes room by dropping the oldest positions not yet in a batch, never an
event, in the same transaction as the add; when no such position is left it keeps the
events of the call and drops its positions; when even those do not fit it raises
:class:`OutboxFullError` and stores nothing. Each time the outbox reports itself to the
server with one ``DeviceStatus`` record (error codes :data:`ERROR_OUTBOX_FULL`,
:data:`ERROR_RECORDS_REFUSED`, counters :data:`REPORT_COUNTERS`) and logs an error. A batch
set aside is reported the same way (:data:`ERROR_BATCH_SET_ASIDE`). See
``docs/gateway-outbox.md``.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

from pydantic import TypeAdapter

from roadsense.errors import RoadsenseError
from roadsense.schema.records import (
    MAX_BATCH_ITEMS,
    SCHEMA_VERSION,
    AdasEvent,
    DeviceStatus,
    Identifier,
    LaneSample,
    Position,
    SignSighting,
)

logger = logging.getLogger(__name__)

AnyRecord = Position | AdasEvent | SignSighting | LaneSample | DeviceStatus
"""Any record the outbox takes (``roadsense.schema.Record`` without its discriminator)."""

ERROR_OUTBOX_FULL = 3001
"""``DeviceStatus.error_codes``: the outbox was full; the oldest positions were dropped."""
ERROR_RECORDS_REFUSED = 3002
"""``DeviceStatus.error_codes``: the outbox was full of events; an add was refused."""
ERROR_BATCH_SET_ASIDE = 3003
"""``DeviceStatus.error_codes``: the server rejected a batch as invalid; it was set aside."""
REPORT_COUNTERS = (
    "outbox_full",
    "positions_dropped",
    "records_refused",
    "batches_set_aside",
    "records_set_aside",
)
"""The counters of the outbox's ``DeviceStatus`` reports, each counted since the outbox was
made: times it was found full, positions dropped, records refused, batches and records set
aside."""

_DEVICE_ID = TypeAdapter[str](Identifier)
_PRIORITY_EVENT = 0
_PRIORITY_OTHER = 1
_FORMAT_VERSION = 1
_KIND_POSITION = "position"
_KIND_REPORT = "report"
"""The ``kind`` column of the outbox's own ``DeviceStatus`` reports."""
_MIN_DROP = 100
"""Positions dropped at least when the outbox is full, so that not every add finds it full."""
_MIN_RESERVE_PAGES = 16
_FULL_LOG_INTERVAL_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    priority INTEGER NOT NULL,
    batch_seq INTEGER,
    body TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS records_queue ON records (batch_seq, priority, id);
CREATE TABLE IF NOT EXISTS batches (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    batch_id TEXT NOT NULL UNIQUE,
    formed_at TEXT NOT NULL,
    n_items INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letters (
    batch_id TEXT PRIMARY KEY,
    reason TEXT NOT NULL,
    set_aside_at TEXT NOT NULL,
    n_items INTEGER NOT NULL,
    items_json TEXT NOT NULL
);
"""

_COUNTER_KEYS = (
    "sent_batches",
    "sent_records",
    "outbox_full",
    "positions_dropped",
    "records_refused",
    "report_due",
)

_T = TypeVar("_T")


class OutboxFullError(RoadsenseError):
    """The outbox has no room for the records even after dropping every droppable position.

    Nothing of the refused call was stored. ``records`` and ``events`` say how many records
    (and of them events) were refused.
    """

    def __init__(self, message: str, *, records: int, events: int) -> None:
        super().__init__(message)
        self.records = records
        self.events = events


class _NoRoomError(RoadsenseError):
    """Internal: a transaction found the outbox full (SQLite's error or the size limit)."""


def _is_full(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "database or disk is full" (``SQLITE_FULL``)."""
    return isinstance(exc, sqlite3.Error) and exc.sqlite_errorcode == sqlite3.SQLITE_FULL


@dataclass(frozen=True)
class PendingBatch:
    """A batch formed in the outbox and not yet acknowledged by the server."""

    batch_id: uuid.UUID
    items_json: list[str]
    """The stored JSON of each record, in upload order."""

    def to_body(self, device_id: str) -> bytes:
        """The request body: a ``roadsense.schema.Batch`` as JSON.

        The stored item JSON is joined as is, without re-validating each record (records were
        validated when they were made); only ``sent_at`` changes between retries.
        """
        head = (
            f'{{"batch_id":"{self.batch_id}","device_id":{json.dumps(device_id)},'
            f'"schema_version":{SCHEMA_VERSION},'
            f'"sent_at":"{datetime.now(UTC).isoformat()}","items":['
        )
        return (head + ",".join(self.items_json) + "]}").encode()


@dataclass(frozen=True)
class OutboxStats:
    """How much the outbox holds and has done (counters survive restarts)."""

    pending_records: int
    """Records not yet acknowledged, in a batch or not."""
    pending_batches: int
    """Batches formed and not yet acknowledged."""
    sent_batches: int
    sent_records: int
    set_aside_batches: int
    set_aside_records: int
    times_full: int = 0
    """Adds (and batch formings) that found the outbox full."""
    positions_dropped: int = 0
    """Positions dropped to make room for newer records."""
    records_refused: int = 0
    """Records an add refused (:class:`OutboxFullError`): nothing was droppable any more."""
    size_bytes: int = 0
    """Bytes the database's pages use now (its free pages not counted; the WAL neither)."""
    max_bytes: int | None = None
    """The size limit, None when only the disk limits the outbox."""


@dataclass(frozen=True)
class DeadLetter:
    """A batch the server rejected as invalid, kept for a person to look at."""

    batch_id: uuid.UUID
    reason: str
    set_aside_at: datetime
    items_json: str
    """The batch's records as one JSON array."""


def _priority(record: AnyRecord) -> int:
    return _PRIORITY_EVENT if isinstance(record, AdasEvent | DeviceStatus) else _PRIORITY_OTHER


_Row = tuple[int, str, str]
"""(priority, kind, body) of a record to store."""


class Outbox:
    """A durable FIFO of records for one device, in one SQLite file. Thread-safe.

    ``vehicle_id`` is the vehicle the outbox's own ``DeviceStatus`` reports name; without it
    the outbox uses the vehicle of the first record it stored. ``max_bytes`` caps the
    database (see the module's docstring for what happens when it is full); at least 64
    pages (256 KiB with SQLite's 4 KiB pages). A twentieth of it (at least 16 pages) is kept
    free of records for forming and setting aside batches, so a full outbox still drains.
    """

    def __init__(
        self,
        path: Path,
        device_id: str,
        *,
        vehicle_id: str | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.device_id = _DEVICE_ID.validate_python(device_id)
        self._vehicle_id = None if vehicle_id is None else _DEVICE_ID.validate_python(vehicle_id)
        self.max_bytes = max_bytes
        self._lock = threading.RLock()
        self._last_full_log = -_FULL_LOG_INTERVAL_S
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        try:
            mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                logger.warning("outbox %s: WAL not available, journal_mode=%s", self.path, mode)
            self._conn.execute("PRAGMA synchronous=FULL")
            self._page_size = int(self._conn.execute("PRAGMA page_size").fetchone()[0])
            self._soft_pages = self._limit_pages(max_bytes)
            self._create_schema()
        except BaseException:
            self._conn.close()
            raise

    def _limit_pages(self, max_bytes: int | None) -> int | None:
        """Set SQLite's hard page limit; the page count records may fill (None: no limit)."""
        if max_bytes is None:
            return None
        hard = max_bytes // self._page_size
        reserve = max(_MIN_RESERVE_PAGES, hard // 20)
        if hard < 4 * reserve:
            raise ValueError(
                f"max_bytes={max_bytes} is too small for an outbox: "
                f"at least {4 * _MIN_RESERVE_PAGES * self._page_size} bytes"
            )
        got = int(self._conn.execute(f"PRAGMA max_page_count = {hard}").fetchone()[0])
        if got > hard:
            logger.warning(
                "outbox %s is already %d bytes, over max_bytes=%d: it will not grow, and "
                "adds drop positions until it is back under the limit",
                self.path,
                got * self._page_size,
                max_bytes,
            )
        return hard - reserve

    def _create_schema(self) -> None:
        with self._tx() as cur:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    cur.execute(statement)
            columns = {r[1] for r in cur.execute("PRAGMA table_info(records)")}
            if "kind" not in columns:  # an outbox from before the kind column: add and fill
                cur.execute("ALTER TABLE records ADD COLUMN kind TEXT NOT NULL DEFAULT ''")
                cur.execute("UPDATE records SET kind = coalesce(json_extract(body, '$.kind'), '')")
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (_FORMAT_VERSION,))
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('device_id', ?)", (self.device_id,))
            for key in _COUNTER_KEYS:
                cur.execute("INSERT OR IGNORE INTO meta VALUES (?, 0)", (key,))
            if self._vehicle_id is not None:
                cur.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('vehicle_id', ?)", (self._vehicle_id,)
                )
            stored = cur.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0]
            fmt = cur.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()[0]
            vehicle = cur.execute("SELECT value FROM meta WHERE key = 'vehicle_id'").fetchone()
        if stored != self.device_id:
            raise ValueError(
                f"outbox {self.path} belongs to device {stored!r}, not {self.device_id!r}"
            )
        if fmt != _FORMAT_VERSION:
            raise ValueError(f"outbox {self.path} has format {fmt}, expected {_FORMAT_VERSION}")
        if vehicle is not None:
            self._vehicle_id = str(vehicle[0])

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction, taken under the lock; rolled back on any error."""
        with self._lock:
            cur = self._conn.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:  # also when COMMIT itself failed (disk full)
                    self._conn.rollback()
                raise
            finally:
                cur.close()

    # -- adding ------------------------------------------------------------------------

    def add(self, records: Iterable[AnyRecord]) -> int:
        """Store the records in one transaction; return how many were stored.

        All of them, unless the outbox is full: then the oldest unbatched positions are
        dropped to make room (in the same transaction), and when none is left the call's own
        positions are dropped and its events stored (the return value says how many). Raises
        :class:`OutboxFullError`, having stored nothing, when even the events do not fit.
        """
        records = list(records)
        rows: list[_Row] = [(_priority(r), r.kind, r.model_dump_json()) for r in records]
        if not rows:
            return 0
        vehicle = records[0].vehicle_id
        try:
            with self._tx() as cur:
                self._insert(cur, rows, vehicle)
                self._check_room(cur)
        except _NoRoomError:
            logger.debug("outbox %s: over its size limit; making room", self.path)
            return self._add_when_full(rows, vehicle)
        except sqlite3.Error as exc:
            if not _is_full(exc):
                raise
            logger.debug("outbox %s: SQLite says %r; making room", self.path, str(exc))
            return self._add_when_full(rows, vehicle)
        if self._vehicle_id is None:  # learnt (and stored in meta) by this add
            self._vehicle_id = vehicle
        return len(rows)

    def _insert(self, cur: sqlite3.Cursor, rows: list[_Row], vehicle: str) -> None:
        cur.executemany("INSERT INTO records (priority, kind, body) VALUES (?, ?, ?)", rows)
        if self._vehicle_id is None:  # learn it once: one gateway, one vehicle
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('vehicle_id', ?)", (vehicle,))

    def _check_room(self, cur: sqlite3.Cursor) -> None:
        """Raise :class:`_NoRoomError` when records use more pages than the limit leaves them."""
        if self._soft_pages is not None and self._used_pages(cur) > self._soft_pages:
            raise _NoRoomError

    @staticmethod
    def _used_pages(cur: sqlite3.Cursor) -> int:
        pages = int(cur.execute("PRAGMA page_count").fetchone()[0])
        return pages - int(cur.execute("PRAGMA freelist_count").fetchone()[0])

    def _attempt(self, fn: Callable[[sqlite3.Cursor], _T]) -> _T | None:
        """Run ``fn`` in one transaction; None (all rolled back) when the outbox is full."""
        try:
            with self._tx() as cur:
                return fn(cur)
        except _NoRoomError:
            return None
        except sqlite3.Error as exc:
            if _is_full(exc):
                return None
            raise

    def _add_when_full(self, rows: list[_Row], vehicle: str) -> int:
        """Make room by dropping positions, oldest first, never events; else refuse."""
        drop = max(_MIN_DROP, 2 * len(rows))
        while True:
            dropped = self._attempt(
                partial(self._drop_and_add, rows=rows, vehicle=vehicle, limit=drop)
            )
            if dropped is not None:
                self._log_full(f"dropped the {dropped} oldest positions to store {len(rows)}")
                return len(rows)
            left = self._attempt(partial(self._unbatched_positions, at_most=drop + 1))
            if not left or left <= drop:
                break  # every unbatched position was tried: dropping more cannot help
            drop *= 4
        events = [r for r in rows if r[1] != _KIND_POSITION]
        if events and len(events) < len(rows):
            lost_own = len(rows) - len(events)

            dropped = self._attempt(
                partial(
                    self._drop_and_add,
                    rows=events,
                    vehicle=vehicle,
                    limit=None,
                    also_dropped=lost_own,
                )
            )
            if dropped is not None:
                self._log_full(
                    f"dropped every older unbatched position ({dropped - lost_own}) and the "
                    f"{lost_own} new ones to store {len(events)} events"
                )
                return len(events)
        return self._refuse(rows, vehicle)

    def _drop_and_add(
        self,
        cur: sqlite3.Cursor,
        rows: list[_Row],
        vehicle: str,
        limit: int | None,
        *,
        also_dropped: int = 0,
    ) -> int:
        """Drop up to ``limit`` (None: all) unbatched positions, add ``rows`` and report."""
        dropped = self._drop_positions(cur, limit) + also_dropped
        self._insert(cur, rows, vehicle)
        self._count(cur, outbox_full=1, positions_dropped=dropped)
        self._report(cur, ERROR_OUTBOX_FULL, vehicle)
        self._check_room(cur)
        return dropped

    @staticmethod
    def _drop_positions(cur: sqlite3.Cursor, limit: int | None) -> int:
        """Delete the oldest positions not in a batch (a formed batch never changes)."""
        cur.execute(
            "DELETE FROM records WHERE id IN (SELECT id FROM records WHERE batch_seq IS NULL "
            "AND priority = ? AND kind = ? ORDER BY id LIMIT ?)",
            (_PRIORITY_OTHER, _KIND_POSITION, -1 if limit is None else limit),
        )
        return cur.rowcount

    @staticmethod
    def _unbatched_positions(cur: sqlite3.Cursor, at_most: int) -> int:
        row = cur.execute(
            "SELECT count(*) FROM (SELECT 1 FROM records WHERE batch_seq IS NULL "
            "AND priority = ? AND kind = ? LIMIT ?)",
            (_PRIORITY_OTHER, _KIND_POSITION, at_most),
        ).fetchone()
        return int(row[0])

    def _refuse(self, rows: list[_Row], vehicle: str) -> int:
        n_events = sum(1 for r in rows if r[0] == _PRIORITY_EVENT)

        def count(cur: sqlite3.Cursor) -> None:
            self._count(cur, outbox_full=1, records_refused=len(rows), report_due=1)

        self._attempt(count)  # in place, so it fits; reported once a batch frees room
        stats = self.stats()
        message = (
            f"outbox {self.path} is full ({stats.size_bytes} bytes used of "
            f"{stats.max_bytes or 'the disk'}; no position left to drop): refused "
            f"{len(rows)} records ({n_events} events); they were not stored"
        )
        logger.error("%s", message)
        raise OutboxFullError(message, records=len(rows), events=n_events)

    def _log_full(self, what: str) -> None:
        now = time.monotonic()
        if now - self._last_full_log >= _FULL_LOG_INTERVAL_S:
            self._last_full_log = now
            stats = self.stats()
            logger.error(
                "outbox %s full (%d bytes used, limit %s): %s; %d positions dropped so far",
                self.path,
                stats.size_bytes,
                stats.max_bytes or "the disk",
                what,
                stats.positions_dropped,
            )

    # -- reports -----------------------------------------------------------------------

    @staticmethod
    def _count(cur: sqlite3.Cursor, **deltas: int) -> None:
        for key, delta in deltas.items():
            if delta:
                cur.execute("UPDATE meta SET value = value + ? WHERE key = ?", (delta, key))

    def _report(self, cur: sqlite3.Cursor, code: int, vehicle: str | None = None) -> None:
        """Store (or bring up to date) the one unbatched ``DeviceStatus`` report."""
        row = cur.execute("SELECT value FROM meta WHERE key = 'vehicle_id'").fetchone()
        vehicle_id = self._vehicle_id or (str(row[0]) if row else vehicle)
        if vehicle_id is None:
            logger.warning("outbox %s: no vehicle known yet; cannot report", self.path)
            return
        meta = dict(cur.execute("SELECT key, value FROM meta").fetchall())
        dead = cur.execute("SELECT count(*), coalesce(sum(n_items), 0) FROM dead_letters")
        dead_batches, dead_records = dead.fetchone()
        counters = {
            "outbox_full": int(meta["outbox_full"]),
            "positions_dropped": int(meta["positions_dropped"]),
            "records_refused": int(meta["records_refused"]),
            "batches_set_aside": int(dead_batches),
            "records_set_aside": int(dead_records),
        }
        pending = cur.execute(
            "SELECT id, body FROM records WHERE batch_seq IS NULL AND kind = ? "
            "ORDER BY id DESC LIMIT 1",
            (_KIND_REPORT,),
        ).fetchone()
        codes = {code}
        if pending is not None:
            codes.update(DeviceStatus.model_validate_json(pending[1]).error_codes)
        report = DeviceStatus(
            vehicle_id=vehicle_id,
            time=datetime.now(UTC),
            error_codes=sorted(codes),
            counters=counters,
        )
        if pending is None:
            cur.execute(
                "INSERT INTO records (priority, kind, body) VALUES (?, ?, ?)",
                (_PRIORITY_EVENT, _KIND_REPORT, report.model_dump_json()),
            )
        else:
            cur.execute(
                "UPDATE records SET body = ? WHERE id = ?", (report.model_dump_json(), pending[0])
            )
        cur.execute("UPDATE meta SET value = 0 WHERE key = 'report_due'")

    # -- batches -----------------------------------------------------------------------

    def next_batch(self, max_items: int = 1000) -> PendingBatch | None:
        """The oldest unacknowledged batch, else a new one of up to ``max_items`` records.

        ``None`` when nothing is pending. A batch is formed once and re-offered unchanged
        until :meth:`mark_sent` or :meth:`set_aside`, whatever ``max_items`` later calls ask.
        Raises :class:`OutboxFullError` when the disk is so full that no batch can be formed
        even after dropping positions.
        """
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        limit = min(max_items, MAX_BATCH_ITEMS)
        return self._with_room(lambda cur: self._next_batch(cur, limit), "form a batch")

    def _next_batch(self, cur: sqlite3.Cursor, limit: int) -> PendingBatch | None:
        row = cur.execute("SELECT seq, batch_id FROM batches ORDER BY seq LIMIT 1").fetchone()
        if row is None:
            unbatched = "SELECT 1 FROM records WHERE batch_seq IS NULL LIMIT 1"
            if cur.execute(unbatched).fetchone() is None:
                return None
            batch_id = uuid.uuid4()
            cur.execute(
                "INSERT INTO batches (batch_id, formed_at, n_items) VALUES (?, ?, 0)",
                (str(batch_id), datetime.now(UTC).isoformat()),
            )
            seq = cur.lastrowid
            cur.execute(
                "UPDATE records SET batch_seq = ? WHERE id IN (SELECT id FROM records "
                "WHERE batch_seq IS NULL ORDER BY priority, id LIMIT ?)",
                (seq, limit),
            )
            cur.execute("UPDATE batches SET n_items = ? WHERE seq = ?", (cur.rowcount, seq))
            logger.debug("formed batch %s of %d records", batch_id, cur.rowcount)
        else:
            seq, batch_id = row[0], uuid.UUID(row[1])
        items = [
            r[0]
            for r in cur.execute(
                "SELECT body FROM records WHERE batch_seq = ? ORDER BY priority, id", (seq,)
            )
        ]
        return PendingBatch(batch_id=batch_id, items_json=items)

    def _with_room(self, fn: Callable[[sqlite3.Cursor], _T], what: str) -> _T:
        """Run ``fn`` in a transaction; if the disk is full, drop positions and try again.

        For the bookkeeping that drains the outbox (it has the reserve below ``max_bytes``,
        but a full disk has none). Raises :class:`OutboxFullError` when nothing helps.
        """
        for drop in (0, _MIN_DROP, 10 * _MIN_DROP, None):
            if drop != 0:

                def make_room(cur: sqlite3.Cursor, limit: int | None = drop) -> int:
                    dropped = self._drop_positions(cur, limit)
                    self._count(cur, outbox_full=1, positions_dropped=dropped, report_due=1)
                    return dropped

                dropped = self._attempt(make_room)
                if dropped:
                    self._log_full(f"dropped {dropped} positions to {what}")
            try:
                with self._tx() as cur:
                    return fn(cur)
            except sqlite3.Error as exc:
                if not _is_full(exc):
                    raise
        message = f"outbox {self.path}: the disk is full; cannot {what}"
        logger.error("%s", message)
        raise OutboxFullError(message, records=0, events=0)

    def _take_batch(self, cur: sqlite3.Cursor, batch_id: uuid.UUID) -> tuple[int, int] | None:
        row = cur.execute(
            "SELECT seq, n_items FROM batches WHERE batch_id = ?", (str(batch_id),)
        ).fetchone()
        if row is None:
            return None
        cur.execute("DELETE FROM batches WHERE seq = ?", (row[0],))
        return int(row[0]), int(row[1])

    def mark_sent(self, batch_id: uuid.UUID) -> None:
        """Forget a batch the server acknowledged. Unknown ids are ignored (logged)."""
        with self._tx() as cur:
            taken = self._take_batch(cur, batch_id)
            if taken is None:
                logger.warning("mark_sent: no pending batch %s (already marked?)", batch_id)
                return
            seq, n_items = taken
            cur.execute("DELETE FROM records WHERE batch_seq = ?", (seq,))
            cur.execute("UPDATE meta SET value = value + 1 WHERE key = 'sent_batches'")
            cur.execute("UPDATE meta SET value = value + ? WHERE key = 'sent_records'", (n_items,))
            due = cur.execute("SELECT value FROM meta WHERE key = 'report_due'").fetchone()
            if due is not None and int(due[0]):  # a refusal waited for room to be reported
                self._report(cur, ERROR_RECORDS_REFUSED)

    def set_aside(self, batch_id: uuid.UUID, reason: str) -> None:
        """Move a batch the server rejected into the dead-letter table, out of the queue.

        Logged as an error and reported to the server in the outbox's ``DeviceStatus``
        (unless the batch held such a report itself, so a rejected report cannot loop).
        """

        def move(cur: sqlite3.Cursor) -> int | None:
            taken = self._take_batch(cur, batch_id)
            if taken is None:
                return None
            seq, n_items = taken
            items = [
                r[0]
                for r in cur.execute(
                    "SELECT body FROM records WHERE batch_seq = ? ORDER BY priority, id", (seq,)
                )
            ]
            held_report = cur.execute(
                "SELECT 1 FROM records WHERE batch_seq = ? AND kind = ? LIMIT 1",
                (seq, _KIND_REPORT),
            ).fetchone()
            cur.execute("DELETE FROM records WHERE batch_seq = ?", (seq,))  # first: frees room
            cur.execute(
                "INSERT OR REPLACE INTO dead_letters VALUES (?, ?, ?, ?, ?)",
                (
                    str(batch_id),
                    reason,
                    datetime.now(UTC).isoformat(),
                    n_items,
                    "[" + ",".join(items) + "]",
                ),
            )
            if held_report is None:
                self._report(cur, ERROR_BATCH_SET_ASIDE)
            return n_items

        n_items = self._with_room(move, "set a batch aside")
        if n_items is None:
            logger.warning("set_aside: no pending batch %s", batch_id)
            return
        logger.error(
            "set aside batch %s (%d records) the server rejected: %s; it is kept in the "
            "outbox's dead_letters table",
            batch_id,
            n_items,
            reason,
        )

    def release(self, batch_id: uuid.UUID) -> int:
        """Dissolve an unsent batch: its records go back to the queue, to be batched anew.

        Only for a batch the server certainly did not store (it answered 413 Too Large);
        returns how many records were released, 0 for an unknown batch.
        """
        with self._tx() as cur:
            taken = self._take_batch(cur, batch_id)
            if taken is None:
                return 0
            cur.execute("UPDATE records SET batch_seq = NULL WHERE batch_seq = ?", (taken[0],))
            return taken[1]

    # -- looking -----------------------------------------------------------------------

    def dead_letters(self) -> list[DeadLetter]:
        """The batches set aside, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT batch_id, reason, set_aside_at, items_json FROM dead_letters "
                "ORDER BY set_aside_at"
            ).fetchall()
        return [
            DeadLetter(
                batch_id=uuid.UUID(r[0]),
                reason=r[1],
                set_aside_at=datetime.fromisoformat(r[2]),
                items_json=r[3],
            )
            for r in rows
        ]

    def stats(self) -> OutboxStats:
        """Counts of pending, sent, set-aside and dropped records and batches."""
        with self._lock:
            c = self._conn
            meta = dict(c.execute("SELECT key, value FROM meta").fetchall())
            pending_records = c.execute("SELECT count(*) FROM records").fetchone()[0]
            pending_batches = c.execute("SELECT count(*) FROM batches").fetchone()[0]
            dead = c.execute("SELECT count(*), coalesce(sum(n_items), 0) FROM dead_letters")
            dead_batches, dead_records = dead.fetchone()
            cur = c.cursor()
            try:
                used = self._used_pages(cur)
            finally:
                cur.close()
        return OutboxStats(
            pending_records=int(pending_records),
            pending_batches=int(pending_batches),
            sent_batches=int(meta["sent_batches"]),
            sent_records=int(meta["sent_records"]),
            set_aside_batches=int(dead_batches),
            set_aside_records=int(dead_records),
            times_full=int(meta["outbox_full"]),
            positions_dropped=int(meta["positions_dropped"]),
            records_refused=int(meta["records_refused"]),
            size_bytes=used * self._page_size,
            max_bytes=self.max_bytes,
        )

    def close(self) -> None:
        """Close the database; pending records and batches stay in the file."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
