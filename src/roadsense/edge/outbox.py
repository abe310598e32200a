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

from pydantic import TypeAdapter

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

_DEVICE_ID = TypeAdapter[str](Identifier)
_PRIORITY_EVENT = 0
_PRIORITY_OTHER = 1
_FORMAT_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    priority INTEGER NOT NULL,
    batch_seq INTEGER,
    body TEXT NOT NULL
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


class Outbox:
    """A durable FIFO of records for one device, in one SQLite file. Thread-safe."""

    def __init__(self, path: Path, device_id: str) -> None:
        self.path = Path(path)
        self.device_id = _DEVICE_ID.validate_python(device_id)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        try:
            mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if mode != "wal":
                logger.warning("outbox %s: WAL not available, journal_mode=%s", self.path, mode)
            self._conn.execute("PRAGMA synchronous=FULL")
            self._create_schema()
        except BaseException:
            self._conn.close()
            raise

    def _create_schema(self) -> None:
        with self._tx() as cur:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    cur.execute(statement)
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (_FORMAT_VERSION,))
            cur.execute("INSERT OR IGNORE INTO meta VALUES ('device_id', ?)", (self.device_id,))
            for key in ("sent_batches", "sent_records"):
                cur.execute("INSERT OR IGNORE INTO meta VALUES (?, 0)", (key,))
            stored = cur.execute("SELECT value FROM meta WHERE key = 'device_id'").fetchone()[0]
            fmt = cur.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()[0]
        if stored != self.device_id:
            raise ValueError(
                f"outbox {self.path} belongs to device {stored!r}, not {self.device_id!r}"
            )
        if fmt != _FORMAT_VERSION:
            raise ValueError(f"outbox {self.path} has format {fmt}, expected {_FORMAT_VERSION}")

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

    def add(self, records: Iterable[AnyRecord]) -> int:
        """Store the records in one transaction; return how many were stored."""
        rows = [(_priority(r), r.model_dump_json()) for r in records]
        if not rows:
            return 0
        with self._tx() as cur:
            cur.executemany("INSERT INTO records (priority, body) VALUES (?, ?)", rows)
        return len(rows)

    def next_batch(self, max_items: int = 1000) -> PendingBatch | None:
        """The oldest unacknowledged batch, else a new one of up to ``max_items`` records.

        ``None`` when nothing is pending. A batch is formed once and re-offered unchanged
        until :meth:`mark_sent` or :meth:`set_aside`, whatever ``max_items`` later calls ask.
        """
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        limit = min(max_items, MAX_BATCH_ITEMS)
        with self._tx() as cur:
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

    def set_aside(self, batch_id: uuid.UUID, reason: str) -> None:
        """Move a batch the server rejected into the dead-letter table, out of the queue."""
        with self._tx() as cur:
            taken = self._take_batch(cur, batch_id)
            if taken is None:
                logger.warning("set_aside: no pending batch %s", batch_id)
                return
            seq, n_items = taken
            items = [
                r[0]
                for r in cur.execute(
                    "SELECT body FROM records WHERE batch_seq = ? ORDER BY priority, id", (seq,)
                )
            ]
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
            cur.execute("DELETE FROM records WHERE batch_seq = ?", (seq,))
        logger.error("set aside batch %s (%d records): %s", batch_id, n_items, reason)

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
        """Counts of pending, sent and set-aside batches and records."""
        with self._lock:
            c = self._conn
            meta = dict(c.execute("SELECT key, value FROM meta").fetchall())
            pending_records = c.execute("SELECT count(*) FROM records").fetchone()[0]
            pending_batches = c.execute("SELECT count(*) FROM batches").fetchone()[0]
            dead = c.execute("SELECT count(*), coalesce(sum(n_items), 0) FROM dead_letters")
            dead_batches, dead_records = dead.fetchone()
        return OutboxStats(
            pending_records=int(pending_records),
            pending_batches=int(pending_batches),
            sent_batches=int(meta["sent_batches"]),
            sent_records=int(meta["sent_records"]),
            set_aside_batches=int(dead_batches),
            set_aside_records=int(dead_records),
        )

    def close(self) -> None:
        """Close the database; pending records and batches stay in the file."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
