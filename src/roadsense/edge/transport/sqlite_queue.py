"""The outbox's durable queue: records, batches and dead letters in one SQLite file.

Only storage lives here: the tables, write transactions, and the row operations the outbox
is made of (insert records, form or re-offer the oldest batch, forget, release or set aside
a batch, drop the oldest unbatched positions, counters in ``meta``). Which records give way
when the disk is full is :mod:`.disk_policy`'s decision; the outbox's own reports are
:mod:`.outbox_reports`'; :class:`~.outbox.Outbox` joins them.

Durability: WAL journal, ``synchronous=FULL``, every change in one transaction
(:meth:`SqliteQueue.tx`), taken under one lock, so the queue is thread-safe.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from roadsense.schema.records import SCHEMA_VERSION, AdasEvent, AnyRecord, DeviceStatus

logger = logging.getLogger(__name__)

PRIORITY_EVENT = 0
"""Batched first: events (``AdasEvent``) and statuses (``DeviceStatus``)."""
PRIORITY_OTHER = 1
"""Batched after the events: positions and the other records."""
KIND_POSITION = "position"
"""The ``kind`` column of positions, the only records a full outbox may drop."""

_FORMAT_VERSION = 1

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

COUNTER_KEYS = (
    "sent_batches",
    "sent_records",
    "outbox_full",
    "positions_dropped",
    "records_refused",
    "report_due",
)
"""The counters kept in ``meta`` (they survive restarts)."""

Row = tuple[int, str, str]
"""(priority, kind, body) of a record to store."""


def rows_of(records: Iterable[AnyRecord]) -> list[Row]:
    """The rows that store ``records``: events first in the queue, then everything else."""
    return [(_priority(r), r.kind, r.model_dump_json()) for r in records]


def _priority(record: AnyRecord) -> int:
    return PRIORITY_EVENT if isinstance(record, AdasEvent | DeviceStatus) else PRIORITY_OTHER


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
class DeadLetter:
    """A batch the server rejected as invalid, kept for a person to look at."""

    batch_id: uuid.UUID
    reason: str
    set_aside_at: datetime
    items_json: str
    """The batch's records as one JSON array."""


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
    """Records an add refused (``OutboxFullError``): nothing was droppable any more."""
    size_bytes: int = 0
    """Bytes the database's pages use now (its free pages not counted; the WAL neither)."""
    max_bytes: int | None = None
    """The size limit, None when only the disk limits the outbox."""


class SqliteQueue:
    """The SQLite file of one device's outbox.

    Opening connects and sets the journal (WAL, ``synchronous=FULL``); :meth:`create_schema`
    then makes the tables and checks that the file belongs to the device. In between, a
    page limit may be set (:meth:`set_max_pages`) so that it holds from the first write.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.vehicle_id: str | None = None
        """The vehicle of the device's records: given, stored in ``meta`` or learnt."""
        self.lock = threading.RLock()
        self.conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        try:
            mode = self.conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                logger.warning("outbox %s: WAL not available, journal_mode=%s", self.path, mode)
            self.conn.execute("PRAGMA synchronous=FULL")
            self.page_size = int(self.conn.execute("PRAGMA page_size").fetchone()[0])
        except BaseException:
            self.conn.close()
            raise

    def set_max_pages(self, pages: int) -> int:
        """Let the file grow to ``pages`` pages at most; returns SQLite's limit now (the
        file's present page count when that is higher)."""
        return int(self.conn.execute(f"PRAGMA max_page_count = {int(pages)}").fetchone()[0])

    def create_schema(self, device_id: str, vehicle_id: str | None) -> None:
        """Make the tables (migrating an old file) and check the device and the format."""
        with self.tx() as cur:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    cur.execute(statement)
            columns = {r[1] for r in cur.execute("PRAGMA table_info(records)")}
            if "kind" not in columns:  # an outbox from before the kind column: add and fill
                cur.execute("ALTER TABLE records ADD COLUMN kind TEXT NOT NULL DEFAULT ''")
                cur.execute("UPDATE records SET kind = coalesce(json_extract(body, '$.kind'), '')")
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (_FORMAT_VERSION,))
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('device_id', ?)", (device_id,))
            for key in COUNTER_KEYS:
                cur.execute("INSERT OR IGNORE INTO meta VALUES (?, 0)", (key,))
            if vehicle_id is not None:
                cur.execute("INSERT OR REPLACE INTO meta VALUES ('vehicle_id', ?)", (vehicle_id,))
            stored = cur.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0]
            fmt = cur.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()[0]
            vehicle = cur.execute("SELECT value FROM meta WHERE key = 'vehicle_id'").fetchone()
        if stored != device_id:
            raise ValueError(f"outbox {self.path} belongs to device {stored!r}, not {device_id!r}")
        if fmt != _FORMAT_VERSION:
            raise ValueError(f"outbox {self.path} has format {fmt}, expected {_FORMAT_VERSION}")
        self.vehicle_id = vehicle_id if vehicle is None else str(vehicle[0])

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction, taken under the lock; rolled back on any error."""
        with self.lock:
            cur = self.conn.cursor()
            try:
                cur.execute("BEGIN IMMEDIATE")
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                if self.conn.in_transaction:  # also when COMMIT itself failed (disk full)
                    self.conn.rollback()
                raise
            finally:
                cur.close()

    # -- records -----------------------------------------------------------------------

    def insert(self, cur: sqlite3.Cursor, rows: list[Row], vehicle: str | None = None) -> None:
        """Queue ``rows``; the first add of a device without a vehicle stores ``vehicle``."""
        cur.executemany("INSERT INTO records (priority, kind, body) VALUES (?, ?, ?)", rows)
        if self.vehicle_id is None and vehicle is not None:  # learn it once: one vehicle
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('vehicle_id', ?)", (vehicle,))

    def stored_vehicle(self, cur: sqlite3.Cursor) -> str | None:
        """The vehicle stored in ``meta``, if any."""
        row = cur.execute("SELECT value FROM meta WHERE key = 'vehicle_id'").fetchone()
        return None if row is None else str(row[0])

    def drop_positions(self, cur: sqlite3.Cursor, limit: int | None) -> int:
        """Delete up to ``limit`` (None: all) of the oldest positions not in a batch (a formed
        batch never changes); returns how many were deleted."""
        cur.execute(
            "DELETE FROM records WHERE id IN (SELECT id FROM records WHERE batch_seq IS NULL "
            "AND priority = ? AND kind = ? ORDER BY id LIMIT ?)",
            (PRIORITY_OTHER, KIND_POSITION, -1 if limit is None else limit),
        )
        return cur.rowcount

    def unbatched_positions(self, cur: sqlite3.Cursor, at_most: int) -> int:
        """How many positions are not in a batch, counted up to ``at_most``."""
        row = cur.execute(
            "SELECT count(*) FROM (SELECT 1 FROM records WHERE batch_seq IS NULL "
            "AND priority = ? AND kind = ? LIMIT ?)",
            (PRIORITY_OTHER, KIND_POSITION, at_most),
        ).fetchone()
        return int(row[0])

    def last_unbatched(self, cur: sqlite3.Cursor, kind: str) -> tuple[int, str] | None:
        """(id, body) of the newest record of ``kind`` not yet in a batch."""
        row = cur.execute(
            "SELECT id, body FROM records WHERE batch_seq IS NULL AND kind = ? "
            "ORDER BY id DESC LIMIT 1",
            (kind,),
        ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def replace_body(self, cur: sqlite3.Cursor, record_id: int, body: str) -> None:
        """Rewrite one queued record (an unbatched report brought up to date)."""
        cur.execute("UPDATE records SET body = ? WHERE id = ?", (body, record_id))

    # -- counters ----------------------------------------------------------------------

    @staticmethod
    def count(cur: sqlite3.Cursor, **deltas: int) -> None:
        """Add to counters of :data:`COUNTER_KEYS`."""
        for key, delta in deltas.items():
            if delta:
                cur.execute("UPDATE meta SET value = value + ? WHERE key = ?", (delta, key))

    @staticmethod
    def reset(cur: sqlite3.Cursor, key: str) -> None:
        """Set a counter back to 0."""
        cur.execute("UPDATE meta SET value = 0 WHERE key = ?", (key,))

    @staticmethod
    def counters(cur: sqlite3.Cursor) -> dict[str, int]:
        """Every counter of :data:`COUNTER_KEYS`."""
        meta = dict(cur.execute("SELECT key, value FROM meta").fetchall())
        return {key: int(meta[key]) for key in COUNTER_KEYS}

    @staticmethod
    def dead_letter_totals(cur: sqlite3.Cursor) -> tuple[int, int]:
        """(batches, records) set aside."""
        row = cur.execute("SELECT count(*), coalesce(sum(n_items), 0) FROM dead_letters")
        batches, records = row.fetchone()
        return int(batches), int(records)

    @staticmethod
    def used_pages(cur: sqlite3.Cursor) -> int:
        """Pages the database uses (its free pages not counted)."""
        pages = int(cur.execute("PRAGMA page_count").fetchone()[0])
        return pages - int(cur.execute("PRAGMA freelist_count").fetchone()[0])

    def used_bytes(self) -> int:
        """Bytes the database's pages use now."""
        with self.lock:
            cur = self.conn.cursor()
            try:
                return self.used_pages(cur) * self.page_size
            finally:
                cur.close()

    # -- batches -----------------------------------------------------------------------

    def next_batch(self, cur: sqlite3.Cursor, limit: int) -> PendingBatch | None:
        """Re-offer the oldest batch formed, else form one of up to ``limit`` records."""
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
            if seq is None:  # never after an INSERT; for the type checker
                raise sqlite3.DatabaseError("forming a batch gave no row id")
            cur.execute(
                "UPDATE records SET batch_seq = ? WHERE id IN (SELECT id FROM records "
                "WHERE batch_seq IS NULL ORDER BY priority, id LIMIT ?)",
                (seq, limit),
            )
            cur.execute("UPDATE batches SET n_items = ? WHERE seq = ?", (cur.rowcount, seq))
            logger.debug("formed batch %s of %d records", batch_id, cur.rowcount)
        else:
            seq, batch_id = row[0], uuid.UUID(row[1])
        return PendingBatch(batch_id=batch_id, items_json=self._items(cur, seq))

    @staticmethod
    def _items(cur: sqlite3.Cursor, seq: int) -> list[str]:
        return [
            r[0]
            for r in cur.execute(
                "SELECT body FROM records WHERE batch_seq = ? ORDER BY priority, id", (seq,)
            )
        ]

    @staticmethod
    def take_batch(cur: sqlite3.Cursor, batch_id: uuid.UUID) -> tuple[int, int] | None:
        """Remove a batch's row: (seq, n_items), None for an unknown batch. Its records stay,
        still marked with ``seq``, for the caller to delete, release or set aside."""
        row = cur.execute(
            "SELECT seq, n_items FROM batches WHERE batch_id = ?", (str(batch_id),)
        ).fetchone()
        if row is None:
            return None
        cur.execute("DELETE FROM batches WHERE seq = ?", (row[0],))
        return int(row[0]), int(row[1])

    def delete_sent(self, cur: sqlite3.Cursor, seq: int, n_items: int) -> None:
        """Delete the records of a batch the server acknowledged, and count them sent."""
        cur.execute("DELETE FROM records WHERE batch_seq = ?", (seq,))
        self.count(cur, sent_batches=1, sent_records=n_items)

    @staticmethod
    def release(cur: sqlite3.Cursor, seq: int) -> None:
        """Put a taken batch's records back in the queue, to be batched anew."""
        cur.execute("UPDATE records SET batch_seq = NULL WHERE batch_seq = ?", (seq,))

    @staticmethod
    def holds_kind(cur: sqlite3.Cursor, seq: int, kind: str) -> bool:
        """Whether the batch ``seq`` holds a record of ``kind``."""
        row = cur.execute(
            "SELECT 1 FROM records WHERE batch_seq = ? AND kind = ? LIMIT 1", (seq, kind)
        ).fetchone()
        return row is not None

    def move_to_dead_letters(
        self, cur: sqlite3.Cursor, batch_id: uuid.UUID, seq: int, n_items: int, reason: str
    ) -> None:
        """Move a taken batch's records out of the queue into ``dead_letters``."""
        items = self._items(cur, seq)
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

    # -- looking -----------------------------------------------------------------------

    def dead_letters(self) -> list[DeadLetter]:
        """The batches set aside, oldest first."""
        with self.lock:
            rows = self.conn.execute(
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

    def stats(self, max_bytes: int | None) -> OutboxStats:
        """Counts of pending, sent, set-aside and dropped records and batches."""
        with self.lock:
            cur = self.conn.cursor()
            try:
                counters = self.counters(cur)
                pending_records = cur.execute("SELECT count(*) FROM records").fetchone()[0]
                pending_batches = cur.execute("SELECT count(*) FROM batches").fetchone()[0]
                dead_batches, dead_records = self.dead_letter_totals(cur)
                used = self.used_pages(cur)
            finally:
                cur.close()
        return OutboxStats(
            pending_records=int(pending_records),
            pending_batches=int(pending_batches),
            sent_batches=counters["sent_batches"],
            sent_records=counters["sent_records"],
            set_aside_batches=dead_batches,
            set_aside_records=dead_records,
            times_full=counters["outbox_full"],
            positions_dropped=counters["positions_dropped"],
            records_refused=counters["records_refused"],
            size_bytes=used * self.page_size,
            max_bytes=max_bytes,
        )

    def close(self) -> None:
        """Close the database; pending records and batches stay in the file."""
        with self.lock:
            self.conn.close()
