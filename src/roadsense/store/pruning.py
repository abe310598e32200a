"""Pruning raw positions older than the retention period (the roll-up is kept).

Called by ``roadsense store prune`` and, on a schedule, by the server
(``roadsense.server.retention``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from roadsense.store.retention_store import PruneResult, RetentionStore

log = logging.getLogger(__name__)


def retention_cutoff(retention_days: float, now: datetime | None = None) -> datetime:
    """The time before which raw positions are pruned."""
    return (now or datetime.now(UTC)) - timedelta(days=retention_days)


def prune_now(store: RetentionStore, retention_days: float) -> PruneResult:
    """Prune what is older than the retention period, and log what was done."""
    result = store.prune(retention_cutoff(retention_days))
    log.info(
        "pruned %d positions before %s",
        result.positions_deleted,
        result.cutoff.isoformat(),
        extra={
            "positions_deleted": result.positions_deleted,
            "rollup_rows": result.rollup_rows,
            "sessions_deleted": result.sessions_deleted,
        },
    )
    return result
