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
:class:`~.disk_policy.OutboxFullError` and stores nothing. Each time the outbox reports
itself to the server with one ``DeviceStatus`` record (error codes and counters in
:mod:`.outbox_reports`) and logs an error. A batch set aside is reported the same way. See
``docs/gateway-outbox.md``.

:class:`Outbox` is the façade the uploader and the runner use; the work is done by three
small modules: :mod:`.sqlite_queue` (the durable queue), :mod:`.disk_policy` (what gives
way when the disk is full) and :mod:`.outbox_reports` (the outbox's own reports).
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Iterable
from pathlib import Path

from pydantic import TypeAdapter

from roadsense.edge.transport.disk_policy import DiskPolicy, NoRoomError, is_full
from roadsense.edge.transport.outbox_reports import ERROR_BATCH_SET_ASIDE, OutboxReports
from roadsense.edge.transport.sqlite_queue import (
    DeadLetter,
    OutboxStats,
    PendingBatch,
    SqliteQueue,
    rows_of,
)
from roadsense.schema.records import MAX_BATCH_ITEMS, AnyRecord, Identifier

logger = logging.getLogger(__name__)

_DEVICE_ID = TypeAdapter[str](Identifier)


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
        vehicle = None if vehicle_id is None else _DEVICE_ID.validate_python(vehicle_id)
        self.max_bytes = max_bytes
        self._queue = SqliteQueue(self.path)
        try:
            self._reports = OutboxReports(self._queue)
            self._policy = DiskPolicy(self._queue, self._reports, max_bytes)
            self._queue.create_schema(self.device_id, vehicle)
        except BaseException:
            self._queue.close()
            raise

    def add(self, records: Iterable[AnyRecord]) -> int:
        """Store the records in one transaction; return how many were stored.

        All of them, unless the outbox is full: then the oldest unbatched positions are
        dropped to make room (in the same transaction), and when none is left the call's own
        positions are dropped and its events stored (the return value says how many). Raises
        :class:`~.disk_policy.OutboxFullError`, having stored nothing, when even the events do
        not fit.
        """
        records = list(records)
        rows = rows_of(records)
        if not rows:
            return 0
        vehicle = records[0].vehicle_id
        try:
            with self._queue.tx() as cur:
                self._queue.insert(cur, rows, vehicle)
                self._policy.check_room(cur)
        except NoRoomError:
            logger.debug("outbox %s: over its size limit; making room", self.path)
            return self._policy.add_when_full(rows, vehicle)
        except sqlite3.Error as exc:
            if not is_full(exc):
                raise
            logger.debug("outbox %s: SQLite says %r; making room", self.path, str(exc))
            return self._policy.add_when_full(rows, vehicle)
        if self._queue.vehicle_id is None:  # learnt (and stored in meta) by this add
            self._queue.vehicle_id = vehicle
        return len(rows)

    def next_batch(self, max_items: int = 1000) -> PendingBatch | None:
        """The oldest unacknowledged batch, else a new one of up to ``max_items`` records.

        ``None`` when nothing is pending. A batch is formed once and re-offered unchanged
        until :meth:`mark_sent` or :meth:`set_aside`, whatever ``max_items`` later calls ask.
        Raises :class:`~.disk_policy.OutboxFullError` when the disk is so full that no batch
        can be formed even after dropping positions.
        """
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        limit = min(max_items, MAX_BATCH_ITEMS)
        return self._policy.with_room(
            lambda cur: self._queue.next_batch(cur, limit), "form a batch"
        )

    def mark_sent(self, batch_id: uuid.UUID) -> None:
        """Forget a batch the server acknowledged. Unknown ids are ignored (logged)."""
        with self._queue.tx() as cur:
            taken = self._queue.take_batch(cur, batch_id)
            if taken is None:
                logger.warning("mark_sent: no pending batch %s (already marked?)", batch_id)
                return
            self._queue.delete_sent(cur, *taken)
            self._reports.report_if_due(cur)

    def set_aside(self, batch_id: uuid.UUID, reason: str) -> None:
        """Move a batch the server rejected into the dead-letter table, out of the queue.

        Logged as an error and reported to the server in the outbox's ``DeviceStatus``
        (unless the batch held such a report itself, so a rejected report cannot loop).
        """

        def move(cur: sqlite3.Cursor) -> int | None:
            taken = self._queue.take_batch(cur, batch_id)
            if taken is None:
                return None
            seq, n_items = taken
            held_report = self._reports.holds_report(cur, seq)
            self._queue.move_to_dead_letters(cur, batch_id, seq, n_items, reason)
            if not held_report:
                self._reports.report(cur, ERROR_BATCH_SET_ASIDE)
            return n_items

        n_items = self._policy.with_room(move, "set a batch aside")
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
        with self._queue.tx() as cur:
            taken = self._queue.take_batch(cur, batch_id)
            if taken is None:
                return 0
            self._queue.release(cur, taken[0])
            return taken[1]

    def dead_letters(self) -> list[DeadLetter]:
        """The batches set aside, oldest first."""
        return self._queue.dead_letters()

    def stats(self) -> OutboxStats:
        """Counts of pending, sent, set-aside and dropped records and batches."""
        return self._queue.stats(self.max_bytes)

    def close(self) -> None:
        """Close the database; pending records and batches stay in the file."""
        self._queue.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
