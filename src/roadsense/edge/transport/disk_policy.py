"""What gives way when the outbox is full: the oldest positions, never an event.

The outbox is full when its records use more pages than ``max_bytes`` leaves them (a
twentieth of the limit, at least 16 pages, is kept free for forming and setting aside
batches, so a full outbox still drains), or when SQLite says "database or disk is full".

An add that finds it full (:meth:`DiskPolicy.add_when_full`) drops the oldest positions not
yet in a batch, in the same transaction as the add, at least :data:`MIN_DROP` of them so that
not every add finds it full; when no such position is left it keeps the events of the call
and drops its positions; when even those do not fit it raises :class:`OutboxFullError`
and stores nothing. The bookkeeping that drains the outbox (forming and setting aside
batches, :meth:`DiskPolicy.with_room`) drops positions the same way when the disk itself is
full. Each time the outbox reports itself (:mod:`.outbox_reports`) and logs an error, at
most once a minute for the drops. See ``docs/gateway-outbox.md``.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from roadsense.edge.transport.outbox_reports import ERROR_OUTBOX_FULL, OutboxReports
from roadsense.edge.transport.sqlite_queue import (
    KIND_POSITION,
    PRIORITY_EVENT,
    Row,
    SqliteQueue,
)
from roadsense.errors import RoadsenseError

logger = logging.getLogger(__name__)

MIN_DROP = 100
"""Positions dropped at least when the outbox is full, so that not every add finds it full."""
MIN_RESERVE_PAGES = 16
"""Pages kept free of records at least, for the bookkeeping that drains a full outbox."""
FULL_LOG_INTERVAL_S = 60.0
"""At most one error log a minute about positions dropped."""

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


class NoRoomError(RoadsenseError):
    """A transaction found the outbox full (the size limit); it is rolled back."""


def is_full(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's "database or disk is full" (``SQLITE_FULL``)."""
    return isinstance(exc, sqlite3.Error) and exc.sqlite_errorcode == sqlite3.SQLITE_FULL


class DiskPolicy:
    """The size limit of one outbox and what its queue gives up to stay under it.

    Made before the queue's tables, so that the limit holds from the first write; raises
    ``ValueError`` for a ``max_bytes`` too small for an outbox (under 64 pages).
    """

    def __init__(self, queue: SqliteQueue, reports: OutboxReports, max_bytes: int | None) -> None:
        self._queue = queue
        self._reports = reports
        self.max_bytes = max_bytes
        self._last_full_log = -FULL_LOG_INTERVAL_S
        self._soft_pages = self._limit_pages(max_bytes)

    def _limit_pages(self, max_bytes: int | None) -> int | None:
        """Set SQLite's hard page limit; the page count records may fill (None: no limit)."""
        if max_bytes is None:
            return None
        page_size = self._queue.page_size
        hard = max_bytes // page_size
        reserve = max(MIN_RESERVE_PAGES, hard // 20)
        if hard < 4 * reserve:
            raise ValueError(
                f"max_bytes={max_bytes} is too small for an outbox: "
                f"at least {4 * MIN_RESERVE_PAGES * page_size} bytes"
            )
        got = self._queue.set_max_pages(hard)
        if got > hard:
            logger.warning(
                "outbox %s is already %d bytes, over max_bytes=%d: it will not grow, and "
                "adds drop positions until it is back under the limit",
                self._queue.path,
                got * page_size,
                max_bytes,
            )
        return hard - reserve

    def check_room(self, cur: sqlite3.Cursor) -> None:
        """Raise :class:`NoRoomError` when records use more pages than the limit leaves them."""
        if self._soft_pages is not None and self._queue.used_pages(cur) > self._soft_pages:
            raise NoRoomError

    def attempt(self, fn: Callable[[sqlite3.Cursor], _T]) -> _T | None:
        """Run ``fn`` in one transaction; None (all rolled back) when the outbox is full."""
        try:
            with self._queue.tx() as cur:
                return fn(cur)
        except NoRoomError:
            return None
        except sqlite3.Error as exc:
            if is_full(exc):
                return None
            raise

    # -- adding to a full outbox -------------------------------------------------------

    def add_when_full(self, rows: list[Row], vehicle: str) -> int:
        """Make room by dropping positions, oldest first, never events; else refuse.

        Returns how many of ``rows`` were stored; raises :class:`OutboxFullError`.
        """
        drop = max(MIN_DROP, 2 * len(rows))
        while True:
            dropped = self.attempt(
                partial(self._drop_and_add, rows=rows, vehicle=vehicle, limit=drop)
            )
            if dropped is not None:
                self._log_full(f"dropped the {dropped} oldest positions to store {len(rows)}")
                return len(rows)
            left = self.attempt(partial(self._queue.unbatched_positions, at_most=drop + 1))
            if not left or left <= drop:
                break  # every unbatched position was tried: dropping more cannot help
            drop *= 4
        events = [r for r in rows if r[1] != KIND_POSITION]
        if events and len(events) < len(rows):
            lost_own = len(rows) - len(events)

            dropped = self.attempt(
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
        return self._refuse(rows)

    def _drop_and_add(
        self,
        cur: sqlite3.Cursor,
        rows: list[Row],
        vehicle: str,
        limit: int | None,
        *,
        also_dropped: int = 0,
    ) -> int:
        """Drop up to ``limit`` (None: all) unbatched positions, add ``rows`` and report."""
        dropped = self._queue.drop_positions(cur, limit) + also_dropped
        self._queue.insert(cur, rows, vehicle)
        self._queue.count(cur, outbox_full=1, positions_dropped=dropped)
        self._reports.report(cur, ERROR_OUTBOX_FULL, vehicle)
        self.check_room(cur)
        return dropped

    def _refuse(self, rows: list[Row]) -> int:
        n_events = sum(1 for r in rows if r[0] == PRIORITY_EVENT)

        def count(cur: sqlite3.Cursor) -> None:
            self._queue.count(cur, outbox_full=1, records_refused=len(rows), report_due=1)

        self.attempt(count)  # in place, so it fits; reported once a batch frees room
        stats = self._queue.stats(self.max_bytes)
        message = (
            f"outbox {self._queue.path} is full ({stats.size_bytes} bytes used of "
            f"{stats.max_bytes or 'the disk'}; no position left to drop): refused "
            f"{len(rows)} records ({n_events} events); they were not stored"
        )
        logger.error("%s", message)
        raise OutboxFullError(message, records=len(rows), events=n_events)

    # -- draining a full outbox --------------------------------------------------------

    def with_room(self, fn: Callable[[sqlite3.Cursor], _T], what: str) -> _T:
        """Run ``fn`` in a transaction; if the disk is full, drop positions and try again.

        For the bookkeeping that drains the outbox (it has the reserve below ``max_bytes``,
        but a full disk has none). Raises :class:`OutboxFullError` when nothing helps.
        """
        for drop in (0, MIN_DROP, 10 * MIN_DROP, None):
            if drop != 0:

                def make_room(cur: sqlite3.Cursor, limit: int | None = drop) -> int:
                    dropped = self._queue.drop_positions(cur, limit)
                    self._queue.count(cur, outbox_full=1, positions_dropped=dropped, report_due=1)
                    return dropped

                dropped = self.attempt(make_room)
                if dropped:
                    self._log_full(f"dropped {dropped} positions to {what}")
            try:
                with self._queue.tx() as cur:
                    return fn(cur)
            except sqlite3.Error as exc:
                if not is_full(exc):
                    raise
        message = f"outbox {self._queue.path}: the disk is full; cannot {what}"
        logger.error("%s", message)
        raise OutboxFullError(message, records=0, events=0)

    def _log_full(self, what: str) -> None:
        now = time.monotonic()
        if now - self._last_full_log >= FULL_LOG_INTERVAL_S:
            self._last_full_log = now
            stats = self._queue.stats(self.max_bytes)
            logger.error(
                "outbox %s full (%d bytes used, limit %s): %s; %d positions dropped so far",
                self._queue.path,
                stats.size_bytes,
                stats.max_bytes or "the disk",
                what,
                stats.positions_dropped,
            )
