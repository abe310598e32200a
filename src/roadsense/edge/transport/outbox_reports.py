"""The outbox reports on itself: one ``DeviceStatus`` record, queued with the others.

When the outbox was full (positions dropped, records refused) or set a batch aside, it
queues a ``DeviceStatus`` for its vehicle with an error code (:data:`ERROR_OUTBOX_FULL`,
:data:`ERROR_RECORDS_REFUSED`, :data:`ERROR_BATCH_SET_ASIDE`) and its counters
(:data:`REPORT_COUNTERS`). At most one such report waits unbatched: a later one brings it up
to date (its error codes joined), so a full outbox does not fill itself with reports. A
refusal that left no room to write a report is reported once a sent batch frees room
(the ``report_due`` counter). See ``docs/gateway-outbox.md``.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime

from roadsense.edge.transport.sqlite_queue import PRIORITY_EVENT, SqliteQueue
from roadsense.schema.records import DeviceStatus

logger = logging.getLogger(__name__)

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

KIND_REPORT = "report"
"""The ``kind`` column of the outbox's own ``DeviceStatus`` reports."""


class OutboxReports:
    """Writes the outbox's ``DeviceStatus`` reports into its queue, inside its transactions."""

    def __init__(self, queue: SqliteQueue) -> None:
        self._queue = queue

    def report(self, cur: sqlite3.Cursor, code: int, vehicle: str | None = None) -> None:
        """Store (or bring up to date) the one unbatched report, adding ``code``.

        The vehicle is the outbox's, else the one stored, else ``vehicle`` (the add's own);
        with none known the report is skipped (logged).
        """
        q = self._queue
        vehicle_id = q.vehicle_id or q.stored_vehicle(cur) or vehicle
        if vehicle_id is None:
            logger.warning("outbox %s: no vehicle known yet; cannot report", q.path)
            return
        counts = q.counters(cur)
        dead_batches, dead_records = q.dead_letter_totals(cur)
        counters = {
            "outbox_full": counts["outbox_full"],
            "positions_dropped": counts["positions_dropped"],
            "records_refused": counts["records_refused"],
            "batches_set_aside": dead_batches,
            "records_set_aside": dead_records,
        }
        pending = q.last_unbatched(cur, KIND_REPORT)
        codes = {code}
        if pending is not None:
            codes.update(DeviceStatus.model_validate_json(pending[1]).error_codes)
        body = DeviceStatus(
            vehicle_id=vehicle_id,
            time=datetime.now(UTC),
            error_codes=sorted(codes),
            counters=counters,
        ).model_dump_json()
        if pending is None:
            q.insert(cur, [(PRIORITY_EVENT, KIND_REPORT, body)])
        else:
            q.replace_body(cur, pending[0], body)
        q.reset(cur, "report_due")

    def report_if_due(self, cur: sqlite3.Cursor) -> None:
        """Report a refusal that waited for room (after a sent batch freed some)."""
        if self._queue.counters(cur)["report_due"]:
            self.report(cur, ERROR_RECORDS_REFUSED)

    def holds_report(self, cur: sqlite3.Cursor, seq: int) -> bool:
        """Whether batch ``seq`` carries a report (a rejected report must not be reported,
        or it would loop)."""
        return self._queue.holds_kind(cur, seq, KIND_REPORT)
